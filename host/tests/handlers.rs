//! The handlers written with the guest SDK (`users`, `inspector`, `hello-world`), as built
//! components run by the real `bootstrap`: `invoke` on REST API and HTTP API events with path
//! parameters, and `serve` behind the users seed's own SAM routes. `users` keeps its users in
//! DynamoDB: each of its tests starts moto (`common::moto`) and points the host's endpoint
//! override at it.
//!
//! `make test` runs this file twice: on the components `cargo build --target wasm32-wasip2`
//! makes, and (`LAMBDA_WASM_COMPONENTS=target/wasm32-wasip1/release`) on those `cargo component
//! build` makes.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::path::PathBuf;

use common::moto::Moto;
use common::server::Server;
use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

/// Both API Gateway payload formats, as (name, base event for `GET /users/{userId}`).
const FRONT_ENDS: [(&str, &str); 2] = [
    ("rest-api", "events/users-rest-api-get-user.json"),
    ("http-api", "events/users-http-api-get-user.json"),
];

fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&common::read_fixture(name)).unwrap()
}

/// `event` changed to `method route` at `path` with `params` and `body`, as the front end of
/// `event` (REST API or HTTP API) would send it.
fn routed(
    event: &Value,
    method: &str,
    route: &str,
    path: &str,
    params: Value,
    body: &str,
) -> Value {
    let mut event = event.clone();
    let body = if body.is_empty() {
        Value::Null
    } else {
        json!(body)
    };
    if event["version"] == "2.0" {
        let key = format!("{method} {route}");
        event["routeKey"] = json!(key);
        event["rawPath"] = json!(path);
        event["pathParameters"] = params;
        event["requestContext"]["routeKey"] = json!(key);
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(path);
    } else {
        event["resource"] = json!(route);
        event["path"] = json!(path);
        event["httpMethod"] = json!(method);
        event["pathParameters"] = params;
        event["requestContext"]["resourcePath"] = json!(route);
        event["requestContext"]["httpMethod"] = json!(method);
        event["requestContext"]["path"] = json!(format!("/prod{path}"));
    }
    event["body"] = body;
    event["isBase64Encoded"] = json!(false);
    event
}

/// Runs `event` through `bootstrap invoke` with the component `name`.
fn invoke(component: &str, event: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    std::fs::write(&path, serde_json::to_vec(event).unwrap()).unwrap();
    common::invoke_json(&path, &common::component(component))
}

/// The response's status, its body as JSON, and checks the users API's headers on it.
fn users_answer(response: &Value) -> (u64, Value) {
    assert_eq!(response["headers"]["content-type"], "application/json");
    assert_eq!(response["headers"]["access-control-allow-origin"], "*");
    let body = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    (response["statusCode"].as_u64().unwrap(), body)
}

fn assert_timestamp(value: &Value) {
    let text = value.as_str().unwrap_or_default();
    assert!(
        text.len() >= 19 && &text[10..11] == "T" && !text.ends_with('Z'),
        "not a Python isoformat timestamp: {value}"
    );
}

/// A user created by one `bootstrap invoke` is read, and listed, by the next ones: the users
/// live in DynamoDB (moto), not in the instance.
#[test]
fn users_created_by_one_invocation_is_there_in_the_next() {
    let moto = Moto::start();
    for (front_end, get_event) in FRONT_ENDS {
        let create = format!("events/users-{front_end}-create-user.json");
        let (status, created) = users_answer(&invoke_users(&moto, &fixture_json(&create)));
        assert_eq!(status, 201, "{front_end}: {created}");
        assert_eq!(created["message"], "User created successfully");
        let user = &created["user"];
        assert_eq!(user["name"], "Ann Lee");
        assert_eq!(user["email"], "ann@example.com");
        assert_timestamp(&user["created_at"]);
        let id = user["id"].as_str().unwrap();
        assert_eq!(id.len(), 36, "a generated UUID: {id}");

        let event = get_user_event(&fixture_json(get_event), id);
        let (status, read) = users_answer(&invoke_users(&moto, &event));
        assert_eq!(status, 200, "{front_end}: {read}");
        assert_eq!(&read["user"], user, "{front_end}");
    }
    let event = routed(
        &fixture_json(FRONT_ENDS[0].1),
        "GET",
        "/users",
        "/users",
        Value::Null,
        "",
    );
    let (status, list) = users_answer(&invoke_users(&moto, &event));
    assert_eq!(status, 200, "{list}");
    let names: Vec<_> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["email"])
        .collect();
    assert_eq!(names, ["ann@example.com", "ann@example.com"]);
    assert_timestamp(&list["timestamp"]);
}

