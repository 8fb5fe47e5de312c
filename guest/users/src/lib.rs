//! The User Management API of the seed: `GET /users`, `POST /users`, `GET /users/{userId}`
//! (described in `openapi.yaml`). Every answer is JSON with `access-control-allow-origin: *`;
//! errors are `{"error": .., "timestamp": ..}`, any other route 404 `Route not found`. An
//! unexpected failure is a 500 `Internal Server Error`; its cause goes to the log, not to the
//! client as the seed's `Internal server error: {e}` did.
//!
//! The users are the seed's simulated database, John and Jane, held in memory. The host runs
//! every request on a fresh instance, so a user created by `POST` is answered (id 3) but not
//! kept: the next request sees John and Jane again.

use lambda_wasm_sdk::{Error, Request, Response, Result, Router};
use serde::Serialize;
use serde_json::{Value, json};

mod timestamp;

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
    let body = json!({ "users": users(), "timestamp": timestamp::now() });
    Ok(Response::json(200, &body))
}

fn create_user(request: &Request) -> Result<Response> {
    let body: Value = request.json()?;
    let field = |name: &str| {
        let missing = || Error::bad_request(format!("Missing required field: {name}"));
        body.get(name).cloned().ok_or_else(missing)
    };
    let user = User {
        id: users().len() as u64 + 1,
        name: field("name")?,
        email: field("email")?,
        created_at: Some(timestamp::now()),
    };
    let body = json!({ "message": "User created successfully", "user": user });
    Ok(Response::json(201, &body))
}

fn get_user(request: &Request) -> Result<Response> {
    let id = request.path_param("userId").unwrap_or_default();
    match users().into_iter().find(|user| user.id.to_string() == id) {
        Some(user) => Ok(Response::json(200, &json!({ "user": user }))),
        None => Err(Error::not_found(format!("User {id} not found"))),
    }
}

/// A user as the API shows it; `created_at` only on the user just created.
#[derive(Serialize)]
struct User {
    id: u64,
    name: Value,
    email: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
}

/// The seed's simulated database.
fn users() -> Vec<User> {
    [
        (1, "John Doe", "john@example.com"),
        (2, "Jane Smith", "jane@example.com"),
    ]
    .into_iter()
    .map(|(id, name, email)| User {
        id,
        name: name.into(),
        email: email.into(),
        created_at: None,
    })
    .collect()
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
    fn lists_the_seeded_users_with_a_timestamp() {
        let (status, body) = call(Request::new("GET", "/users"));
        assert_eq!(status, 200);
        assert_eq!(
            body["users"],
            json!([
                { "id": 1, "name": "John Doe", "email": "john@example.com" },
                { "id": 2, "name": "Jane Smith", "email": "jane@example.com" },
            ])
        );
        assert_timestamp(&body["timestamp"]);
    }

    #[test]
    fn gets_a_user_by_id() {
        let (status, body) = call(Request::new("GET", "/users/2"));
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({ "user": { "id": 2, "name": "Jane Smith", "email": "jane@example.com" } })
        );
    }

    #[test]
    fn an_unknown_user_is_a_404_naming_the_id() {
        let (status, body) = call(Request::new("GET", "/users/42"));
        assert_eq!(status, 404);
        assert_eq!(body["error"], "User 42 not found");
        assert_timestamp(&body["timestamp"]);
    }

    #[test]
    fn creates_a_user() {
        let request = Request::new("POST", "/users")
            .with_json(&json!({ "name": "Ann Lee", "email": "ann@example.com" }));
        let (status, body) = call(request);
        assert_eq!(status, 201);
        assert_eq!(body["message"], "User created successfully");
        assert_eq!(body["user"]["id"], 3);
        assert_eq!(body["user"]["name"], "Ann Lee");
        assert_eq!(body["user"]["email"], "ann@example.com");
        assert_timestamp(&body["user"]["created_at"]);
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
