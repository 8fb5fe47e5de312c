//! The hostile-guest corpus (guest/hostile/): each misbehaving component gets its exact status
//! within a bound, and the same host process answers a good request right after.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::server::{Answer, Server};
use serde_json::Value;

/// Requests run with a 2 s deadline (less the 250 ms margin); nothing may take much longer.
const DEADLINE_ARGS: [&str; 2] = ["--timeout", "2"];
const BOUND: Duration = Duration::from_secs(5);

/// A copy of the tutorial event of `front_end` asking for `path`, written into `dir`.
fn event_for_path(dir: &tempfile::TempDir, front_end: &str, path: &str) -> PathBuf {
    let mut event: Value = serde_json::from_slice(&common::read_fixture(&format!(
        "events/tutorial-{front_end}.json"
    )))
    .unwrap();
    if event.get("rawPath").is_some() {
        event["rawPath"] = path.into();
        event["requestContext"]["http"]["path"] = path.into();
    } else {
        event["path"] = path.into();
    }
    let file = dir.path().join(format!("{front_end}.json"));
    std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
    file
}

/// `bootstrap invoke` of the tutorial event of `front_end` for `path`: the proxy response and
/// what the host logged.
fn invoke_path(component: &str, front_end: &str, path: &str) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let event = event_for_path(&dir, front_end, path);
    let output = common::invoke(&event, &common::component(component));
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{component} {path}: {log}");
    (serde_json::from_slice(&output.stdout).unwrap(), log)
}

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
    let server = assert_status("hostile-recursion", 500, "Internal Server Error").await;
    // The guest's own stack in linear memory (64 KiB, first in memory) running out traps too,
    // below address 0, rather than writing over the guest's data.
    let answer = server.get("/misbehave?frames=memory").await;
    assert_eq!(
        answer.status,
        500,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    server.wait_for_log("out of bounds memory access").await;
    let good = server.get("/ok").await;
    assert_eq!((good.status, good.body.as_slice()), (200, b"ok".as_slice()));
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

#[test]
fn an_alb_response_over_the_albs_one_mb_limit_is_a_502_naming_the_alb() {
    let (alb, log) = invoke_path("hostile-huge-response", "alb", "/text/2");
    assert_eq!(alb["statusCode"], 502);
    assert_eq!(alb["statusDescription"], "502 Bad Gateway");
    assert!(
        log.contains("the proxy response for the ALB is")
            && log.contains("over the ALB's 1000000 byte limit"),
        "{log}"
    );
    let (rest, _) = invoke_path("hostile-huge-response", "rest-api", "/text/2");
    assert_eq!(
        rest["statusCode"], 200,
        "2 MiB is within Lambda's own limit"
    );
}

/// Runs `bootstrap invoke` of `event` and returns the proxy response it printed and its peak
/// resident memory in KiB.
fn invoke_peak_rss_kib(event: &Path, component: &Path) -> (Value, i64) {
    let mut command = common::bootstrap();
    command
        .arg("invoke")
        .arg("--event")
        .arg(event)
        .arg("--component")
        .arg(component);
    let (printed, peak) = common::peak_rss_kib(command);
    (serde_json::from_slice(&printed).unwrap(), peak)
}

#[test]
fn a_huge_binary_body_is_refused_without_the_host_encoding_it() {
    // The guest's memory and the host's copy of the body are the floor for any body; encoding
    // 56 MiB of binary as base64 would add 75 MiB on top, a text body nothing.
    const MIB: i64 = 56;
    let dir = tempfile::tempdir().unwrap();
    let component = common::component("hostile-huge-response");
    let text = event_for_path(&dir, "rest-api", &format!("/text/{MIB}"));
    let (text, text_peak) = invoke_peak_rss_kib(&text, &component);
    let binary = event_for_path(&dir, "http-api", &format!("/binary/{MIB}"));
    let (binary, binary_peak) = invoke_peak_rss_kib(&binary, &component);
    assert_eq!(
        (text["statusCode"].as_u64(), binary["statusCode"].as_u64()),
        (Some(502), Some(502))
    );
    assert!(
        binary_peak < text_peak + (MIB << 10) / 8,
        "peak {binary_peak} KiB for a binary body, {text_peak} KiB for a text one"
    );
}

/// Wasmtime's advisories GHSA-5m8g-xhq4-4h93 and GHSA-f8mm-ggr3-89wh: empty writes that cost a
/// host a queue entry each. Two million of them, to a `wasi:http` guest's response body and to
/// its stdout, leave the host's memory where a good request leaves it.
#[test]
fn millions_of_empty_writes_leave_the_hosts_memory_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let component = common::component("hostile-wasi-http");
    let (ok, ok_peak) = invoke_peak_rss_kib(&event_for_path(&dir, "http-api", "/ok"), &component);
    assert_eq!(ok["statusCode"], 200);
    for path in ["/empty-writes/response", "/empty-writes/stdout"] {
        let (response, peak) =
            invoke_peak_rss_kib(&event_for_path(&dir, "http-api", path), &component);
        assert_eq!(
            (&response["statusCode"], &response["body"]),
            (&200.into(), &"2000000 empty writes".into()),
            "{path}"
        );
        // A queue entry is 32 bytes or more: two million would be 61 MiB.
        assert!(
            peak < ok_peak + (16 << 10),
            "{path}: peak {peak} KiB, {ok_peak} KiB for a good request"
        );
    }
}

