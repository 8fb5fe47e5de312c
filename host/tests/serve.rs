//! `bootstrap serve`: the real binary on a free port, called with a real HTTP client.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::time::Duration;

use std::sync::Arc;

use common::server::{Answer, Server};
use serde_json::json;

const GREETING: &str = "Good evening, John of Seattle. Happy Thursday!";

async fn tutorial_post(server: &Server) -> Answer {
    server
        .send(
            "POST",
            "/helloworld?name=John&city=Seattle",
            &[("content-type", "application/json"), ("day", "Thursday")],
            br#"{ "time": "evening" }"#,
        )
        .await
}

#[tokio::test]
async fn tutorial_requests_in_rest_api_and_http_api_modes() {
    for payload in ["v1", "v2"] {
        let server = Server::start(&common::component("hello-world"), &["--payload", payload]);
        let post = tutorial_post(&server).await;
        assert_eq!(post.status, 200, "{payload}");
        assert_eq!(
            post.headers["content-type"], "application/json",
            "{payload}"
        );
        assert_eq!(
            post.headers["content-length"],
            post.body.len().to_string().as_str(),
            "{payload}"
        );
        assert_eq!(post.json(), json!({ "greeting": GREETING }), "{payload}");

        let get = server.get("/helloworld?name=John&city=Seattle").await;
        assert_eq!(
            get.json(),
            json!({ "greeting": "Good day, John of Seattle." }),
            "{payload}"
        );
    }
}

#[tokio::test]
async fn events_are_shaped_as_api_gateway_sends_them() {
    let server = Server::start(
        &common::component("inspector"),
        &["--payload", "v2", "--stage", "prod"],
    );
    let seen = server
        .send(
            "POST",
            "/a/b?x=1&x=2",
            &[("cookie", "s=1; t=2"), ("x-h", "v")],
            b"hi",
        )
        .await
        .json();
    assert_eq!(seen["context"]["source"], "http-api");
    assert_eq!(seen["context"]["route"], "$default");
    assert_eq!(seen["context"]["stage"], "prod");
    assert_eq!(seen["path"], "/a/b", "the stage is stripped again");
    assert_eq!(seen["rawPath"], "/prod/a/b");
    assert_eq!(seen["query"], json!([["x", "1"], ["x", "2"]]));
    assert_eq!(seen["cookies"], json!(["s=1", "t=2"]));
    assert_eq!(seen["body"], json!({ "text": "hi" }));
    assert_eq!(seen["context"]["sourceIp"], "127.0.0.1");

    let server = Server::start(&common::component("inspector"), &[]);
    let seen = server
        .send("PUT", "/a/b", &[("cookie", "s=1")], b"")
        .await
        .json();
    assert_eq!(seen["context"]["source"], "rest-api");
    assert_eq!(seen["context"]["route"], "/{proxy+}");
    assert_eq!(seen["context"]["stage"], "Prod");
    assert_eq!(seen["pathParameters"], json!([["proxy", "a/b"]]));
    assert_eq!(seen["rawPath"], "/Prod/a/b");
}

#[tokio::test]
async fn binary_bodies_and_cookies_arrive_as_sent() {
    let binary: Vec<u8> = (0..=255).collect();
    for payload in ["v1", "v2"] {
        let server = Server::start(&common::component("echo"), &["--payload", payload]);
        let answer = server
            .send(
                "POST",
                "/echo?set-cookie=a%3D1%3B%20Path%3D%2F&set-cookie=b%3D2%3B%20Expires%3DWed%2C%2021%20Oct%202026%2007%3A28%3A00%20GMT",
                &[("content-type", "application/octet-stream")],
                &binary,
            )
            .await;
        assert_eq!(answer.status, 200, "{payload}");
        assert_eq!(answer.body, binary, "{payload}: the original bytes");
        assert_eq!(answer.headers["content-length"], "256", "{payload}");
        let cookies: Vec<&str> = answer
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            cookies,
            ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"],
            "{payload}"
        );
    }
}

#[tokio::test]
async fn template_routes_give_path_parameters_and_unmatched_routes_answer_as_api_gateway() {
    let template = common::fixture("routes-template.yaml");
    let template = template.to_str().unwrap();
    let server = Server::start(&common::component("inspector"), &["--routes", template]);
    let seen = server.get("/users/42").await.json();
    assert_eq!(seen["pathParameters"], json!([["userId", "42"]]));
    assert_eq!(seen["context"]["route"], "/users/{userId}");
    let seen = server
        .send("DELETE", "/files/a/b.txt", &[], b"")
        .await
        .json();
    assert_eq!(seen["pathParameters"], json!([["proxy", "a/b.txt"]]));

    for (method, path) in [("GET", "/nowhere"), ("DELETE", "/users/42")] {
        let answer = server.send(method, path, &[], b"").await;
        assert_eq!(answer.status, 403, "{method} {path}");
        assert_eq!(
            answer.json(),
            json!({ "message": "Missing Authentication Token" })
        );
    }

    let server = Server::start(
        &common::component("inspector"),
        &["--routes", template, "--payload", "v2"],
    );
    let seen = server.get("/items/7").await.json();
    assert_eq!(seen["pathParameters"], json!([["id", "7"]]));
    assert_eq!(seen["context"]["route"], "GET /items/{id}");
    let answer = server.get("/users/42").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json(), json!({ "message": "Not Found" }));
}