/// `event` (a `GET /users/{userId}`) for the user `id`.
fn get_user_event(event: &Value, id: &str) -> Value {
    let path = format!("/users/{id}");
    routed(
        event,
        "GET",
        "/users/{userId}",
        &path,
        json!({ "userId": id }),
        "",
    )
}

#[test]
fn users_answers_lists_errors_and_unknown_routes_as_the_seed() {
    let moto = Moto::start();
    for (front_end, base) in FRONT_ENDS {
        let base = fixture_json(base);
        let none = Value::Null;
        let cases = [
            ("GET", "/users", "/users", none.clone(), "", 200),
            (
                "GET",
                "/users/{userId}",
                "/users/7",
                json!({ "userId": "7" }),
                "",
                404,
            ),
            (
                "POST",
                "/users",
                "/users",
                none.clone(),
                r#"{"name":"Ann"}"#,
                400,
            ),
            (
                "POST",
                "/users",
                "/users",
                none.clone(),
                r#"{"email":"a@b.c"}"#,
                400,
            ),
            ("POST", "/users", "/users", none.clone(), "name=Ann", 400),
            (
                "POST",
                "/users",
                "/users",
                none.clone(),
                r#"{"name":["Ann"],"email":"a@b.c"}"#,
                400,
            ),
            (
                "DELETE",
                "/users/{userId}",
                "/users/1",
                json!({ "userId": "1" }),
                "",
                404,
            ),
            (
                "GET",
                "/{proxy+}",
                "/orders",
                json!({ "proxy": "orders" }),
                "",
                404,
            ),
        ];
        let mut bodies = Vec::new();
        for (method, route, path, params, body, expected) in cases {
            let event = routed(&base, method, route, path, params, body);
            let (status, body) = users_answer(&invoke_users(&moto, &event));
            assert_eq!(status, expected, "{front_end}: {method} {path}: {body}");
            bodies.push(body);
        }
        let [
            list,
            unknown,
            no_email,
            no_name,
            not_json,
            not_text,
            delete,
            other,
        ] = &bodies[..]
        else {
            unreachable!()
        };
        // Nothing above was stored: the bad requests never reached the table.
        assert_eq!(list["users"], json!([]));
        assert_timestamp(&list["timestamp"]);
        assert_eq!(unknown["error"], "User 7 not found");
        assert_timestamp(&unknown["timestamp"]);
        assert_eq!(no_email["error"], "Missing required field: email");
        assert_eq!(no_name["error"], "Missing required field: name");
        let not_json = not_json["error"].as_str().unwrap();
        assert!(
            not_json.starts_with("The request body is not valid JSON"),
            "{not_json}"
        );
        assert_eq!(not_text["error"], "Field name must be a string");
        assert_eq!(delete["error"], "Route not found");
        assert_eq!(other["error"], "Route not found");
    }
}

/// DynamoDB out of reach (nothing listens at the endpoint) or no table configured: a 500 in
/// the seed's shape whose cause is in the host's log, not in the answer.
#[test]
fn users_answers_500_when_its_table_is_out_of_reach() {
    let moto = Moto::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let event = fixture_json("events/users-rest-api-create-user.json");
    let unreachable: Vec<_> = moto
        .users_env()
        .into_iter()
        .map(|(name, value)| match name {
            "AWS_ENDPOINT_URL_DYNAMODB" => (name, closed_endpoint.clone()),
            _ => (name, value),
        })
        .collect();
    let untabled: Vec<_> = moto
        .users_env()
        .into_iter()
        .filter(|(name, _)| *name != "USERS_TABLE")
        .collect();
    for (case, env, cause) in [
        ("unreachable", unreachable, "dispatch failure"),
        ("no table", untabled, "USERS_TABLE is not set"),
    ] {
        let output = users_output(&event, &env);
        let response: Value = serde_json::from_slice(&output.stdout).unwrap();
        let (status, body) = users_answer(&response);
        assert_eq!(status, 500, "{case}: {body}");
        assert_eq!(body["error"], "Internal Server Error", "{case}");
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(log.contains(cause), "{case}: {log}");
    }
}

