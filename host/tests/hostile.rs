//! The hostile-guest corpus (guest/hostile/): each misbehaving component gets its exact status
//! within a bound, and the same host process answers a good request right after.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::time::{Duration, Instant};

use common::server::{Answer, Server};

/// Requests run with a 2 s deadline (less the 250 ms margin); nothing may take much longer.
const DEADLINE_ARGS: [&str; 2] = ["--timeout", "2"];
const BOUND: Duration = Duration::from_secs(5);

/// Serves `component`, sends the misbehaving request, then a good one to the same process.
async fn misbehave(component: &str, env: &[(&str, &str)]) -> (Answer, Server) {
    let server = Server::start_with_env(&common::component(component), &DEADLINE_ARGS, env);
    let started = Instant::now();
    let answer = server.get("/misbehave").await;
    let elapsed = started.elapsed();
    assert!(elapsed < BOUND, "{component} answered after {elapsed:?}");
    let good = server.get("/ok").await;
    assert_eq!(
        (good.status, good.body.as_slice()),
        (200, b"ok".as_slice()),
        "{component}: the next request is served"
    );
    (answer, server)
}

async fn assert_status(component: &str, status: u16, message: &str) -> Server {
    let (answer, server) = misbehave(component, &[]).await;
    assert_eq!(
        answer.status,
        status,
        "{component}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.json(),
        serde_json::json!({ "message": message }),
        "{component}"
    );
    server
}

#[tokio::test]
async fn an_endless_loop_is_stopped_at_the_deadline() {
    assert_status("hostile-loop", 504, "Endpoint request timed out").await;
}

#[tokio::test]
async fn a_guest_blocked_in_a_host_call_is_stopped_at_the_deadline() {
    assert_status("hostile-sleep", 504, "Endpoint request timed out").await;
}

#[tokio::test]
async fn a_memory_bomb_hits_its_cap() {
    let (answer, server) =
        misbehave("hostile-memory-bomb", &[("LAMBDA_WASM_MEMORY_MB", "32")]).await;
    assert_eq!(answer.status, 500);
    server
        .wait_for_log("the guest asked for more memory than its cap")
        .await;
}

#[tokio::test]
async fn deep_recursion_traps() {
    assert_status("hostile-recursion", 500, "Internal Server Error").await;
}

#[tokio::test]
async fn a_panic_traps() {
    let server = assert_status("hostile-panic", 500, "Internal Server Error").await;
    server
        .wait_for_log("a hostile guest panicked on /misbehave")
        .await;
}

#[tokio::test]
async fn a_typed_handler_error_is_a_500() {
    let server = assert_status("hostile-error", 500, "Internal Server Error").await;
    server.wait_for_log("refusing /misbehave").await;
}

#[tokio::test]
async fn a_response_over_lambdas_limit_is_a_502() {
    let server = assert_status("hostile-huge-response", 502, "Bad Gateway").await;
    server
        .wait_for_log("over Lambda's 6291456 byte limit")
        .await;
}

#[tokio::test]
async fn a_status_outside_the_http_range_is_a_502() {
    assert_status("hostile-bad-status", 502, "Bad Gateway").await;
}

#[tokio::test]
async fn a_header_name_http_forbids_is_a_502() {
    let server = assert_status("hostile-bad-header-name", 502, "Bad Gateway").await;
    server.wait_for_log("invalid header name").await;
}

#[tokio::test]
async fn a_header_with_crlf_is_a_502() {
    let (answer, _server) = misbehave("hostile-crlf-header", &[]).await;
    assert_eq!(answer.status, 502);
    assert!(
        answer.headers.get("set-cookie").is_none(),
        "nothing is smuggled through"
    );
}

