//! Standard `wasi:http/proxy` components, built with tools this project did not write (Rust on
//! `wstd`, JavaScript through componentize-js): the tutorial on every front end through
//! `bootstrap invoke` and `serve`, hot reload between worlds, the `wasi:http` rows of the
//! failure policy, and a component of another world refused at load.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use common::server::Server;
use serde_json::{Value, json};

const GREETING: &str = "Good evening, John of Seattle. Happy Thursday!";
/// The two tutorial greetings: Rust on `wstd`, and JavaScript through componentize-js.
const TUTORIALS: [&str; 2] = ["wstd-hello", "js-hello"];
const FRONT_ENDS: [&str; 4] = ["rest-api", "http-api", "alb", "function-url"];

fn body_json(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().expect("body is a string"))
        .expect("body is JSON")
}

#[test]
fn the_tutorial_answers_on_every_front_end_in_its_shape() {
    for component in TUTORIALS {
        for front_end in FRONT_ENDS {
            let event = common::fixture(&format!("events/tutorial-{front_end}.json"));
            let response = common::invoke_json(&event, &common::component(component));
            let case = format!("{component} behind {front_end}");
            assert_eq!(response["statusCode"], 200, "{case}: {response}");
            assert_eq!(
                body_json(&response),
                json!({ "greeting": GREETING }),
                "{case}"
            );
            assert_eq!(response["isBase64Encoded"], false, "{case}");
            // An ALB answers in `multiValueHeaders` when the request came with them.
            let content_type = response["headers"]["content-type"]
                .as_str()
                .or(response["multiValueHeaders"]["content-type"][0].as_str())
                .unwrap_or_default();
            assert!(
                content_type.starts_with("application/json"),
                "{case}: {response}"
            );
            match front_end {
                "alb" => assert_eq!(response["statusDescription"], "200 OK", "{case}"),
                "rest-api" => assert!(response.get("cookies").is_none(), "{case}"),
                _ => assert!(response["cookies"].is_array(), "{case}"),
            }
        }
    }
}

#[tokio::test]
async fn serve_answers_the_tutorial_in_both_payload_formats() {
    for component in TUTORIALS {
        for payload in ["v1", "v2"] {
            let server = Server::start(&common::component(component), &["--payload", payload]);
            let post = server.tutorial_post().await;
            let case = format!("{component} {payload}");
            assert_eq!(post.status, 200, "{case}");
            assert_eq!(post.json(), json!({ "greeting": GREETING }), "{case}");
            let get = server.get("/helloworld?name=&city=Paris").await;
            assert_eq!(
                get.json(),
                json!({ "greeting": "Good day, you of Paris." }),
                "{case}"
            );
            let bad = server.send("POST", "/", &[], b"time=evening").await;
            assert_eq!(bad.status, 400, "{case}");
        }
    }
}

#[tokio::test]
async fn serve_reloads_from_the_handler_world_to_wasi_http_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("handler.wasm");
    std::fs::copy(common::component("hello-world"), &live).unwrap();
    let server = Server::start(&live, &[]);
    assert_eq!(
        server.tutorial_post().await.json(),
        json!({ "greeting": GREETING })
    );

    for (reloads, component) in [(1, "wstd-hello"), (2, "inspector")] {
        // Replace the file as a build would: write beside it, then rename over it.
        let staged = dir.path().join("handler.wasm.tmp");
        std::fs::copy(common::component(component), &staged).unwrap();
        std::fs::rename(&staged, &live).unwrap();
        server
            .wait_for_log_count("reloaded the component", reloads)
            .await;
        let answer = server.get("/helloworld?name=A").await;
        let inspected = answer.headers.get("x-inspected-by").is_some();
        assert_eq!(inspected, component == "inspector", "{component} answers");
        if !inspected {
            assert_eq!(
                answer.json(),
                json!({ "greeting": "Good day, A of World." })
            );
        }
    }
}

/// `bootstrap invoke` of the REST API tutorial event for `path` on the hostile `wasi:http`
/// component, with a 2 s deadline: the proxy response and the log.
fn invoke_hostile(path: &str) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut event: Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-http-api.json")).unwrap();
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    let file = dir.path().join("event.json");
    std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let output = common::bootstrap()
        .args(["invoke", "--timeout", "2", "--event"])
        .arg(&file)
        .arg("--component")
        .arg(common::component("hostile-wasi-http"))
        .output()
        .unwrap();
    assert!(
        started.elapsed().as_secs() < 5,
        "{path} took {:?}",
        started.elapsed()
    );
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{path}: {log}");
    (serde_json::from_slice(&output.stdout).unwrap(), log)
}

#[test]
fn wasi_http_failures_get_their_status_from_the_failure_policy() {
    for (path, status, logged) in [
        ("/ok", 200, ""),
        ("/no-response", 500, "returned without setting its response"),
        ("/over-content-length", 500, "response body failed"),
        ("/trap-mid-body", 500, "trapped"),
        ("/stream-forever", 504, "deadline"),
    ] {
        let (response, log) = invoke_hostile(path);
        assert_eq!(response["statusCode"], status, "{path}: {response} {log}");
        assert!(log.contains(logged), "{path} logs {logged:?}: {log}");
    }
}

#[test]
fn set_cookie_goes_to_the_cookie_channel_and_outgoing_requests_are_refused() {
    let (response, _) = invoke_hostile("/cookies");
    assert_eq!(
        response["cookies"],
        json!(["a=1; Path=/", "b=2"]),
        "{response}"
    );
    assert_eq!(response["headers"]["x-kept"], "yes");
    assert!(
        response["headers"].get("set-cookie").is_none(),
        "{response}"
    );

    let (response, _) = invoke_hostile("/outbound");
    assert_eq!(
        response["body"], "Err(\"ErrorCode::HttpRequestDenied\")",
        "{response}"
    );
}

#[test]
fn a_component_of_another_world_is_refused_naming_its_exports() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::invoke(
        &common::fixture("events/tutorial-rest-api.json"),
        &common::write_other_world_component(dir.path()),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("the component exports greet"), "{stderr}");
    assert!(
        stderr.contains("wasi:http/incoming-handler@0.2.x"),
        "{stderr}"
    );
    assert!(stderr.contains("`handler` world"), "{stderr}");
}

/// A request with two `host` headers (a direct invoke can send one) names the same domain to a
/// guest of either world: the last, as the event's single-value `headers` keep it.
#[test]
fn the_last_host_header_names_the_domain_in_both_worlds() {
    let dir = tempfile::tempdir().unwrap();
    let mut event: Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-alb.json")).unwrap();
    event["path"] = json!("/authority");
    event["headers"] = Value::Null;
    event["multiValueHeaders"] = json!({ "host": ["first.example", "last.example"] });
    let event_file = dir.path().join("two-hosts.json");
    std::fs::write(&event_file, event.to_string()).unwrap();

    let wasi_http = common::invoke_json(&event_file, &common::component("hostile-wasi-http"));
    let body = wasi_http["body"].as_str().unwrap_or_default();
    assert_eq!(body, "last.example", "{wasi_http}");
    let handler = common::invoke_json(&event_file, &common::component("inspector"));
    assert_eq!(
        body_json(&handler)["context"]["domainName"],
        "last.example",
        "{handler}"
    );
}