/// `bootstrap invoke` of `event` with the users component against `moto`.
fn invoke_users(moto: &Moto, event: &Value) -> Value {
    let output = users_output(event, &moto.users_env());
    assert!(
        output.status.success(),
        "bootstrap invoke failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn users_output(event: &Value, env: &[(&str, String)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    std::fs::write(&path, serde_json::to_vec(event).unwrap()).unwrap();
    let mut env = env.to_vec();
    env.push(("RUST_LOG", "info".to_owned()));
    common::invoke_with_env(&path, &common::component("users"), &env)
}

/// The operations of `openapi.yaml`: (path, method, documented statuses, required body fields).
fn documented_operations() -> Vec<(String, String, Vec<u64>, Vec<String>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest/users/openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_hash().unwrap() {
        for (method, operation) in item.as_hash().unwrap() {
            let statuses = operation["responses"]
                .as_hash()
                .unwrap()
                .keys()
                .map(|status| match status {
                    Yaml::String(text) => text.parse().unwrap(),
                    Yaml::Integer(code) => u64::try_from(*code).unwrap(),
                    other => panic!("status {other:?}"),
                })
                .collect();
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            let required = schema["required"]
                .as_vec()
                .map(|fields| fields.iter().map(|f| f.as_str().unwrap().to_owned()))
                .into_iter()
                .flatten()
                .collect();
            operations.push((
                path.as_str().unwrap().to_owned(),
                method.as_str().unwrap().to_uppercase(),
                statuses,
                required,
            ));
        }
    }
    operations
}

#[test]
fn users_answers_every_documented_operation_with_a_documented_status() {
    let moto = Moto::start();
    let operations = documented_operations();
    assert_eq!(operations.len(), 3, "the seed documents three operations");
    let create = fixture_json("events/users-rest-api-create-user.json");
    let (_, created) = users_answer(&invoke_users(&moto, &create));
    let existing = created["user"]["id"].as_str().unwrap().to_owned();
    for (front_end, base) in FRONT_ENDS {
        let base = fixture_json(base);
        for (route, method, statuses, required) in &operations {
            // Each path parameter as an id that exists and one that does not.
            for id in [existing.as_str(), "404"] {
                let mut path = route.clone();
                let mut params = serde_json::Map::new();
                for segment in route.split('/') {
                    if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                    {
                        path = path.replace(segment, id);
                        params.insert(name.to_owned(), json!(id));
                    }
                }
                let params = if params.is_empty() {
                    Value::Null
                } else {
                    Value::Object(params)
                };
                let body = if required.is_empty() {
                    String::new()
                } else {
                    let fields: serde_json::Map<_, _> = required
                        .iter()
                        .map(|f| (f.clone(), json!("x@example.com")))
                        .collect();
                    Value::Object(fields).to_string()
                };
                let event = routed(&base, method, route, &path, params, &body);
                let (status, body) = users_answer(&invoke_users(&moto, &event));
                assert!(
                    statuses.contains(&status),
                    "{front_end}: {method} {path}: {status} {body} is not in {statuses:?}"
                );
                if id == existing {
                    assert!(
                        (200..300).contains(&status),
                        "{front_end}: {method} {path} succeeds: {status} {body}"
                    );
                }
            }
        }
    }
}

#[test]
fn inspector_reports_the_seed_request_and_sets_its_header() {
    let response = invoke(
        "inspector",
        &fixture_json("events/inspector-rest-api-seed.json"),
    );
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["x-inspected-by"], "inspector");
    assert_eq!(response["headers"]["content-type"], "application/json");
    let seen: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/users/123");
    assert!(
        seen["headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["my-header", "my-header-value"])),
        "{}",
        seen["headers"]
    );
    assert_eq!(
        seen["query"],
        json!([["include_details", "true"], ["myparam", "custom"]])
    );
    assert_eq!(seen["pathParameters"], json!([["id", "123"]]));
    assert_eq!(seen["json"], json!({ "my-field": "my-field-value" }));
    assert_eq!(seen["context"]["route"], "/users/{id}");
}

#[test]
fn inspector_answers_400_when_the_route_has_an_id_and_the_path_none() {
    let missing = json!({ "error": "User ID is missing in the path." });
    let http = invoke(
        "inspector",
        &fixture_json("events/inspector-http-api-missing-id.json"),
    );
    let mut rest = fixture_json("events/inspector-rest-api-seed.json");
    rest["pathParameters"] = Value::Null;
    let rest = invoke("inspector", &rest);
    for response in [http, rest] {
        assert_eq!(response["statusCode"], 400);
        assert_eq!(response["headers"]["x-inspected-by"], "inspector");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, missing);
    }
}

