//! `bootstrap invoke` with the real built components: the tutorial through every front end,
//! swapping components under the same binary, and bad input.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const GREETING: &str = "Good evening, John of Seattle. Happy Thursday!";

fn body_json(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().expect("body is a string"))
        .expect("body is JSON")
}

/// Writes `event` to a temporary file for `invoke`.
fn event_file(dir: &tempfile::TempDir, event: &Value) -> PathBuf {
    let path = dir.path().join("event.json");
    std::fs::write(&path, serde_json::to_vec(event).unwrap()).unwrap();
    path
}

fn tutorial_event(front_end: &str) -> Value {
    serde_json::from_slice(&common::read_fixture(&format!(
        "events/tutorial-{front_end}.json"
    )))
    .unwrap()
}

#[test]
fn rest_api_tutorial_answers_in_the_rest_api_shape() {
    let response = common::invoke_json(
        &common::fixture("events/tutorial-rest-api.json"),
        &common::component("hello-world"),
    );
    assert_eq!(response["statusCode"], 200);
    assert_eq!(
        response["headers"],
        json!({ "content-type": "application/json" })
    );
    assert_eq!(response["multiValueHeaders"], json!({}));
    assert_eq!(response["isBase64Encoded"], false);
    assert!(response.get("cookies").is_none() && response.get("statusDescription").is_none());
    assert_eq!(body_json(&response), json!({ "greeting": GREETING }));
}

#[test]
fn http_api_and_function_url_tutorial_answer_in_the_v2_shape() {
    for front_end in ["http-api", "function-url"] {
        let event = common::fixture(&format!("events/tutorial-{front_end}.json"));
        let response = common::invoke_json(&event, &common::component("hello-world"));
        assert_eq!(response["statusCode"], 200, "{front_end}");
        assert_eq!(
            response["headers"],
            json!({ "content-type": "application/json" }),
            "{front_end}"
        );
        assert_eq!(response["cookies"], json!([]), "{front_end}");
        assert!(response.get("multiValueHeaders").is_none(), "{front_end}");
        assert_eq!(
            body_json(&response),
            json!({ "greeting": GREETING }),
            "{front_end}"
        );
    }
}

#[test]
fn alb_tutorial_answers_with_a_status_description() {
    let response = common::invoke_json(
        &common::fixture("events/tutorial-alb.json"),
        &common::component("hello-world"),
    );
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["statusDescription"], "200 OK");
    assert_eq!(
        response["headers"],
        json!({ "content-type": "application/json" })
    );
    assert!(response.get("multiValueHeaders").is_none());
    assert_eq!(body_json(&response), json!({ "greeting": GREETING }));
}

#[test]
fn hello_world_defaults_match_the_tutorial() {
    let dir = tempfile::tempdir().unwrap();
    let mut event = tutorial_event("rest-api");
    event["httpMethod"] = json!("GET");
    event["body"] = Value::Null;
    event["headers"] = json!({});
    event["multiValueHeaders"] = Value::Null;
    event["queryStringParameters"] = Value::Null;
    event["multiValueQueryStringParameters"] = Value::Null;
    let response =
        common::invoke_json(&event_file(&dir, &event), &common::component("hello-world"));
    assert_eq!(
        body_json(&response),
        json!({ "greeting": "Good day, you of World." })
    );

    event["queryStringParameters"] = json!({ "name": "John", "city": "Seattle" });
    let response =
        common::invoke_json(&event_file(&dir, &event), &common::component("hello-world"));
    assert_eq!(
        body_json(&response),
        json!({ "greeting": "Good day, John of Seattle." })
    );
}

#[test]
fn a_body_that_is_not_json_gets_a_400_from_hello_world() {
    let dir = tempfile::tempdir().unwrap();
    let mut event = tutorial_event("http-api");
    event["body"] = json!("time=evening");
    let response =
        common::invoke_json(&event_file(&dir, &event), &common::component("hello-world"));
    assert_eq!(response["statusCode"], 400);
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("The request body is not valid JSON"),
        "{message}"
    );
}

#[test]
fn an_invalid_base64_body_gets_a_400_before_the_guest_runs() {
    let response = common::invoke_json(
        &common::fixture("events/rest-api-invalid-base64.json"),
        &common::component("hello-world"),
    );
    assert_eq!(response["statusCode"], 400);
    assert_eq!(
        body_json(&response),
        json!({ "message": "The request body is not valid base64." })
    );
}

