//! Lambda mode: the real `bootstrap` process polling a Runtime API that this test serves on
//! loopback, as the Lambda service would.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::net::SocketAddr;
use std::process::Child;

use common::loopback::wait_for;
use common::runtime_api::{self, Post, Queued, RuntimeApiDouble};
use serde_json::{Value, json};

/// Starts `bootstrap` as Lambda would: no arguments, the component named by `_HANDLER` under
/// `LAMBDA_TASK_ROOT`.
fn start_runtime(address: SocketAddr, task_root: &std::path::Path, handler: &str) -> Child {
    runtime_api::start_runtime(address, task_root, handler, &[])
}

fn event(name: &str) -> Vec<u8> {
    common::read_fixture(&format!("events/{name}"))
}

#[tokio::test]
async fn serves_invocations_and_fails_only_the_malformed_one() {
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue([
        Queued::new("id-1", event("tutorial-rest-api.json")),
        Queued::new("id-2", event("not-a-proxy-event-sqs.json")),
        Queued::new("id-3", b"{ not json".to_vec()),
        Queued::new("id-4", event("tutorial-function-url.json")),
    ]);
    let task_root = common::component("hello-world")
        .parent()
        .unwrap()
        .to_owned();
    let mut runtime = start_runtime(address, &task_root, "hello_world.wasm");

    wait_for("four posts", || api.posts().len() == 4).await;
    // The process keeps polling after the failures.
    wait_for("a fifth poll", || api.polls() == 5).await;
    assert!(
        runtime.try_wait().unwrap().is_none(),
        "bootstrap is still running"
    );
    runtime.kill().unwrap();
    runtime.wait().unwrap();

    let posts = api.posts();
    assert_eq!(
        posts[0].path,
        "/2018-06-01/runtime/invocation/id-1/response"
    );
    assert_eq!(posts[0].body["statusCode"], 200);
    assert_eq!(posts[0].body["multiValueHeaders"], json!({}));
    let greeting: Value = serde_json::from_str(posts[0].body["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        greeting,
        json!({ "greeting": "Good evening, John of Seattle. Happy Thursday!" })
    );

    assert_eq!(posts[1].path, "/2018-06-01/runtime/invocation/id-2/error");
    assert_eq!(posts[1].body["errorType"], "UnsupportedEvent");
    let message = posts[1].body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("expected an API Gateway REST API"),
        "{message}"
    );
    assert!(
        !message.contains("secret-token-value"),
        "the payload is not echoed: {message}"
    );

    assert_eq!(posts[2].path, "/2018-06-01/runtime/invocation/id-3/error");
    assert!(posts[2].error_type.is_some(), "{:?}", posts[2]);

    assert_eq!(
        posts[3].path,
        "/2018-06-01/runtime/invocation/id-4/response"
    );
    assert_eq!(
        posts[3].body["cookies"],
        json!([]),
        "answered in the Function URL shape"
    );
}

async fn assert_init_error(task_root: &std::path::Path, handler: &str, expected: &str) {
    assert_init_error_of_type(
        task_root,
        handler,
        &[],
        "Runtime.ComponentLoadError",
        expected,
    )
    .await;
}

async fn assert_init_error_of_type(
    task_root: &std::path::Path,
    handler: &str,
    env: &[(&str, &str)],
    error_type: &str,
    expected: &str,
) {
    let (api, address) = RuntimeApiDouble::start().await;
    let runtime = runtime_api::start_runtime(address, task_root, handler, env);
    let output = tokio::task::spawn_blocking(move || runtime.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !output.status.success(),
        "bootstrap exits after an init error"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");

    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].path, "/2018-06-01/runtime/init/error");
    assert_eq!(posts[0].error_type.as_deref(), Some(error_type));
    assert_eq!(posts[0].body["errorType"], error_type);
    let message = posts[0].body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains(expected),
        "expected {expected:?} in {message}"
    );
    assert_eq!(api.polls(), 0, "no invocation is taken after a failed init");
}

