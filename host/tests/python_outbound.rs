//! Python handlers that reach AWS and HTTP APIs through the host, against real peers: moto
//! (DynamoDB and S3) and a local HTTP server. Each handler file answers as a component through
//! the real `bootstrap` and under CPython (`python -m lambda_wasm`, with boto3 and the network
//! of its own) on the same events, against the same moto and server, and the proxy responses
//! must be the same.
//!
//! The handlers: the users example (guest/python/users, `make python-examples`), and handler
//! files written as Lambda code is that the project has no example of
//! (host/tests/fixtures/python: boto3 and urllib.request with no requirements.txt, requests with
//! one; `make python-test-handlers`).

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::loopback;
use common::moto::{Moto, USERS_TABLE};
use common::python::{python, python_dir, under_cpython_with_env};
use common::runtime_api::{Queued, RuntimeApiDouble, start_bootstrap_on};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::{Value, json};

const ORDERS_TABLE: &str = "Orders";
const RECEIPTS_BUCKET: &str = "order-receipts";

/// The API the weather and fetcher handlers call: `GET /forecast?city=` (404 for Atlantis, 503
/// for Boom), `POST /audit` (201); each answer says what the request carried.
async fn weather_api(
    _: Arc<()>,
    request: hyper::Request<Incoming>,
    _: loopback::Wire,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let body = body.collect().await.unwrap().to_bytes();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let (status, answer) = match (parts.method.as_str(), parts.uri.path()) {
        ("GET", "/forecast") if query.contains("Atlantis") => {
            (404, json!({"error": "unknown city"}))
        }
        ("GET", "/forecast") if query.contains("Boom") => (503, json!({"error": "overloaded"})),
        ("GET", "/forecast") => (
            200,
            json!({
                "query": query,
                "tempC": 12,
                "apiKey": header("x-api-key"),
                "accept": header("accept"),
                // The product alone: the Python version in urllib's differs between the sides.
                "userAgent": header("user-agent").map(|agent| agent.split('/').next().unwrap_or_default().to_owned()),
            }),
        ),
        ("POST", "/audit") => {
            let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let mut fields: Vec<String> = sent
                .as_object()
                .map(|object| object.keys().cloned().collect())
                .unwrap_or_default();
            fields.sort();
            (
                201,
                json!({"recorded": true, "fields": fields, "contentType": header("content-type")}),
            )
        }
        _ => (404, json!({"error": "no such route"})),
    };
    Ok(hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(answer.to_string())))
        .unwrap())
}

/// The peers: moto with the orders table and the receipts bucket, and the weather API.
struct Peers {
    moto: Moto,
    api: SocketAddr,
}

impl Peers {
    async fn start() -> Self {
        let moto = Moto::start();
        common::succeeded(
            Command::new(python())
            .envs(cpython_aws(&moto.endpoint))
            .arg("-c")
            .arg(format!(
                "import boto3\n\
                 boto3.client('dynamodb').create_table(TableName='{ORDERS_TABLE}', \
                 AttributeDefinitions=[{{'AttributeName': 'orderId', 'AttributeType': 'S'}}], \
                 KeySchema=[{{'AttributeName': 'orderId', 'KeyType': 'HASH'}}], BillingMode='PAY_PER_REQUEST')\n\
                 boto3.client('s3').create_bucket(Bucket='{RECEIPTS_BUCKET}')\n"
            )),
        );
        let api = loopback::serve(Arc::new(()), weather_api).await;
        Self { moto, api }
    }