#[tokio::test]
async fn a_rebuilt_component_is_picked_up_and_a_broken_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.wasm");
    std::fs::copy(common::component("hello-world"), &handler).unwrap();
    let server = Server::start(&handler, &[]);
    assert_eq!(
        tutorial_post(&server).await.json(),
        json!({ "greeting": GREETING })
    );

    // Replace the file as a build would: write beside it, then rename over it.
    let staged = dir.path().join("handler.wasm.tmp");
    std::fs::copy(common::component("inspector"), &staged).unwrap();
    std::fs::rename(&staged, &handler).unwrap();
    server.wait_for_log("reloaded the component").await;
    let answer = server.get("/helloworld").await;
    assert_eq!(answer.headers["x-inspected-by"], "inspector");

    std::fs::write(&handler, b"this is not a component").unwrap();
    server.wait_for_log("refused the changed component").await;
    let answer = server.get("/still-here").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["path"],
        "/still-here",
        "the previous component keeps answering"
    );
}

#[tokio::test]
async fn a_hundred_concurrent_requests_are_all_answered() {
    let server = Arc::new(Server::start(&common::component("hello-world"), &[]));
    let requests = (0..100).map(|n| {
        let server = server.clone();
        tokio::spawn(async move {
            let answer = server.get(&format!("/helloworld?name=caller{n}")).await;
            (n, answer.status, answer.json())
        })
    });
    for request in requests.collect::<Vec<_>>() {
        let (n, status, body) = request.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({ "greeting": format!("Good day, caller{n} of World.") })
        );
    }
}

#[tokio::test]
async fn ctrl_c_stops_the_server_cleanly() {
    let mut server = Server::start(&common::component("hello-world"), &[]);
    assert_eq!(server.get("/").await.status, 200);
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let mut status = None;
    for _ in 0..100 {
        status = server.child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(status.expect("bootstrap serve exits on Ctrl-C").success());
}

#[tokio::test]
async fn each_request_is_one_log_line_whether_the_function_ran_or_not() {
    let template = common::fixture("routes-template.yaml");
    let server = Server::start_with_env(
        &common::component("inspector"),
        &["--routes", template.to_str().unwrap()],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(server.get("/users/42").await.status, 200);
    assert_eq!(server.get("/users/7").await.status, 200);
    assert_eq!(server.get("/nowhere").await.status, 403);
    server.wait_for_log("answered by the gateway").await;
    // The inspector logs nothing itself: every line after the start is a request's.
    let log = server.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("/users/") || line.contains("/nowhere"))
        .collect();
    assert_eq!(lines.len(), 3, "{log}");
    for (line, (path, status)) in
        lines
            .iter()
            .zip([("/users/42", 200), ("/users/7", 200), ("/nowhere", 403)])
    {
        assert!(line.contains(&format!("path={path}")), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains("method=GET"), "{line}");
    }
    for field in [
        "route=\"/users/{userId}\"",
        "source=\"REST API\"",
        "apigw_request_id=",
        "total_us=",
    ] {
        assert!(lines[0].contains(field), "{field} in {}", lines[0]);
    }
}

#[tokio::test]
async fn headers_or_a_url_over_the_gateways_caps_are_refused_before_the_function_runs() {
    let server = Server::start(&common::component("hello-world"), &["--payload", "v2"]);
    let big = "v".repeat(17_000);
    let answer = server.send("GET", "/hello", &[("x-big", &big)], b"").await;
    assert_eq!(answer.status, 431);
    assert_eq!(
        answer.json(),
        json!({ "message": "Request Header Fields Too Large" })
    );
    let query = format!("/hello?q={}", "a".repeat(11_000));
    let answer = server.get(&query).await;
    assert_eq!(answer.status, 414);
    assert_eq!(answer.json(), json!({ "message": "Request-URI Too Long" }));
    server
        .wait_for_log("answered by the gateway: Request Header Fields Too Large")
        .await;
    let answer = tutorial_post(&server).await;
    assert_eq!(answer.status, 200, "the next request is served");
}