#[test]
fn the_guest_sees_what_the_front_end_sent() {
    let response = common::invoke_json(
        &common::fixture("events/rest-api-multi-value.json"),
        &common::component("inspector"),
    );
    assert_eq!(response["headers"]["x-inspected-by"], "inspector");
    let seen = body_json(&response);
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["path"], "/users/42");
    assert_eq!(seen["pathParameters"], json!([["userId", "42"]]));
    assert_eq!(
        seen["query"],
        json!([["tag", "a"], ["tag", "b"], ["q", "a b"]])
    );
    assert_eq!(seen["cookies"], json!(["session=abc", "theme=dark"]));
    assert_eq!(
        seen["body"],
        json!({ "base64": "AP8QgAc=" }),
        "binary body arrives as its bytes"
    );
    assert_eq!(seen["context"]["source"], "rest-api");
    assert_eq!(seen["context"]["authorizer"]["claims"]["sub"], "user-1");
    assert_eq!(seen["invocation"]["functionVersion"], "$LATEST");
    let remaining = seen["invocation"]["remainingTimeMs"].as_u64().unwrap();
    assert!(remaining > 0 && remaining <= 30_000, "{remaining}");
}

#[test]
fn swapping_the_component_file_changes_the_answer_without_rebuilding_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.wasm");
    let event = common::fixture("events/tutorial-http-api.json");

    std::fs::copy(common::component("hello-world"), &handler).unwrap();
    let first = common::invoke_json(&event, &handler);
    assert_eq!(body_json(&first), json!({ "greeting": GREETING }));

    std::fs::copy(common::component("inspector"), &handler).unwrap();
    let second = common::invoke_json(&event, &handler);
    assert_eq!(second["headers"]["x-inspected-by"], "inspector");
    assert_eq!(body_json(&second)["path"], "/helloworld");
}

fn assert_fails_cleanly(event: &Path, component: &Path, expected: &str) {
    let output = common::invoke(event, component);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout when there is no response"
    );
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn events_that_are_not_proxy_events_fail_with_a_clear_message() {
    let hello = common::component("hello-world");
    assert_fails_cleanly(
        &common::fixture("events/not-a-proxy-event-sqs.json"),
        &hello,
        "unsupported event: expected",
    );
    assert_fails_cleanly(
        &common::fixture("events/malformed-rest-api.json"),
        &hello,
        "malformed REST API event",
    );
    assert_fails_cleanly(
        &common::fixture("README.md"),
        &hello,
        "the event is not valid JSON",
    );
    assert_fails_cleanly(
        &common::fixture("events/missing.json"),
        &hello,
        "reading event",
    );
}

#[test]
fn files_that_are_not_handler_components_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let event = common::fixture("events/tutorial-rest-api.json");
    assert_fails_cleanly(
        &event,
        &dir.path().join("missing.wasm"),
        "reading component",
    );

    let text = dir.path().join("text.wasm");
    std::fs::write(&text, "not wasm").unwrap();
    assert_fails_cleanly(&event, &text, "not a WebAssembly component");

    // A valid core module, but not a component.
    let module = dir.path().join("module.wasm");
    std::fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
    assert_fails_cleanly(&event, &module, "not a WebAssembly component");
}

#[test]
fn a_precompiled_component_from_bootstrap_compile_runs_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = dir.path().join("hello_world.cwasm");
    common::compile(&common::component("hello-world"), &cwasm);
    let response = common::invoke_json(&common::fixture("events/tutorial-alb.json"), &cwasm);
    assert_eq!(body_json(&response), json!({ "greeting": GREETING }));
}

#[test]
fn a_precompiled_component_from_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let event = common::fixture("events/tutorial-rest-api.json");

    // The wasmtime CLI of the same version, but compiling with its own configuration.
    let foreign = dir.path().join("foreign.cwasm");
    let compiled = std::process::Command::new("wasmtime")
        .arg("compile")
        .arg(common::component("hello-world"))
        .arg("-o")
        .arg(&foreign)
        .output()
        .expect("the wasmtime CLI is installed by `make setup`");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    assert_fails_cleanly(&event, &foreign, "must be compiled by this same bootstrap");

    // A damaged one.
    let ours = dir.path().join("ours.cwasm");
    common::compile(&common::component("hello-world"), &ours);
    let mut damaged = std::fs::read(&ours).unwrap();
    damaged.truncate(damaged.len() / 2);
    std::fs::write(&ours, damaged).unwrap();
    assert_fails_cleanly(&event, &ours, "failed to parse section headers");
}

