//! The User Management API of the seed: `GET /users`, `POST /users`, `GET /users/{userId}`
//! (described in `openapi.yaml`), on a DynamoDB table. Every answer is JSON with
//! `access-control-allow-origin: *`; errors are `{"error": .., "timestamp": ..}`, any other
//! route 404 `Route not found`. An unexpected failure (DynamoDB unreachable, the table missing,
//! `USERS_TABLE` unset) is a 500 `Internal Server Error`; its cause goes to the log, not to the
//! client as the seed's `Internal server error: {e}` did.
//!
//! The users live in the table `USERS_TABLE` names (the host passes it to the guest through
//! `LAMBDA_WASM_GUEST_ENV`), one item per user under its string key `id`: see `store.rs`. The
//! component holds no credentials: the host signs its DynamoDB requests (see
//! `lambda_wasm_sdk::aws`).

use lambda_wasm_sdk::{Error, Request, Response, Result, Router};
use serde_json::{Value, json};

mod store;
mod timestamp;

use store::NewUser;

lambda_wasm_sdk::handler!(routes());

fn routes() -> Router {
    Router::new()
        .get("/users", list_users)
        .post("/users", create_user)
        .get("/users/{userId}", get_user)
        .fallback(|_| Err(Error::not_found("Route not found")))
        .on_error(|error| {
            let body = json!({ "error": error.message(), "timestamp": timestamp::now() });
            Response::json(error.status(), &body)
        })
        .with_cors("*")
}

fn list_users(_: &Request) -> Result<Response> {
    let users = store::Users::from_env()?.list()?;
    let body = json!({ "users": users, "timestamp": timestamp::now() });
    Ok(Response::json(200, &body))
}

fn create_user(request: &Request) -> Result<Response> {
    // The body is checked before anything reaches DynamoDB: a bad request costs no call.
    let new_user = new_user(&request.json()?)?;
    let user = store::Users::from_env()?.create(new_user, timestamp::now())?;
    let body = json!({ "message": "User created successfully", "user": user });
    Ok(Response::json(201, &body))
}

fn get_user(request: &Request) -> Result<Response> {
    let id = request.path_param("userId").unwrap_or_default();
    match store::Users::from_env()?.get(id)? {
        Some(user) => Ok(Response::json(200, &json!({ "user": user }))),
        None => Err(Error::not_found(format!("User {id} not found"))),
    }
}

/// The user a `POST` body describes: `name` and `email`, both strings (DynamoDB stores them as
/// string attributes; the seed took any JSON).
fn new_user(body: &Value) -> Result<NewUser> {
    let field = |name: &str| match body.get(name) {
        None | Some(Value::Null) => Err(Error::bad_request(format!(
            "Missing required field: {name}"
        ))),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(Error::bad_request(format!("Field {name} must be a string"))),
    };
    Ok(NewUser {
        name: field("name")?,
        email: field("email")?,
    })
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::Handler;

    use super::*;

    fn call(request: Request) -> (u16, Value) {
        let response = routes().respond(request);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        (response.status(), response.body_json())
    }

    fn assert_timestamp(value: &Value) {
        let text = value.as_str().unwrap_or_default();
        assert!(
            text.len() >= 19 && &text[10..11] == "T",
            "not a timestamp: {value}"
        );
    }

    #[test]
    fn a_new_user_needs_a_name_and_an_email_as_strings() {
        let user = new_user(&json!({ "name": "Ann Lee", "email": "ann@example.com" }));
        let user = user.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(user.name, "Ann Lee");
        assert_eq!(user.email, "ann@example.com");
        let error = |body| {
            new_user(&body)
                .err()
                .map(|error| error.message().to_owned())
        };
        assert_eq!(
            error(json!({ "name": 7, "email": "a@b" })).as_deref(),
            Some("Field name must be a string")
        );
        assert_eq!(
            error(json!({ "name": null, "email": "a@b" })).as_deref(),
            Some("Missing required field: name")
        );
    }

    #[test]
    fn creating_without_a_required_field_is_a_400_naming_it() {
        for (body, missing) in [
            (json!({ "email": "ann@example.com" }), "name"),
            (json!({ "name": "Ann Lee" }), "email"),
            (json!({}), "name"),
        ] {
            let (status, body) = call(Request::new("POST", "/users").with_json(&body));
            assert_eq!(status, 400);
            assert_eq!(body["error"], format!("Missing required field: {missing}"));
            assert_timestamp(&body["timestamp"]);
        }
    }

    #[test]
    fn creating_with_a_body_that_is_not_json_is_a_400() {
        for body in ["name=Ann", ""] {
            let (status, body) = call(Request::new("POST", "/users").with_body(body));
            assert_eq!(status, 400);
            let error = body["error"].as_str().unwrap_or_default();
            assert!(error.starts_with("The request body is"), "{error}");
        }
    }

    #[test]
    fn any_other_route_is_a_404_route_not_found() {
        for (method, path) in [
            ("GET", "/orders"),
            ("DELETE", "/users/1"),
            ("PUT", "/users"),
        ] {
            let (status, body) = call(Request::new(method, path));
            assert_eq!(status, 404, "{method} {path}");
            assert_eq!(body["error"], "Route not found");
        }
    }
}