#[tokio::test]
async fn the_guest_sees_only_allowed_environment_variables() {
    let env = [
        ("AWS_SECRET_ACCESS_KEY", "host-secret-key"),
        ("AWS_SESSION_TOKEN", "host-session-token"),
        ("HOST_ONLY", "host-only-value"),
        ("GREETING_STYLE", "formal"),
        ("LAMBDA_WASM_GUEST_ENV", "GREETING_STYLE,AWS_SESSION_TOKEN"),
    ];
    let (answer, server) = misbehave("hostile-env-probe", &env).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        "GREETING_STYLE=formal"
    );
    // The probe prints what it sees; once that is logged, nothing else it printed is missing.
    server.wait_for_log("GREETING_STYLE=formal").await;
    let log = server.log();
    assert!(
        !log.contains("host-secret-key")
            && !log.contains("host-session-token")
            && !log.contains("host-only-value")
    );
}

#[tokio::test]
async fn the_guest_reads_no_files() {
    let (answer, _server) = misbehave("hostile-file-probe", &[]).await;
    assert_eq!(answer.status, 200);
    let report = String::from_utf8(answer.body).unwrap();
    assert_eq!(report.lines().count(), 7, "{report}");
    for line in report.lines() {
        assert!(
            line.contains(": Err("),
            "every file operation fails: {line}"
        );
    }
}

#[tokio::test]
async fn the_guest_has_no_network() {
    // A real listener the guest would reach if it had sockets.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Server::start(&common::component("hostile-network-probe"), &DEADLINE_ARGS);
    let answer = server.get(&format!("/probe?port={port}")).await;
    let report = String::from_utf8(answer.body).unwrap();
    assert!(report.contains("connect: Err("), "{report}");
    assert!(report.contains("resolve: Err("), "{report}");
}

#[tokio::test]
async fn a_log_flood_is_cut_at_the_cap_and_the_request_still_answered() {
    let (answer, server) = misbehave("hostile-log-flood", &[("LAMBDA_WASM_OUTPUT_KB", "16")]).await;
    assert_eq!(
        (answer.status, answer.body.as_slice()),
        (200, b"flooded".as_slice())
    );
    server
        .wait_for_log("the guest's output went past the cap")
        .await;
    let log = server.log();
    let guest_lines = log
        .lines()
        .filter(|line| line.contains("flood flood"))
        .count();
    // 16 KiB of 1 KiB lines on each of stdout and stderr.
    assert!(
        guest_lines <= 2 * 16 + 2,
        "{guest_lines} guest lines logged"
    );
}

/// A component whose two core modules each have a memory: the cap is for both together.
#[tokio::test]
async fn the_memory_cap_covers_all_of_a_components_memories_together() {
    let wasm = wat::parse_file(common::fixture("components/two-memories.wat")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let component = dir.path().join("two_memories.wasm");
    std::fs::write(&component, wasm).unwrap();
    let server = Server::start_with_env(
        &component,
        &DEADLINE_ARGS,
        &[("LAMBDA_WASM_MEMORY_MB", "32")],
    );
    let good = server.get("/ok").await;
    assert_eq!((good.status, good.body.as_slice()), (200, b"ok".as_slice()));

    let answer = server.get("/misbehave").await;
    assert_eq!(
        answer.status,
        500,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    server
        .wait_for_log("the guest asked for more memory than its cap")
        .await;
    let good = server.get("/ok").await;
    assert_eq!((good.status, good.body.as_slice()), (200, b"ok".as_slice()));
}

/// The same component within a cap that holds both memories: the growth is not refused.
#[tokio::test]
async fn two_memories_within_the_cap_both_grow() {
    let wasm = wat::parse_file(common::fixture("components/two-memories.wat")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let component = dir.path().join("two_memories.wasm");
    std::fs::write(&component, wasm).unwrap();
    let server = Server::start_with_env(
        &component,
        &DEADLINE_ARGS,
        &[("LAMBDA_WASM_MEMORY_MB", "64")],
    );
    let answer = server.get("/misbehave").await;
    assert_eq!(
        (answer.status, answer.body.as_slice()),
        (200, b"both grew".as_slice())
    );
}