/// Whether the component at `path` imports the contract's `types` interface at `version`.
fn imports_contract(path: &Path, version: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    let import = format!("lambda-wasm:proxy/types@{version}");
    bytes
        .windows(import.len())
        .any(|window| window == import.as_bytes())
}

#[test]
fn a_component_built_against_the_contracts_0_1_0_still_loads_and_answers() {
    // `hello_world.wasm` as built from the contract at 0.1.0 (the fixture's provenance is in
    // fixtures/README.md); the guests built now import 0.1.1, which the host defines.
    let old = common::fixture("components/hello-world-0.1.0.wasm");
    let new = common::component("hello-world");
    assert!(imports_contract(&old, "0.1.0") && !imports_contract(&old, "0.1.1"));
    assert!(imports_contract(&new, "0.1.1") && !imports_contract(&new, "0.1.0"));
    for front_end in ["rest-api", "http-api", "alb", "function-url"] {
        let event = common::fixture(&format!("events/tutorial-{front_end}.json"));
        let response = common::invoke_json(&event, &old);
        assert_eq!(response["statusCode"], 200, "{front_end}");
        assert_eq!(body_json(&response), json!({ "greeting": GREETING }));
        assert_eq!(response, common::invoke_json(&event, &new), "{front_end}");
    }
}

/// AWS's sample Lambda authorizer events.
const AUTHORIZER_SAMPLES: [&str; 4] = [
    "aws-samples/apigw-custom-auth-request-token.json",
    "aws-samples/apigw-custom-auth-request-request-type.json",
    "aws-samples/apigw-v2-custom-authorizer-v1-request.json",
    "aws-samples/apigw-v2-custom-authorizer-v2-request.json",
];

#[test]
fn authorizer_components_answer_aws_sample_events_with_their_own_result() {
    let dir = tempfile::tempdir().unwrap();
    let python = common::python_component("authorizer", dir.path());
    // The TOKEN sample's token is `allow`: an Allow policy for its method ARN, as returned.
    let allowed = common::invoke_json(&common::fixture(AUTHORIZER_SAMPLES[0]), &python);
    assert_eq!(allowed["principalId"], "user");
    let statement = &allowed["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(
        statement["Resource"],
        "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"
    );
    assert_eq!(allowed["context"]["numberKey"], 1);
    // The other samples carry no token the Python authorizer knows: its error, as Lambda's
    // Invoke API gives a failed invocation, and a failed exit.
    for sample in &AUTHORIZER_SAMPLES[1..] {
        let output = common::invoke(&common::fixture(sample), &python);
        assert!(!output.status.success(), "{sample}");
        let error: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(error["errorType"], "Exception", "{sample}");
        assert_eq!(error["errorMessage"], "Error: Invalid token", "{sample}");
    }

    // The Rust authorizer: no key configured, so a Deny for the TOKEN sample; the REQUEST
    // samples have no Authorization header, so Unauthorized; the 2.0 sample's keys neither.
    let rust = common::component("users-authorizer");
    let denied = common::invoke_json(&common::fixture(AUTHORIZER_SAMPLES[0]), &rust);
    assert_eq!(denied["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(
        denied["policyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*"])
    );
    let keys = [
        ("USERS_API_KEYS", "ann=k-ann".to_owned()),
        ("LAMBDA_WASM_GUEST_ENV", "USERS_API_KEYS".to_owned()),
    ];
    for sample in &AUTHORIZER_SAMPLES[1..] {
        let output = common::invoke_with_env(&common::fixture(sample), &rust, &keys);
        let error: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(error["errorMessage"], "Unauthorized", "{sample}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("the function failed: Unauthorized"),
            "{sample}"
        );
    }
}

#[test]
fn a_handler_component_cannot_answer_an_authorizer_event() {
    let output = common::invoke(
        &common::fixture(AUTHORIZER_SAMPLES[0]),
        &common::component("hello-world"),
    );
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["errorType"], "Runtime.UnsupportedEvent");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("event-handler"),
        "{error}"
    );
}