#[tokio::test]
async fn a_missing_component_is_reported_as_an_init_error() {
    let task_root = tempfile::tempdir().unwrap();
    assert_init_error(task_root.path(), "hello_world.wasm", "reading component").await;
}

#[tokio::test]
async fn a_file_that_is_not_a_component_is_reported_as_an_init_error() {
    let task_root = tempfile::tempdir().unwrap();
    std::fs::write(
        task_root.path().join("hello_world.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    assert_init_error(
        task_root.path(),
        "hello_world.wasm",
        "not a WebAssembly component",
    )
    .await;
}

#[tokio::test]
async fn a_component_of_another_world_is_an_init_error_naming_its_exports() {
    let task_root = tempfile::tempdir().unwrap();
    common::write_other_world_component(task_root.path());
    assert_init_error(
        task_root.path(),
        "greet.wasm",
        "the component exports greet; bootstrap accepts",
    )
    .await;
}

#[tokio::test]
async fn a_wasi_http_component_answers_every_front_end() {
    let front_ends = ["rest-api", "http-api", "alb", "function-url"];
    let events = front_ends
        .iter()
        .map(|front_end| Queued::new(front_end, event(&format!("tutorial-{front_end}.json"))))
        .collect();
    let (posts, stderr) = run_events_on(events, "wstd_hello.wasm").await;
    for (front_end, post) in front_ends.iter().zip(&posts) {
        assert_eq!(
            post.path,
            format!("/2018-06-01/runtime/invocation/{front_end}/response"),
            "{stderr}"
        );
        assert_eq!(post.body["statusCode"], 200, "{front_end}: {:?}", post.body);
        let body: Value = serde_json::from_str(post.body["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body["greeting"],
            "Good evening, John of Seattle. Happy Thursday!"
        );
    }
}

fn hello_world_task_root() -> std::path::PathBuf {
    common::component("hello-world")
        .parent()
        .unwrap()
        .to_owned()
}

/// Runs `events` through one `bootstrap` process and returns its posts once there is one per
/// event, checking that the process still polls for more.
async fn run_events(events: Vec<Queued>) -> (Vec<Post>, String) {
    run_events_on(events, "hello_world.wasm").await
}

/// [`run_events`] on the built component `handler`.
async fn run_events_on(events: Vec<Queued>, handler: &str) -> (Vec<Post>, String) {
    let count = events.len();
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue(events);
    let mut runtime = start_runtime(address, &hello_world_task_root(), handler);
    wait_for("a post per event", || api.posts().len() == count).await;
    wait_for("the next poll", || api.polls() == count + 1).await;
    assert!(
        runtime.try_wait().unwrap().is_none(),
        "bootstrap is still running"
    );
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let posts = api.posts();
    (posts, stderr)
}

#[tokio::test]
async fn every_malformed_payload_fails_with_a_documented_error_type_and_the_next_is_served() {
    let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let mut invalid_utf8 = event("tutorial-rest-api.json");
    let at = invalid_utf8.len() / 2;
    invalid_utf8.splice(at..at, *b"\xff\xfe");
    let cases: [(&str, Vec<u8>, &str); 7] = [
        ("empty", Vec::new(), "InvalidJson"),
        ("not-utf8", b"\xff\xfe{}".to_vec(), "InvalidJson"),
        ("utf8-inside", invalid_utf8, "InvalidJson"),
        ("deep", deep.into_bytes(), "UnsupportedEvent"),
        ("string", br#""GET /""#.to_vec(), "UnsupportedEvent"),
        ("null", b"null".to_vec(), "UnsupportedEvent"),
        (
            "headers-list",
            br#"{"httpMethod": "GET", "headers": []}"#.to_vec(),
            "MalformedEvent",
        ),
    ];
    let mut events: Vec<Queued> = cases
        .iter()
        .map(|(id, body, _)| Queued::new(id, body.clone()))
        .collect();
    events.push(Queued::new("good", event("tutorial-rest-api.json")));
    let (posts, _) = run_events(events).await;

    for ((id, _, error_type), post) in cases.iter().zip(&posts) {
        assert_eq!(
            post.path,
            format!("/2018-06-01/runtime/invocation/{id}/error")
        );
        assert_eq!(post.body["errorType"], *error_type, "{id}: {post:?}");
        assert_eq!(post.error_type.as_deref(), Some(*error_type), "{id}");
        assert!(post.body["errorMessage"].is_string(), "{id}: {post:?}");
    }
    let last = posts.last().unwrap();
    assert_eq!(last.path, "/2018-06-01/runtime/invocation/good/response");
    assert_eq!(last.body["statusCode"], 200);
}

#[tokio::test]
async fn a_callers_malformed_client_context_or_identity_does_not_stop_the_host() {
    let headers: [&[(&str, &str)]; 4] = [
        &[(
            "lambda-runtime-client-context",
            r#"{"client": "caller-secret-value", "custom": []}"#,
        )],
        &[(
            "lambda-runtime-cognito-identity",
            r#"["caller-secret-value"]"#,
        )],
        &[("lambda-runtime-client-context", "caller-secret-value{")],
        &[],
    ];
    let events = ["bad-context", "bad-identity", "not-json", "good"]
        .into_iter()
        .zip(headers)
        .map(|(id, headers)| Queued {
            headers: headers.to_vec(),
            ..Queued::new(id, event("tutorial-rest-api.json"))
        })
        .collect();
    let (posts, stderr) = run_events(events).await;

    // The host reads neither header, so a malformed one is no reason to fail the invocation.
    for (post, id) in posts
        .iter()
        .zip(["bad-context", "bad-identity", "not-json", "good"])
    {
        assert_eq!(
            post.path,
            format!("/2018-06-01/runtime/invocation/{id}/response")
        );
        assert_eq!(post.body["statusCode"], 200, "{id}");
    }
    assert!(!stderr.contains("caller-secret-value"), "{stderr}");
}

#[tokio::test]
async fn a_memory_cap_out_of_range_is_an_init_error_naming_the_variable() {
    for value in ["18446744073709551615", "4097", "0", "-1", "lots"] {
        assert_init_error_of_type(
            &hello_world_task_root(),
            "hello_world.wasm",
            &[("LAMBDA_WASM_MEMORY_MB", value)],
            "Runtime.ConfigurationError",
            "LAMBDA_WASM_MEMORY_MB must be a whole number from 1 to 4096",
        )
        .await;
    }
}

#[tokio::test]
async fn a_malformed_outbound_allowlist_is_an_init_error_naming_the_variable() {
    assert_init_error_of_type(
        &hello_world_task_root(),
        "hello_world.wasm",
        &[(
            "LAMBDA_WASM_OUTBOUND_HOSTS",
            "https://*.amazonaws.com,example.com",
        )],
        "Runtime.ConfigurationError",
        "LAMBDA_WASM_OUTBOUND_HOSTS",
    )
    .await;
}

#[tokio::test]
async fn a_max_concurrency_out_of_range_is_an_init_error_naming_the_variable() {
    for value in ["0", "1601", "-1", "many"] {
        assert_init_error_of_type(
            &hello_world_task_root(),
            "hello_world.wasm",
            &[("AWS_LAMBDA_MAX_CONCURRENCY", value)],
            "Runtime.ConfigurationError",
            "AWS_LAMBDA_MAX_CONCURRENCY must be a whole number from 1 to 1600",
        )
        .await;
    }
}

#[tokio::test]
async fn an_event_with_too_many_headers_gets_a_400_in_its_front_ends_shape() {
    let mut rest_api: Value = serde_json::from_slice(&event("tutorial-rest-api.json")).unwrap();
    let headers: serde_json::Map<String, Value> = (0..200_000)
        .map(|i| (format!("x-{i}"), Value::from("v")))
        .collect();
    rest_api["headers"] = headers.into();
    let mut function_url: Value =
        serde_json::from_slice(&event("tutorial-function-url.json")).unwrap();
    function_url["rawQueryString"] = "a=1&".repeat(100_000).into();
    let events = vec![
        Queued::new("headers", serde_json::to_vec(&rest_api).unwrap()),
        Queued::new("query", serde_json::to_vec(&function_url).unwrap()),
        Queued::new("good", event("tutorial-rest-api.json")),
    ];
    let (posts, _) = run_events(events).await;

    assert_eq!(
        posts[0].path,
        "/2018-06-01/runtime/invocation/headers/response"
    );
    assert_eq!(posts[0].body["statusCode"], 400);
    assert_eq!(
        posts[0].body["body"],
        r#"{"message":"Request header fields too large"}"#
    );
    assert!(
        posts[0].body["multiValueHeaders"].is_object(),
        "REST API shape"
    );
    assert_eq!(posts[1].body["statusCode"], 400);
    assert_eq!(
        posts[1].body["body"],
        r#"{"message":"Request URI too long"}"#
    );
    assert!(posts[1].body["cookies"].is_array(), "Function URL shape");
    assert_eq!(posts[2].body["statusCode"], 200);
}

/// The users component in Lambda mode against moto: the users two invocations create are both
/// listed by the third, one process, one fresh instance per invocation.
#[tokio::test]
async fn users_created_by_invocations_are_listed_by_the_next() {
    let moto = common::moto::Moto::start();
    let mut list: Value = serde_json::from_slice(&event("users-rest-api-get-user.json")).unwrap();
    list["resource"] = json!("/users");
    list["path"] = json!("/users");
    list["pathParameters"] = Value::Null;
    list["requestContext"]["resourcePath"] = json!("/users");
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue([
        Queued::new("id-1", event("users-rest-api-create-user.json")),
        Queued::new("id-2", event("users-http-api-create-user.json")),
        Queued::new("id-3", serde_json::to_vec(&list).unwrap()),
    ]);
    let task_root = common::component("users").parent().unwrap().to_owned();
    let env = moto.users_env();
    let env: Vec<_> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let mut runtime = runtime_api::start_runtime(address, &task_root, "users.wasm", &env);
    wait_for("three posts", || api.posts().len() == 3).await;
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();

    let posts = api.posts();
    let bodies: Vec<Value> = posts
        .iter()
        .map(|post| {
            assert!(post.path.ends_with("/response"), "{post:?}");
            serde_json::from_str(post.body["body"].as_str().unwrap()).unwrap()
        })
        .collect();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(posts[0].body["statusCode"], 201, "{log}");
    assert_eq!(posts[1].body["statusCode"], 201, "{log}");
    assert_eq!(posts[2].body["statusCode"], 200, "{log}");
    let mut created = vec![&bodies[0]["user"], &bodies[1]["user"]];
    created.sort_by_key(|user| (user["created_at"].to_string(), user["id"].to_string()));
    let listed: Vec<_> = bodies[2]["users"].as_array().unwrap().iter().collect();
    assert_eq!(listed, created);
}

/// `event` asking for `path` (and its query, if it has one) instead of its own.
fn event_at(name: &str, path_and_query: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&event(name)).unwrap();
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let pairs: serde_json::Map<String, Value> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), json!(value)))
        .collect();
    if event.get("rawPath").is_some() {
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        if !query.is_empty() {
            event["rawQueryString"] = json!(query);
            event["queryStringParameters"] = Value::Object(pairs);
        }
    } else {
        event["path"] = json!(path);
        if event["requestContext"].get("path").is_some() {
            event["requestContext"]["path"] = json!(path);
        }
    }
    serde_json::to_vec(&event).unwrap()
}