    /// What both sides' handlers read from their environment.
    fn app_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ORDERS_TABLE", ORDERS_TABLE.to_owned()),
            ("RECEIPTS_BUCKET", RECEIPTS_BUCKET.to_owned()),
            ("USERS_TABLE", USERS_TABLE.to_owned()),
            ("WEATHER_API_URL", format!("http://{}", self.api)),
            ("WEATHER_API_KEY", "key-123".to_owned()),
        ]
    }

    /// The component's environment: the host's (moto as the endpoint of both services, which it
    /// signs for, and the API on the allowlist) and the names the guest may read.
    fn component_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.app_env();
        env.extend([
            ("AWS_ENDPOINT_URL", self.moto.endpoint.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("LAMBDA_WASM_AWS_SERVICES", "dynamodb,s3".to_owned()),
            ("LAMBDA_WASM_OUTBOUND_HOSTS", format!("http://{}", self.api)),
            (
                "LAMBDA_WASM_GUEST_ENV",
                "ORDERS_TABLE,RECEIPTS_BUCKET,USERS_TABLE,WEATHER_API_URL,WEATHER_API_KEY"
                    .to_owned(),
            ),
            ("LAMBDA_WASM_MEMORY_MB", "256".to_owned()),
        ]);
        env
    }

    /// CPython's environment: boto3's own endpoint override and keys for moto.
    fn cpython_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.app_env();
        env.extend(cpython_aws(&self.moto.endpoint));
        env
    }
}

fn cpython_aws(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
    ]
}

/// A REST API event (the tutorial's, changed), written into `dir` as `name`.
fn rest_event(
    dir: &Path,
    name: &str,
    method: &str,
    path: &str,
    params: Value,
    query: Value,
    body: Option<&str>,
) -> PathBuf {
    let mut event: Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-rest-api.json")).unwrap();
    event["httpMethod"] = json!(method);
    event["path"] = json!(path);
    event["resource"] = json!(path);
    event["pathParameters"] = params;
    event["queryStringParameters"] = query.clone();
    event["multiValueQueryStringParameters"] = match query.as_object() {
        Some(query) => query
            .iter()
            .map(|(key, value)| (key.clone(), json!([value])))
            .collect(),
        None => Value::Null,
    };
    event["body"] = body.map_or(Value::Null, |body| json!(body));
    event["isBase64Encoded"] = json!(false);
    event["requestContext"]["httpMethod"] = json!(method);
    event["requestContext"]["path"] = json!(format!("/prod{path}"));
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, event.to_string()).unwrap();
    file
}

/// A REST API `POST` of `body` to `path`, written into `dir` as `name`.
fn post_event(dir: &Path, name: &str, path: &str, body: &str) -> PathBuf {
    rest_event(
        dir,
        name,
        "POST",
        path,
        Value::Null,
        Value::Null,
        Some(body),
    )
}

/// A REST API `GET` of `path` with its path parameters and query, written into `dir` as `name`.
fn get_event(dir: &Path, name: &str, path: &str, params: Value, query: Value) -> PathBuf {
    rest_event(dir, name, "GET", path, params, query, None)
}

fn body_json(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

/// The same events through the component and under CPython: the responses, which must match.
fn differential(peers: &Peers, fixture: Fixture, events: &[PathBuf]) -> Vec<Value> {
    compare(peers, fixture, events, Path::to_path_buf, |answer| answer)
}

/// [`differential`] with `for_cpython` making CPython's event of each event, and
/// `alike` making what differs by nature between the two answers alike.
fn compare(
    peers: &Peers,
    fixture: Fixture,
    events: &[PathBuf],
    for_cpython: impl Fn(&Path) -> PathBuf,
    alike: impl Fn(Value) -> Value,
) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let (example, handler_dir, handler) = (fixture.example(), fixture.dir(), fixture.handler);
    let component = common::python_component(&example, dir.path());
    let (component_env, cpython_env) = (peers.component_env(), peers.cpython_env());
    events
        .iter()
        .map(|event| {
            let as_component = common::invoke_json_with_env(event, &component, &component_env);
            let cpython_event = for_cpython(event);
            let as_cpython =
                under_cpython_with_env(&handler_dir, handler, &cpython_event, &cpython_env);
            let (as_component, as_cpython) = (alike(as_component), alike(as_cpython));
            assert_eq!(
                as_component,
                as_cpython,
                "{example} on {}: the component (left) and CPython (right) differ",
                event.display()
            );
            as_component
        })
        .collect()
}

