//! What `bootstrap` logs: JSON lines on Lambda's JSON log format, both request ids on every line
//! of an invocation, one summary line, and never the request's credentials.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use serde_json::Value;

fn invoke_logs(event: &str, component: &str, env: &[(&str, &str)]) -> String {
    let output = common::bootstrap()
        .envs(env.iter().copied())
        .env_remove("RUST_LOG")
        .args(["invoke", "--event"])
        .arg(common::fixture(event))
        .arg("--component")
        .arg(common::component(component))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn json_lines_carry_both_request_ids_and_a_summary() {
    let env = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("LAMBDA_WASM_GUEST_ENV", "PROBE_VISIBLE"),
        ("PROBE_VISIBLE", "yes"),
    ];
    let logs = invoke_logs("events/tutorial-rest-api.json", "hostile-env-probe", &env);
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let in_invocation: Vec<&Value> = lines
        .iter()
        .filter(|line| line.get("span").is_some())
        .collect();
    assert!(
        in_invocation.len() >= 2,
        "the guest's output and the summary: {logs}"
    );
    for line in &in_invocation {
        assert_eq!(
            line["span"]["apigw_request_id"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "{line}"
        );
        assert!(
            line["span"]["lambda_request_id"]
                .as_str()
                .unwrap()
                .starts_with("local-"),
            "{line}"
        );
    }
    let guest = in_invocation
        .iter()
        .find(|line| line["target"] == "guest")
        .unwrap();
    assert_eq!(guest["message"], "PROBE_VISIBLE=yes");
    let summary = in_invocation
        .iter()
        .find(|line| line["message"] == "invocation")
        .unwrap();
    assert_eq!(summary["source"], "REST API");
    assert_eq!(summary["method"], "POST");
    assert_eq!(summary["route"], "/helloworld");
    assert_eq!(summary["status"], 200);
    for field in ["instantiate_us", "guest_us", "memory_peak_kib", "total_us"] {
        assert!(summary[field].is_u64(), "{field} in {summary}");
    }
    assert!(summary["memory_peak_kib"].as_u64().unwrap() > 0);
}

#[test]
fn credentials_in_the_request_are_never_logged_even_at_trace_level() {
    for (component, env) in [
        ("hello-world", vec![("AWS_LAMBDA_LOG_LEVEL", "TRACE")]),
        (
            "hostile-panic",
            vec![
                ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ],
        ),
        ("inspector", vec![("RUST_LOG", "lambda_wasm_host=trace")]),
    ] {
        let logs = invoke_logs("events/rest-api-with-credentials.json", component, &env);
        assert!(
            logs.contains("invocation"),
            "{component}: the summary is there: {logs}"
        );
        assert!(
            !logs.contains("secret-"),
            "{component} logged a credential: {logs}"
        );
    }
}

#[test]
fn text_logs_to_a_pipe_have_no_colour_escapes() {
    let logs = invoke_logs("events/tutorial-rest-api.json", "hello-world", &[]);
    assert!(logs.contains("invocation"), "{logs}");
    assert!(!logs.contains('\x1b'), "escapes in piped logs: {logs:?}");
}

/// What `bootstrap invoke` prints on a pseudo-terminal (util-linux `script`), stdout and stderr
/// together, as a person at a terminal sees it.
fn invoke_on_a_terminal(env: &[(&str, &str)]) -> String {
    let command = format!(
        "{} invoke --event {} --component {}",
        env!("CARGO_BIN_EXE_bootstrap"),
        common::fixture("events/tutorial-rest-api.json").display(),
        common::component("hello-world").display()
    );
    let output = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("AWS_LAMBDA_LOG_FORMAT")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_terminal_gets_colours_unless_no_color_is_set() {
    let coloured = invoke_on_a_terminal(&[]);
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    let plain = invoke_on_a_terminal(&[("NO_COLOR", "1")]);
    assert!(plain.contains("invocation"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[test]
fn lambda_text_lines_have_no_colours_and_no_timestamps_even_on_a_terminal() {
    let logs = invoke_on_a_terminal(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")]);
    let summary = logs
        .lines()
        .find(|line| line.contains("invocation"))
        .unwrap_or_else(|| panic!("no summary in {logs:?}"));
    assert!(!logs.contains('\x1b'), "{logs:?}");
    assert!(
        summary.trim_start().starts_with("INFO"),
        "CloudWatch stamps the line itself: {summary:?}"
    );
}