/// Buffered answers, byte for byte as the release before response streaming posted them
/// (fixtures/buffered/, recorded from its `bootstrap` on the same components and events): every
/// front end's shape, cookies, a 400, 500s, a 504 and a failed invocation.
#[tokio::test]
async fn buffered_answers_are_byte_identical_to_the_release_before_streaming() {
    let hello = common::fixture("components/hello-world-0.1.0.wasm");
    let wasi_http = common::component("hostile-wasi-http");
    let wstd = common::component("wstd-hello");
    let tutorial =
        |id: &str, front_end: &str| Queued::new(id, event(&format!("tutorial-{front_end}.json")));
    let runs = [
        (
            &hello,
            vec![
                tutorial("hello-rest-api", "rest-api"),
                tutorial("hello-http-api", "http-api"),
                tutorial("hello-alb", "alb"),
                tutorial("hello-function-url", "function-url"),
                Queued::new("hello-multi-value", event("rest-api-multi-value.json")),
                Queued::new(
                    "hello-invalid-base64",
                    event("rest-api-invalid-base64.json"),
                ),
                Queued::new("hello-sqs", event("not-a-proxy-event-sqs.json")),
            ],
        ),
        (
            &wasi_http,
            vec![
                Queued::new("wasi-ok", event_at("tutorial-function-url.json", "/ok")),
                Queued::new(
                    "wasi-cookies",
                    event_at("tutorial-rest-api.json", "/cookies"),
                ),
                Queued::new(
                    "wasi-trap-mid-body",
                    event_at("tutorial-rest-api.json", "/trap-mid-body"),
                ),
                Queued::new(
                    "wasi-over-content-length",
                    event_at("tutorial-http-api.json", "/over-content-length"),
                ),
                Queued::new(
                    "wasi-no-response",
                    event_at("tutorial-alb.json", "/no-response"),
                ),
                Queued {
                    timeout: std::time::Duration::from_secs(3),
                    ..Queued::new(
                        "wasi-stream-forever",
                        event_at("tutorial-function-url.json", "/stream-forever"),
                    )
                },
            ],
        ),
        (
            &wstd,
            vec![
                tutorial("wstd-rest-api", "rest-api"),
                tutorial("wstd-http-api", "http-api"),
                tutorial("wstd-alb", "alb"),
                tutorial("wstd-function-url", "function-url"),
                Queued {
                    timeout: std::time::Duration::from_secs(2),
                    ..Queued::new(
                        "wstd-slow-stream",
                        event_at(
                            "tutorial-function-url.json",
                            "/helloworld/stream?pause_ms=10000&name=John",
                        ),
                    )
                },
            ],
        ),
    ];
    for (component, events) in runs {
        let count = events.len();
        let (api, address) = RuntimeApiDouble::start().await;
        api.enqueue(events);
        let mut runtime = start_runtime(
            address,
            component.parent().unwrap(),
            component.file_name().unwrap().to_str().unwrap(),
        );
        wait_for("a post per event", || api.posts().len() == count).await;
        runtime.kill().unwrap();
        runtime.wait().unwrap();
        for post in api.posts() {
            let golden = format!("buffered/{}.{}.json", post.request_id(), post.kind());
            assert_eq!(
                String::from_utf8_lossy(&post.raw_body),
                String::from_utf8_lossy(&common::read_fixture(&golden)),
                "{golden}"
            );
            assert!(
                post.headers
                    .get("lambda-runtime-function-response-mode")
                    .is_none()
            );
        }
    }
}

