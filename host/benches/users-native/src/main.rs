//! The users API's `GET /users/{userId}` and `POST /users` as a native Rust server on the AWS
//! SDK for Rust: the baseline the users component is measured against (host/benches/run.py),
//! the same DynamoDB calls (a consistent `GetItem`, a conditional `PutItem`) and JSON.
//! `users-native PORT`, with `AWS_ENDPOINT_URL_DYNAMODB` and `USERS_TABLE` set (moto).

#![allow(clippy::unwrap_used)] // a benchmark baseline, not a tool

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

struct Users {
    client: Client,
    table: String,
}

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Value {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .map(|text| json!(text))
        .unwrap_or(Value::Null)
}

impl Users {
    async fn answer(&self, request: hyper::Request<Incoming>) -> (u16, Value) {
        let path = request.uri().path().to_owned();
        if request.method() == "POST" && path == "/users" {
            let body = request.into_body().collect().await.unwrap().to_bytes();
            let Ok(body) = serde_json::from_slice::<Value>(&body) else {
                return (
                    400,
                    json!({ "error": "The request body is not valid JSON" }),
                );
            };
            let id = uuid::Uuid::new_v4().to_string();
            let mut item = HashMap::new();
            item.insert("id".to_owned(), AttributeValue::S(id.clone()));
            for name in ["name", "email"] {
                let Some(value) = body[name].as_str() else {
                    let error = format!("Missing required field: {name}");
                    return (400, json!({ "error": error }));
                };
                item.insert(name.to_owned(), AttributeValue::S(value.to_owned()));
            }
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(id)")
                .send()
                .await;
            return match put {
                Ok(_) => {
                    let user = json!({ "id": id, "name": text(&item, "name"), "email": text(&item, "email") });
                    (
                        201,
                        json!({ "message": "User created successfully", "user": user }),
                    )
                }
                Err(_) => (500, json!({ "error": "Internal Server Error" })),
            };
        }
        let Some(id) = path.strip_prefix("/users/") else {
            return (404, json!({ "error": "Route not found" }));
        };
        let get = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await;
        match get {
            Ok(output) => match output.item {
                Some(item) => {
                    let user = json!({ "id": text(&item, "id"), "name": text(&item, "name"), "email": text(&item, "email") });
                    (200, json!({ "user": user }))
                }
                None => (404, json!({ "error": format!("User {id} not found") })),
            },
            Err(_) => (500, json!({ "error": "Internal Server Error" })),
        }
    }
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .expect("usage: users-native PORT")
        .parse()
        .unwrap();
    // moto checks no signature: placeholder keys, plain HTTP.
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "users-native",
        ))
        .endpoint_url(std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let users = Arc::new(Users {
        client: Client::from_conf(config),
        table: std::env::var("USERS_TABLE").unwrap(),
    });
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let users = users.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let users = users.clone();
                async move {
                    let (status, body) = users.answer(request).await;
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .header("access-control-allow-origin", "*")
                            .body(Full::new(Bytes::from(body.to_string())))
                            .unwrap(),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