/// A handler file of host/tests/fixtures/python/APP, which the project has no example of (built
/// by `make python-test-handlers` as `tests/APP`), and the function it exports.
#[derive(Clone, Copy)]
struct Fixture {
    app: &'static str,
    handler: &'static str,
}

impl Fixture {
    /// The app's directory, as CPython imports it.
    fn dir(self) -> PathBuf {
        common::fixture(&format!("python/{}", self.app))
    }

    /// The component's name among the built Python components.
    fn example(self) -> String {
        format!("tests/{}", self.app)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn handler_files_never_seen_answer_as_under_cpython_against_the_same_moto_and_server() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let order = json!({"orderId": "O-7001", "customer": "Ann", "lines": [{"sku": "tea", "price": 3.5, "quantity": 2}, {"sku": "cup", "price": 12, "quantity": 1}]});
    let id = json!({"orderId": "O-7001"});
    let order_text = order.to_string();
    let events = [
        post_event(dir.path(), "create", "/orders", &order_text),
        post_event(dir.path(), "duplicate", "/orders", &order_text),
        get_event(dir.path(), "get", "/orders/O-7001", id.clone(), Value::Null),
        get_event(
            dir.path(),
            "receipt",
            "/orders/O-7001/receipt",
            id,
            Value::Null,
        ),
        get_event(
            dir.path(),
            "unknown",
            "/orders/O-7009",
            json!({"orderId": "O-7009"}),
            Value::Null,
        ),
        get_event(
            dir.path(),
            "no-receipt",
            "/orders/O-7009/receipt",
            json!({"orderId": "O-7009"}),
            Value::Null,
        ),
    ];
    // Both sides create O-7001: the first side's create is the second's duplicate, so each side
    // runs on its own order id, and the answers are compared with the ids made alike.
    let answers = differential_per_side(
        &peers,
        Fixture {
            app: "orders",
            handler: "app.lambda_handler",
        },
        &events,
    );
    let statuses: Vec<u64> = answers
        .iter()
        .map(|answer| answer["statusCode"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 409, 200, 200, 404, 404]);
    assert_eq!(body_json(&answers[0])["total"], 19);
    let receipt = body_json(&answers[3]);
    assert_eq!(receipt["size"], 256 + 32, "{receipt}");
    assert_eq!(receipt["firstBytes"], json!([0, 1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(receipt["contentType"], "application/octet-stream");
    assert_eq!(body_json(&answers[5])["code"], "NoSuchKey");

    let weather = [
        get_event(
            dir.path(),
            "seattle",
            "/weather",
            Value::Null,
            json!({"city": "Seattle"}),
        ),
        get_event(
            dir.path(),
            "atlantis",
            "/weather",
            Value::Null,
            json!({"city": "Atlantis"}),
        ),
        get_event(
            dir.path(),
            "boom",
            "/weather",
            Value::Null,
            json!({"city": "Boom"}),
        ),
    ];
    let answers = differential(
        &peers,
        Fixture {
            app: "weather",
            handler: "app.lambda_handler",
        },
        &weather,
    );
    let seattle = body_json(&answers[0]);
    assert_eq!(
        seattle["forecast"]["data"]["apiKey"], "key-123",
        "{seattle}"
    );
    assert_eq!(seattle["forecast"]["data"]["query"], "city=Seattle");
    assert_eq!(
        seattle["audit"],
        json!({"recorded": true, "fields": ["city", "requestId"], "contentType": "application/json"})
    );
    assert_eq!(answers[1]["statusCode"], 404);
    assert_eq!(body_json(&answers[1])["error"], "HTTP Error 404: Not Found");
    assert_eq!(answers[2]["statusCode"], 502);

    let answers = differential(
        &peers,
        Fixture {
            app: "fetcher",
            handler: "app.handler",
        },
        &weather,
    );
    let fetched = body_json(&answers[0]);
    assert_eq!(fetched["forecast"]["userAgent"], "fetcher", "{fetched}");
    assert_eq!(fetched["auditStatus"], 201);
    assert_eq!(answers[1]["statusCode"], 404);
    assert_eq!(answers[2]["statusCode"], 503);
}

/// [`differential`] for a handler whose writes would collide across the two sides: the events
/// run on the component with `O-7001` and under CPython with `CPYTHON-O-7001`, and the answers are
/// compared with CPython's id put back.
fn differential_per_side(peers: &Peers, fixture: Fixture, events: &[PathBuf]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let for_cpython = |event: &Path| {
        let text = std::fs::read_to_string(event)
            .unwrap()
            .replace("O-70", "CPYTHON-O-70");
        let cpython_event = dir.path().join(event.file_name().unwrap());
        std::fs::write(&cpython_event, text).unwrap();
        cpython_event
    };
    let alike = |answer: Value| {
        let mut answer: Value =
            serde_json::from_str(&answer.to_string().replace("CPYTHON-O-70", "O-70")).unwrap();
        // The receipt ends with the order id's hash: another one for CPython's id.
        if let Ok(mut body) =
            serde_json::from_str::<Value>(answer["body"].as_str().unwrap_or_default())
            && body.get("sha256").is_some()
        {
            body["sha256"] = json!("<hash of the receipt>");
            answer["body"] = json!(body.to_string());
        }
        answer
    };
    compare(peers, fixture, events, for_cpython, alike)
}

/// The seed's users API, request by request as the issue lists them, on each side in turn
/// against the same table: each side's own user, and the same list at the end.
#[tokio::test(flavor = "multi_thread")]
async fn the_users_api_persists_in_dynamodb_alike_under_cpython_and_as_a_component() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("users", dir.path());
    let users = python_dir().join("users");
    let sequence = |side: &str| {
        let user = json!({"id": format!("{side}-1"), "name": format!("Ann {side}"), "email": "ann@example.com"}).to_string();
        let missing = json!({"name": "Bo"}).to_string();
        vec![
            post_event(dir.path(), &format!("{side}-create"), "/users", &user),
            post_event(dir.path(), &format!("{side}-duplicate"), "/users", &user),
            post_event(dir.path(), &format!("{side}-missing"), "/users", &missing),
            get_event(
                dir.path(),
                &format!("{side}-get"),
                &format!("/users/{side}-1"),
                json!({"userId": format!("{side}-1")}),
                Value::Null,
            ),
            get_event(
                dir.path(),
                &format!("{side}-unknown"),
                &format!("/users/{side}-9"),
                json!({"userId": format!("{side}-9")}),
                Value::Null,
            ),
            get_event(
                dir.path(),
                &format!("{side}-list"),
                "/users",
                Value::Null,
                Value::Null,
            ),
        ]
    };
    let (component_env, cpython_env) = (peers.component_env(), peers.cpython_env());
    let mut statuses = Vec::new();
    for (as_component, as_cpython) in sequence("component").iter().zip(sequence("cpython")) {
        let from_component = alike(
            common::invoke_json_with_env(as_component, &component, &component_env),
            "component",
        );
        let from_cpython = alike(
            under_cpython_with_env(&users, "app.lambda_handler", &as_cpython, &cpython_env),
            "cpython",
        );
        assert_eq!(
            from_component,
            from_cpython,
            "{}: the component (left) and CPython (right) differ",
            as_component.display()
        );
        statuses.push(from_component["statusCode"].as_u64().unwrap());
    }
    assert_eq!(statuses, [201, 409, 400, 200, 404, 200]);
}

/// `answer` with what differs by nature between the two sides made alike: the side's name in
/// ids and names, and the times.
fn alike(answer: Value, side: &str) -> Value {
    let mut answer: Value = serde_json::from_str(
        &answer
            .to_string()
            .replace(side, "SIDE")
            .replace("cpython", "SIDE")
            .replace("component", "SIDE"),
    )
    .unwrap();
    let mut body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    fn untimed(value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, value) in object.iter_mut() {
                    if key == "timestamp" || key == "created_at" {
                        *value = json!("<time>");
                    } else {
                        untimed(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(untimed),
            _ => {}
        }
    }
    untimed(&mut body);
    answer["body"] = json!(body.to_string());
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_users_api_persists_through_serve_and_in_lambda_mode() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("users", dir.path());
    let env = peers.component_env();
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();

    let server = common::server::Server::start_with_env(&component, &[], &env);
    let created = server
        .send(
            "POST",
            "/users",
            &[("content-type", "application/json")],
            br#"{"id": "served-1", "name": "Cy", "email": "cy@example.com"}"#,
        )
        .await;
    assert_eq!(created.status, 201, "{}", server.log());
    drop(server);
    // Another server, the same table: the user is still there.
    let server = common::server::Server::start_with_env(&component, &[], &env);
    let found = server.get("/users/served-1").await;
    assert_eq!(
        found.status,
        200,
        "{}",
        String::from_utf8_lossy(&found.body)
    );
    assert_eq!(found.json()["user"]["name"], "Cy");
    // The log comes through a pipe, after the answer.
    server.wait_for_log("signed=").await;
    let log = server.log();
    assert!(
        log.contains("signed=true") && !log.contains("signed=false"),
        "every AWS request is signed by the host: {log}"
    );

    let (api, address) = RuntimeApiDouble::start().await;
    let events = [
        post_event(
            dir.path(),
            "lambda-create",
            "/users",
            r#"{"id": "lambda-1", "name": "Di", "email": "di@example.com"}"#,
        ),
        get_event(
            dir.path(),
            "lambda-get",
            "/users/served-1",
            json!({"userId": "served-1"}),
            Value::Null,
        ),
        get_event(
            dir.path(),
            "lambda-get-own",
            "/users/lambda-1",
            json!({"userId": "lambda-1"}),
            Value::Null,
        ),
    ];
    api.enqueue(
        events.iter().enumerate().map(|(index, event)| {
            Queued::new(&format!("id-{index}"), std::fs::read(event).unwrap())
        }),
    );
    let mut runtime = start_bootstrap_on(address, &component, &env);
    loopback::wait_for("three answers", || api.posts().len() == 3).await;
    runtime.kill().unwrap();
    runtime.wait().unwrap();
    let statuses: Vec<Value> = api
        .posts()
        .iter()
        .map(|post| post.body["statusCode"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!(201), json!(200), json!(200)],
        "{:?}",
        api.posts()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn module_state_lives_for_the_environment_unless_each_invocation_gets_a_fresh_instance() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("tests/weather", dir.path());
    let env = peers.component_env();
    let cached = async |scope: &str| {
        let mut env: Vec<(&str, &str)> = env
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        env.push(("LAMBDA_WASM_INSTANCE_SCOPE", scope));
        let server = common::server::Server::start_with_env(&component, &[], &env);
        let mut seen = Vec::new();
        for _ in 0..3 {
            let answer = server.get("/weather?city=Oslo").await;
            assert_eq!(answer.status, 200, "{}", server.log());
            seen.push(answer.json()["cached"].as_bool().unwrap());
        }
        seen
    };
    // The module's cache outlives the invocation, as on Lambda; a fresh instance starts empty.
    assert_eq!(cached("environment").await, [false, true, true]);
    assert_eq!(cached("invocation").await, [false, false, false]);
}

/// On the instance the environment keeps, each invocation's outbound log closes with it: the
/// line saying how many lines were left out is written in its span, before its own summary line,
/// not when the next invocation begins.
#[tokio::test(flavor = "multi_thread")]
async fn a_kept_instances_outbound_log_closes_with_each_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("tests/flood", dir.path());
    let server = common::server::Server::start(&component, &[]);
    for (done, path) in [(1, "/first"), (2, "/second")] {
        let answer = server.get(path).await;
        assert_eq!(answer.status, 200, "{}", server.log());
        assert_eq!(answer.body, b"150");
        server.wait_for_log(&format!("path={path}")).await;
        let log = server.log();
        let left_out: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("left_out=50"))
            .collect();
        assert_eq!(left_out.len(), done, "{log}");
        let summary = log
            .lines()
            .find(|line| line.contains(&format!("path={path}")))
            .unwrap();
        let request_id = |line: &str| {
            line.split("lambda_request_id=")
                .nth(1)
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        };
        assert_eq!(request_id(left_out[done - 1]), request_id(summary), "{log}");
    }
    assert!(
        server.log().contains("instantiate_us=0"),
        "the second invocation ran on the kept instance"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_destination_is_the_librarys_own_connection_error() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let event = get_event(
        dir.path(),
        "seattle",
        "/weather",
        Value::Null,
        json!({"city": "Seattle"}),
    );
    let mut env = peers.component_env();
    env.retain(|(name, _)| *name != "LAMBDA_WASM_OUTBOUND_HOSTS");

    let fetcher = common::python_component("tests/fetcher", dir.path());
    let answer = common::invoke_json_with_env(&event, &fetcher, &env);
    assert_eq!(answer["statusCode"], 503, "{answer}");
    assert_eq!(
        body_json(&answer),
        json!({"error": "unreachable", "type": "ConnectionError"})
    );

    let weather = common::python_component("tests/weather", dir.path());
    let output = common::invoke_with_env(
        &event,
        &weather,
        &[env.as_slice(), &[("RUST_LOG", "info".to_owned())]].concat(),
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["statusCode"], 500, "{answer}");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("the handler raised URLError")
            && log.contains("not on the function's allowlist"),
        "{log}"
    );
    assert!(log.contains("outbound request refused"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_init_fails_lambdas_init_and_an_invoke_as_lambdas_runtime_reports_it() {
    let peers = Peers::start().await;
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("users", dir.path());
    let mut env = peers.component_env();
    // The module reads USERS_TABLE at its top: without it, its Init fails.
    env.retain(|(name, _)| *name != "USERS_TABLE");
    let event = get_event(dir.path(), "list", "/users", Value::Null, Value::Null);

    let output = common::invoke_with_env(
        &event,
        &component,
        &[env.as_slice(), &[("RUST_LOG", "info".to_owned())]].concat(),
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["statusCode"], 500);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("the handler raised KeyError: 'USERS_TABLE'")
            && log.contains("app.py\", line 19, in <module>"),
        "{log}"
    );

    let (api, address) = RuntimeApiDouble::start().await;
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let mut runtime = start_bootstrap_on(address, &component, &env);
    loopback::wait_for("the init error", || !api.posts().is_empty()).await;
    let status = runtime.wait().unwrap();
    assert!(!status.success());
    let post = &api.posts()[0];
    assert_eq!(post.kind(), "error", "{post:?}");
    assert_eq!(post.error_type.as_deref(), Some("KeyError"), "{post:?}");
    assert_eq!(api.polls(), 0, "no invocation is taken after a failed Init");
}

/// A component built on the contract's 0.1.0 (no outbound HTTP, no `init`) still loads and
/// answers: the fixture's WIT is the 0.1.0 contract, its app a minimal `event-handler`.
#[test]
fn a_component_built_on_the_0_1_0_contract_still_loads_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let wit = dir.path().join("wit");
    std::fs::create_dir(&wit).unwrap();
    std::fs::copy(
        common::fixture("python-0.1.0/proxy.wit"),
        wit.join("proxy.wit"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wit/deps"),
        wit.join("deps"),
    )
    .unwrap();
    let wasm = dir.path().join("old.wasm");
    common::succeeded(
        Command::new(python().parent().unwrap().join("componentize-py"))
            .arg("-d")
            .arg(&wit)
            .args(["-w", "event-handler", "componentize", "-p"])
            .arg(common::fixture("python-0.1.0"))
            .arg("app")
            .arg("-o")
            .arg(&wasm),
    );
    let cwasm = dir.path().join("old.cwasm");
    common::compile(&wasm, &cwasm);
    for scope in ["environment", "invocation"] {
        let answer = common::invoke_json_with_env(
            &common::fixture("events/tutorial-http-api.json"),
            &cwasm,
            &[("LAMBDA_WASM_INSTANCE_SCOPE", scope.to_owned())],
        );
        assert_eq!(answer["statusCode"], 200, "{answer}");
        assert_eq!(answer["body"], "built on the contract's 0.1.0");
    }
}
