//! Python handlers under CPython, as the component runs them (`python -m lambda_wasm`): the
//! CPython side of the Python differential tests (the component side is
//! [`python_component`](super::python_component)).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lambda_wasm_host::bindings::ErrorDetails;
use lambda_wasm_host::component::GuestFailure;
use lambda_wasm_host::pipeline::{self, failure_policy};
use lambda_wasm_host::{event, function_result};
use serde_json::{Value, json};

pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest/python")
}

pub fn python() -> PathBuf {
    std::env::var_os("LAMBDA_WASM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

/// The context `bootstrap invoke` gives a component (at its default `--timeout` of 30 s), written
/// into `dir` as `python -m lambda_wasm` reads it: the fields of the WIT `invocation-context` and
/// `function-context` records.
pub fn local_context_file(dir: &Path) -> PathBuf {
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
pub fn under_cpython(example: &str, handler: &str, event_file: &Path) -> Value {
    under_cpython_with_env(&python_dir().join(example), handler, event_file, &[])
}

/// The proxy response the front end makes of the result of `handler` in the app directory
/// `app` under CPython, with `env` in its environment.
pub fn under_cpython_with_env(
    app: &Path,
    handler: &str,
    event_file: &Path,
    env: &[(&str, String)],
) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(python())
        .current_dir(python_dir())
        .envs(env.iter().map(|(name, value)| (name, value)))
        .args(["-m", "lambda_wasm"])
        .arg(app)
        .arg(handler)
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
