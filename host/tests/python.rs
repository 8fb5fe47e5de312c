//! Differential tests of the Python examples (guest/python/): each one as a component through the
//! real `bootstrap invoke`, and the same file under CPython (`python -m lambda_wasm`) with the
//! same event dict and the host's own context, its result read by the host's own rules
//! (`function_result::to_response`, then the failure policy and `response::encode`). The two proxy responses must be
//! identical, on REST API, HTTP API (both payload formats), ALB and Function URL events.
//!
//! `make test-python` builds the components (`make python-examples`) and runs this with
//! `LAMBDA_WASM_PYTHON_COMPONENTS` (their directory) and `LAMBDA_WASM_PYTHON` (a CPython).

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use common::python::under_cpython;
use serde_json::Value;

/// Events of every front end, for every example.
const FRONT_ENDS: &[&str] = &[
    "events/tutorial-rest-api.json",
    "events/tutorial-http-api.json",
    "events/tutorial-alb.json",
    "events/tutorial-function-url.json",
    "events/http-api-payload-1.0.json",
    "events/rest-api-null-fields.json",
    "aws-samples/apigw-request.json",
    "aws-samples/apigw-v2-request-jwt-authorizer.json",
    "aws-samples/alb-lambda-target-request-multivalue-headers.json",
    "aws-samples/lambda-function-url-request.json",
];

/// The seeds' own requests.
const SEED_EVENTS: &[&str] = &[
    "events/inspector-rest-api-seed.json",
    "events/inspector-http-api-missing-id.json",
    "events/users-rest-api-get-user.json",
    "events/users-http-api-get-user.json",
    "events/users-rest-api-create-user.json",
    "events/users-http-api-create-user.json",
];

/// Runs every event through the component and CPython; returns the responses by event.
fn differential(example: &str, handler: &str) -> Vec<(String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component(example, dir.path());
    let mut responses = Vec::new();
    for name in FRONT_ENDS.iter().chain(SEED_EVENTS) {
        let event_file = common::fixture(name);
        let as_component = common::invoke_json(&event_file, &component);
        let as_cpython = under_cpython(example, handler, &event_file);
        assert_eq!(
            as_component, as_cpython,
            "{example} on {name}: the component (left) and CPython (right) differ"
        );
        responses.push((name.to_string(), as_component));
    }
    responses
}

fn response_for<'a>(responses: &'a [(String, Value)], name: &str) -> &'a Value {
    &responses.iter().find(|(event, _)| event == name).unwrap().1
}

fn body_json(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[test]
fn the_tutorial_greeting_answers_alike_as_a_component_and_under_cpython() {
    let responses = differential("hello", "app.lambda_handler");
    for front_end in &FRONT_ENDS[..4] {
        let response = response_for(&responses, front_end);
        assert_eq!(response["statusCode"], 200, "{front_end}");
        assert_eq!(
            body_json(response)["greeting"],
            "Good evening, John of Seattle. Happy Thursday!",
            "{front_end}"
        );
    }
}

#[test]
fn the_request_inspector_answers_alike_as_a_component_and_under_cpython() {
    let responses = differential("inspector", "app.lambda_handler");
    let seed = response_for(&responses, "events/inspector-rest-api-seed.json");
    assert_eq!(seed["statusCode"], 200);
    assert_eq!(seed["headers"]["Your-custom-header"], "custom-header-value");
    let body = body_json(seed);
    assert_eq!(body["query"]["myparam"], "custom");
    assert_eq!(body["headers"]["my-header"], "my-header-value");
    assert!(body["body"]["my-field"].is_string(), "{body}");
    assert_eq!(body["context"]["function_name"], "local");
    assert_eq!(body["context"]["memory_limit_in_mb"], "128");
    assert_eq!(body["context"]["has_time_left"], true);
}

#[test]
fn the_path_parameter_handler_answers_alike_as_a_component_and_under_cpython() {
    let responses = differential("user-id", "app.handler");
    let found = response_for(&responses, "events/inspector-rest-api-seed.json");
    assert_eq!(found["statusCode"], 200);
    assert_eq!(body_json(found)["userId"], "123");
    let missing = response_for(&responses, "events/inspector-http-api-missing-id.json");
    assert_eq!(missing["statusCode"], 400);
    assert_eq!(
        body_json(missing)["error"],
        "User ID is missing in the path."
    );
}

#[test]
fn an_exception_is_a_500_and_its_traceback_is_logged_with_the_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let component = common::python_component("hello", dir.path());
    let mut event: Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-rest-api.json")).unwrap();
    event["body"] = Value::from("not json");
    let event_file = dir.path().join("not-json-body.json");
    std::fs::write(&event_file, event.to_string()).unwrap();

    let output = common::bootstrap()
        .env("RUST_LOG", "info")
        .args(["invoke", "--event"])
        .arg(&event_file)
        .arg("--component")
        .arg(&component)
        .output()
        .unwrap();
    assert!(output.status.success());
    let response: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response["statusCode"], 500);
    assert_eq!(
        response,
        under_cpython("hello", "app.lambda_handler", &event_file)
    );
    let log = String::from_utf8_lossy(&output.stderr);
    let line = log
        .lines()
        .find(|line| line.contains("the handler raised JSONDecodeError"))
        .unwrap_or_else(|| panic!("no error line in {log}"));
    assert!(line.contains("lambda_request_id=local-"), "{line}");
    assert!(line.contains("apigw_request_id="), "{line}");
    assert!(
        line.contains(r#"app.py", line 18, in lambda_handler"#),
        "{line}"
    );
}