#[tokio::test]
async fn a_status_outside_the_http_range_is_a_502() {
    assert_status("hostile-bad-status", 502, "Bad Gateway").await;
}

#[tokio::test]
async fn an_informational_status_is_a_502_in_serve() {
    let (_, server) = misbehave("hostile-bad-status", &[]).await;
    for status in [100, 101, 103, 199] {
        let answer = server.get(&format!("/status/{status}")).await;
        assert_eq!(answer.status, 502, "{status}");
        assert_eq!(
            answer.json(),
            serde_json::json!({ "message": "Bad Gateway" })
        );
    }
    server
        .wait_for_log("status 101 is not a final HTTP status (200-599)")
        .await;
}

#[test]
fn informational_statuses_and_control_characters_in_headers_are_502_through_invoke() {
    for status in ["100", "101", "199", "600"] {
        let (response, log) = invoke_path(
            "hostile-bad-status",
            "rest-api",
            &format!("/status/{status}"),
        );
        assert_eq!(response["statusCode"], 502, "{status}");
        assert!(
            log.contains(&format!("status {status} is not a final")),
            "{log}"
        );
    }
    for kind in ["cr", "nul", "del", "nel"] {
        let (response, log) =
            invoke_path("hostile-crlf-header", "http-api", &format!("/value/{kind}"));
        assert_eq!(response["statusCode"], 502, "{kind}");
        assert!(
            log.contains("invalid value for header \"x-value\""),
            "{log}"
        );
    }
    let (response, _) = invoke_path("hostile-crlf-header", "http-api", "/value/tab");
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["x-value"], "a\tb", "a tab is kept");
}

#[tokio::test]
async fn thousands_of_headers_or_cookies_are_a_502_at_the_cap_within_the_bound() {
    let (answer, server) = misbehave("hostile-many-headers", &[]).await;
    assert_eq!(answer.status, 502);
    server
        .wait_for_log("the response has 50000 headers, over the host's cap of 1000")
        .await;
    let started = Instant::now();
    let cookies = server.get("/cookies").await;
    assert!(started.elapsed() < BOUND);
    assert_eq!(cookies.status, 502);
    server
        .wait_for_log("the response has 50000 cookies, over the host's cap of 1000")
        .await;
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

/// The whole log of the requests so far: a good request's line comes after all of theirs.
async fn log_after_next_request(server: &Server) -> String {
    assert_eq!(server.get("/ok").await.status, 200);
    server.wait_for_log("/ok").await;
    server.log()
}

#[tokio::test]
async fn a_flood_of_empty_lines_is_cut_at_the_line_cap_and_cannot_forge_a_line() {
    let server = Server::start(&common::component("hostile-log-flood"), &DEADLINE_ARGS);
    let answer = server.get("/empty-lines").await;
    assert_eq!(
        (answer.status, answer.body.as_slice()),
        (200, b"flooded".as_slice())
    );
    let log = log_after_next_request(&server).await;
    assert!(log.contains("the rest was not logged"), "{log}");
    assert!(
        log.lines().count() < 1_100,
        "{} log lines",
        log.lines().count()
    );
    assert!(
        log.contains(r"real line\rFORGED INFO"),
        "the lone CR is escaped"
    );
    assert!(!log.contains('\r'));
}

#[tokio::test]
async fn a_huge_handler_error_is_logged_cut_and_on_one_line() {
    let server = Server::start(&common::component("hostile-log-flood"), &DEADLINE_ARGS);
    let answer = server.get("/huge-error").await;
    assert_eq!(answer.status, 500);
    let log = log_after_next_request(&server).await;
    assert!(log.contains("more bytes dropped)"));
    assert!(
        log.contains(r"refused\rFORGED INFO bootstrap: all is well\neee"),
        "{log}"
    );
    assert!(!log.contains('\r'));
    assert!(!log.lines().any(|line| line.starts_with("FORGED")));
    assert!(log.len() < 64 << 10, "{} bytes logged", log.len());
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

/// `serve` on the hand-written component whose two core modules have a memory each, with a
/// guest memory cap of `cap_mb`; the directory holding the compiled component goes with it.
fn serve_two_memories(cap_mb: &str) -> (Server, tempfile::TempDir) {
    let wasm = wat::parse_file(common::fixture("components/two-memories.wat")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let component = dir.path().join("two_memories.wasm");
    std::fs::write(&component, wasm).unwrap();
    let server = Server::start_with_env(
        &component,
        &DEADLINE_ARGS,
        &[("LAMBDA_WASM_MEMORY_MB", cap_mb)],
    );
    (server, dir)
}

/// A component whose two core modules each have a memory: the cap is for both together.
#[tokio::test]
async fn the_memory_cap_covers_all_of_a_components_memories_together() {
    let (server, _dir) = serve_two_memories("32");
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
    let (server, _dir) = serve_two_memories("64");
    let answer = server.get("/misbehave").await;
    assert_eq!(
        (answer.status, answer.body.as_slice()),
        (200, b"both grew".as_slice())
    );
}
