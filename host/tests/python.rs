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

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lambda_wasm_host::bindings::ErrorDetails;
use lambda_wasm_host::component::GuestFailure;
use lambda_wasm_host::pipeline::{self, failure_policy};
use lambda_wasm_host::{event, function_result};
use serde_json::{Value, json};

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

fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest/python")
}

fn python() -> PathBuf {
    std::env::var_os("LAMBDA_WASM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

/// The context `bootstrap invoke` gives a component (at its default `--timeout` of 30 s), written
/// into `dir` as `python -m lambda_wasm` reads it: the fields of the WIT `invocation-context` and
/// `function-context` records.
fn local_context_file(dir: &Path) -> PathBuf {
    let invocation = pipeline::local_invocation(Duration::from_secs(30));
    let (context, function) = (invocation.context, invocation.function);
    let fields = json!({
        "request_id": context.request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "deadline_epoch_ms": context.deadline_epoch_ms,
        "invoked_function_arn": function.invoked_function_arn,
        "memory_limit_in_mb": function.memory_limit_in_mb,
        "log_group_name": function.log_group_name,
        "log_stream_name": function.log_stream_name,
    });
    let file = dir.join("context.json");
    std::fs::write(&file, fields.to_string()).unwrap();
    file
}

/// The proxy response the front end makes of the handler's result under CPython.
fn under_cpython(example: &str, handler: &str, event_file: &Path) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(python())
        .current_dir(python_dir())
        .args(["-m", "lambda_wasm", example, handler])
        .arg(event_file)
        .arg(local_context_file(dir.path()))
        .output()
        .expect("running CPython");
    let event = std::fs::read(event_file).unwrap();
    let parsed = event::parse(&event).expect("a proxy event");
    let (front_end, format) = (parsed.request.context.source, parsed.format);
    let result = if output.status.success() {
        let result = String::from_utf8(output.stdout).unwrap();
        function_result::to_response(result.trim_end(), format).map_err(GuestFailure::from)
    } else {
        // An uncaught exception: its report on stdout, as Lambda's runtime logs it.
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!(
                "CPython failed without an error report: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        assert!(report["errorType"].is_string(), "{report}");
        let text = |key: &str| {
            report[key]
                .as_str()
                .unwrap_or_else(|| panic!("{report}"))
                .to_owned()
        };
        Err(GuestFailure::Exception(ErrorDetails {
            error_type: text("errorType"),
            error_message: text("errorMessage"),
            stack_trace: Vec::new(),
        }))
    };
    // The host's own failure policy, as `bootstrap` applies it to the component.
    serde_json::to_value(failure_policy::respond(result, front_end, format)).unwrap()
}

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
fn the_users_api_answers_alike_as_a_component_and_under_cpython() {
    let responses = differential("users", "app.lambda_handler");
    for (event, status) in [
        ("events/users-rest-api-get-user.json", 200),
        ("events/users-http-api-get-user.json", 200),
        ("events/users-rest-api-create-user.json", 201),
        ("events/users-http-api-create-user.json", 201),
        ("events/tutorial-rest-api.json", 404),
    ] {
        assert_eq!(
            response_for(&responses, event)["statusCode"],
            status,
            "{event}"
        );
    }
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