#[tokio::test]
async fn a_cwasm_from_another_build_is_an_init_error_naming_both_builds() {
    let task_root = tempfile::tempdir().unwrap();
    let cwasm = task_root.path().join("built.cwasm");
    common::compile(&common::component("hello-world"), &cwasm);
    let older = task_root.path().join("hello_world.cwasm");
    let (ours, theirs) = common::as_from_another_build(&cwasm, &older);
    for build in [ours, theirs] {
        assert_init_error(
            task_root.path(),
            "hello_world.cwasm",
            &format!("build {build}"),
        )
        .await;
    }
}

const TRACE: &str = "Root=1-5e1b4151-5ac6c58f3eb0d5e4c9e5f6d1;Parent=7ad9f3b3c6d1e2f4;Sampled=1";

/// A handler that asks for the trace and the tenant gets what Lambda sent with its invocation,
/// and the trace in its environment as `_X_AMZN_TRACE_ID`; the next invocation, sent without
/// them, gets none. A component built on the contract's 0.1.0, which has neither, still loads
/// and answers.
#[tokio::test]
async fn the_invocations_trace_and_tenant_reach_the_guest_and_older_components_still_run() {
    let traced = |id: &str| Queued {
        headers: vec![
            ("lambda-runtime-trace-id", TRACE),
            ("lambda-runtime-aws-tenant-id", "tenant-42"),
        ],
        ..Queued::new(id, event("tutorial-http-api.json"))
    };
    let task_root = tempfile::tempdir().unwrap();
    for (handler, component) in [
        ("inspector.wasm", common::component("inspector")),
        (
            "inspector-0.1.0.wasm",
            common::fixture("components/inspector-0.1.0.wasm"),
        ),
    ] {
        std::fs::copy(component, task_root.path().join(handler)).unwrap();
    }

    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue([
        traced("traced"),
        Queued::new("untraced", event("tutorial-http-api.json")),
    ]);
    let mut runtime = start_runtime(address, task_root.path(), "inspector.wasm");
    wait_for("two posts", || api.posts().len() == 2).await;
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    let posts = api.posts();
    let invocation = |post: &Post| -> Value {
        let body: Value = serde_json::from_str(post.body["body"].as_str().unwrap()).unwrap();
        body["invocation"].clone()
    };
    assert_eq!(posts[0].body["statusCode"], 200, "{log}");
    let traced_invocation = invocation(&posts[0]);
    assert_eq!(traced_invocation["traceId"], TRACE);
    assert_eq!(traced_invocation["traceIdVariable"], TRACE);
    assert_eq!(traced_invocation["tenantId"], "tenant-42");
    let untraced_invocation = invocation(&posts[1]);
    assert_eq!(untraced_invocation["traceId"], Value::Null);
    assert_eq!(untraced_invocation["traceIdVariable"], Value::Null);
    assert_eq!(untraced_invocation["tenantId"], Value::Null);

    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue([traced("old")]);
    let mut runtime = start_runtime(address, task_root.path(), "inspector-0.1.0.wasm");
    wait_for("a post", || api.posts().len() == 1).await;
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();
    let post = &api.posts()[0];
    assert_eq!(
        post.body["statusCode"],
        200,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let old_invocation = invocation(post);
    assert_eq!(old_invocation["requestId"], "old");
    assert!(old_invocation.get("traceId").is_none(), "{old_invocation}");
}

#[tokio::test]
async fn an_authorizer_answers_as_it_returned_and_its_unauthorized_fails_the_invocation() {
    let events = vec![
        Queued::new(
            "token",
            common::read_fixture("aws-samples/apigw-custom-auth-request-token.json"),
        ),
        // AWS's REQUEST sample has no Authorization header: the authorizer raises Unauthorized.
        Queued::new(
            "request",
            common::read_fixture("aws-samples/apigw-custom-auth-request-request-type.json"),
        ),
    ];
    let (posts, stderr) = run_events_on(events, "users_authorizer.wasm").await;
    let post = |id: &str| posts.iter().find(|post| post.request_id() == id).unwrap();
    let token = post("token");
    assert!(token.path.ends_with("/response"), "{token:?}\n{stderr}");
    // The policy as the function returned it, not a proxy response.
    assert_eq!(token.body["principalId"], "anonymous");
    assert_eq!(
        token.body["policyDocument"]["Statement"][0]["Effect"],
        "Deny"
    );
    assert!(token.body.get("statusCode").is_none());
    let request = post("request");
    assert!(request.path.ends_with("/error"), "{request:?}");
    assert_eq!(request.body["errorMessage"], "Unauthorized");
    assert_eq!(request.error_type.as_deref(), Some("Unauthorized"));

    // A component that answers requests cannot answer an authorizer: the invocation fails.
    let events = vec![Queued::new(
        "token",
        common::read_fixture("aws-samples/apigw-custom-auth-request-token.json"),
    )];
    let (posts, _) = run_events(events).await;
    assert!(posts[0].path.ends_with("/error"), "{:?}", posts[0]);
    assert_eq!(posts[0].body["errorType"], "Runtime.UnsupportedEvent");
}
