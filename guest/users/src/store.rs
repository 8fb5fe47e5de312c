//! The users table: one item per user, `id` (the partition key, a string), `name`, `email` and
//! `created_at`, all string attributes. Reached with the AWS SDK for Rust over `wasi:http`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::Builder;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_wasm_sdk::{Error, Result, aws};
use serde::Serialize;

/// The variable naming the table; the host lets the guest read it (`LAMBDA_WASM_GUEST_ENV`).
pub const TABLE_VAR: &str = "USERS_TABLE";

/// `GET /users` answers at most this many users, however many the table holds: a list for
/// people to read, not an export. The scan follows DynamoDB's pages until it has them.
pub const LIST_CAP: usize = 100;

/// A user as the API shows it and the table holds it.
#[derive(Debug, PartialEq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub created_at: String,
}

/// What `POST /users` asks to store; the id and the time are the store's to give.
#[derive(Debug)]
pub struct NewUser {
    pub name: String,
    pub email: String,
}

/// The users table of this invocation.
pub struct Users {
    client: Client,
    table: String,
}

impl Users {
    /// The table `USERS_TABLE` names, through a client the host signs for.
    pub fn from_env() -> Result<Self> {
        let table = std::env::var(TABLE_VAR)
            .ok()
            .filter(|table| !table.is_empty())
            .ok_or_else(|| Error::internal(format!("{TABLE_VAR} is not set")))?;
        let config = Builder::from(&aws::config()).allow_no_auth().build();
        Ok(Users {
            client: Client::from_conf(config),
            table,
        })
    }

    /// Stores `user` under a new random id. The put is conditional on the id being free, so
    /// that nothing is ever overwritten (a collision is a 500, not a lost user).
    pub fn create(&self, user: NewUser, created_at: String) -> Result<User> {
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            name: user.name,
            email: user.email,
            created_at,
        };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&user)))
            .condition_expression("attribute_not_exists(id)")
            .send();
        aws::block_on(put).map_err(failed)?;
        Ok(user)
    }

    /// The user stored under `id`, read consistently: a user just created is there.
    pub fn get(&self, id: &str) -> Result<Option<User>> {
        let get = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send();
        let output = aws::block_on(get).map_err(failed)?;
        output.item.as_ref().map(user).transpose()
    }

    /// Up to [`LIST_CAP`] users, oldest first, following the scan's pages.
    pub fn list(&self) -> Result<Vec<User>> {
        let mut users = Vec::new();
        let mut start = None;
        loop {
            let scan = self
                .client
                .scan()
                .table_name(&self.table)
                .limit((LIST_CAP - users.len()) as i32)
                .set_exclusive_start_key(start)
                .send();
            let page = aws::block_on(scan).map_err(failed)?;
            for found in page.items() {
                users.push(user(found)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() || users.len() >= LIST_CAP {
                break;
            }
        }
        users.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(users)
    }
}

/// A failed DynamoDB call: a 500 whose log line has the whole chain of causes (a dispatch
/// failure's connection error, a service error's code and message).
fn failed(error: impl std::error::Error) -> Error {
    Error::internal(DisplayErrorContext(error))
}

/// The item that stores `user`.
fn item(user: &User) -> HashMap<String, AttributeValue> {
    [
        ("id", &user.id),
        ("name", &user.name),
        ("email", &user.email),
        ("created_at", &user.created_at),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), AttributeValue::S(value.clone())))
    .collect()
}

/// The user an item stores; an item that is not one (written by something else) is a 500.
fn user(item: &HashMap<String, AttributeValue>) -> Result<User> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text.clone()),
        _ => Err(Error::internal(format!(
            "a users table item has no string attribute {name}"
        ))),
    };
    Ok(User {
        id: text("id")?,
        name: text("name")?,
        email: text("email")?,
        created_at: text("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_the_item_it_is_stored_as() {
        let stored = User {
            id: "0b5f".to_owned(),
            name: "Ann Lee".to_owned(),
            email: "ann@example.com".to_owned(),
            created_at: "2026-11-21T14:00:00.5".to_owned(),
        };
        let item = item(&stored);
        assert_eq!(item["name"], AttributeValue::S("Ann Lee".to_owned()));
        assert_eq!(user(&item).ok(), Some(stored));
    }

    #[test]
    fn an_item_without_a_string_attribute_is_an_internal_error() {
        let mut item = HashMap::new();
        item.insert("id".to_owned(), AttributeValue::N("7".to_owned()));
        let error = user(&item).err().map(|error| error.status());
        assert_eq!(error, Some(500));
    }
}