#[test]
fn hello_world_on_the_sdk_greets_as_the_tutorial() {
    for front_end in ["rest-api", "http-api", "alb", "function-url"] {
        let event = fixture_json(&format!("events/tutorial-{front_end}.json"));
        let response = invoke("hello-world", &event);
        assert_eq!(response["statusCode"], 200, "{front_end}");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "greeting": "Good evening, John of Seattle. Happy Thursday!" })
        );
    }
}

/// `bootstrap serve` behind the seed's SAM routes, against moto: create, read, list, then a new
/// `serve` (a restart) still reads the user.
#[tokio::test]
async fn users_behind_the_seeds_routes_in_bootstrap_serve_outlive_a_restart() {
    let moto = Moto::start();
    let env = moto.users_env();
    let env: Vec<_> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let template = common::fixture("users-template.yaml");
    let template = template.to_str().unwrap();
    let mut created = Vec::new();
    for payload in ["v1", "v2"] {
        let args = ["--routes", template, "--payload", payload];
        let server = Server::start_with_env(&common::component("users"), &args, &env);
        let json = [("content-type", "application/json")];
        let create = server
            .send(
                "POST",
                "/users",
                &json,
                br#"{"name":"Ann","email":"a@b.c"}"#,
            )
            .await;
        let id = create.json()["user"]["id"].as_str().unwrap().to_owned();
        let answers = [
            (create, 201),
            (server.get(&format!("/users/{id}")).await, 200),
            (server.get("/users").await, 200),
            (server.get("/users/9").await, 404),
            (server.send("POST", "/users", &json, b"{").await, 400),
        ];
        for (answer, expected) in &answers {
            let body = answer.json();
            assert_eq!(answer.status, *expected, "{payload}: {body}");
            assert_eq!(answer.headers["content-type"], "application/json");
            assert_eq!(answer.headers["access-control-allow-origin"], "*");
        }
        assert_eq!(answers[1].0.json()["user"], answers[0].0.json()["user"]);
        created.push(id);
        let listed: Vec<_> = answers[2].0.json()["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(listed.len(), created.len(), "{payload}: {listed:?}");
        assert!(created.iter().all(|id| listed.contains(id)), "{listed:?}");
        assert_eq!(answers[3].0.json()["error"], "User 9 not found");

        // A route the template does not declare never reaches the function: the front end
        // answers (REST API 403, HTTP API 404).
        let unrouted = server.send("DELETE", "/users/1", &[], b"").await;
        let expected = if payload == "v1" { 403 } else { 404 };
        assert_eq!(unrouted.status, expected, "{payload}");
        assert_eq!(unrouted.headers.get("access-control-allow-origin"), None);
    }
    // The second `serve` (v2) read the user the first one created: that is the restart.
    let server = Server::start_with_env(&common::component("users"), &[], &env);
    let again = server.get(&format!("/users/{}", created[0])).await;
    assert_eq!(again.status, 200, "{}", again.json());
    assert_eq!(again.json()["user"]["name"], "Ann");
}

#[tokio::test]
async fn inspector_in_bootstrap_serve_parses_the_json_body() {
    let server = Server::start(&common::component("inspector"), &[]);
    let answer = server
        .send(
            "POST",
            "/resource?myparam=custom",
            &[("my-header", "mine"), ("content-type", "application/json")],
            br#"{"my-field": 1}"#,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["x-inspected-by"], "inspector");
    let seen = answer.json();
    assert_eq!(seen["json"], json!({ "my-field": 1 }));
    assert_eq!(seen["query"], json!([["myparam", "custom"]]));
    assert_eq!(seen["pathParameters"], json!([["proxy", "resource"]]));
}
