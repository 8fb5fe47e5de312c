//! `bootstrap serve`: the real binary on a free port, called with a real HTTP client.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::time::Duration;

use std::sync::Arc;

use common::server::Server;
use serde_json::json;

const GREETING: &str = "Good evening, John of Seattle. Happy Thursday!";

#[tokio::test]
async fn tutorial_requests_in_rest_api_and_http_api_modes() {
    for payload in ["v1", "v2"] {
        let server = Server::start(&common::component("hello-world"), &["--payload", payload]);
        let post = server.tutorial_post().await;
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
async fn encoded_paths_reach_the_function_as_each_api_sends_them() {
    let template = common::fixture("routes-template.yaml");
    let template = template.to_str().unwrap();
    let wire = "two%20words%2Fcaf%C3%A9";

    // An HTTP API decodes `rawPath`, `http.path` and the path parameters; it routed on the
    // encoded path, so the `%2F` stayed inside `{id}`.
    let server = Server::start(
        &common::component("inspector"),
        &["--routes", template, "--payload", "v2"],
    );
    let seen = server.get(&format!("/items/{wire}")).await.json();
    assert_eq!(seen["pathParameters"], json!([["id", "two words/café"]]));
    assert_eq!(seen["rawPath"], "/items/two words/café");
    assert_eq!(seen["path"], "/items/two words%2Fcafé");

    // A REST API passes them on encoded; the contract's path and parameters are the same.
    let server = Server::start(&common::component("inspector"), &["--routes", template]);
    let seen = server.get(&format!("/users/{wire}")).await.json();
    assert_eq!(
        seen["pathParameters"],
        json!([["userId", "two words/café"]])
    );
    assert_eq!(seen["rawPath"], format!("/Prod/users/{wire}"));
    assert_eq!(seen["path"], "/users/two words%2Fcafé");
}

#[tokio::test]
async fn a_rebuilt_component_is_picked_up_and_a_broken_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.wasm");
    std::fs::copy(common::component("hello-world"), &handler).unwrap();
    let server = Server::start(&handler, &[]);
    assert_eq!(
        server.tutorial_post().await.json(),
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

fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_connection_that_stalls_in_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = Server::start(&common::component("hello-world"), &[]);
    let mut stream = tokio::net::TcpStream::connect(address(&server))
        .await
        .unwrap();
    stream
        .write_all(b"GET /helloworld HTTP/1.1\r\nHost: localhost\r\nX-Half")
        .await
        .unwrap();
    let mut rest = Vec::new();
    // The server's limit is 5 s; the bound is generous, but a held connection never ends.
    let closed = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 30 s");
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "no response to half a request"
    );
    assert_eq!(server.get("/helloworld").await.status, 200, "still serving");
}

#[tokio::test]
async fn running_out_of_file_descriptors_backs_off_and_recovers() {
    let server = Server::start_with_fd_limit(&common::component("hello-world"), &[], 64);
    assert_eq!(server.get("/helloworld").await.status, 200);
    // More connections than the server has descriptors: the extra ones wait in the backlog,
    // and every accept fails until some close.
    let address = address(&server);
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(std::net::TcpStream::connect(&address).unwrap());
    }
    server.wait_for_log("accepting a connection failed").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = server.log();
    let failures = log.matches("accepting a connection failed").count();
    assert!(
        failures <= 3,
        "{failures} log lines in 3 s: the errors are rate-limited\n{}",
        &log[log.len().saturating_sub(2000)..]
    );
    assert!(
        log.len() < 100_000,
        "the log stays small: {} bytes",
        log.len()
    );
    drop(held);
    let answer = tokio::time::timeout(Duration::from_secs(20), server.get("/helloworld"))
        .await
        .expect("the server answers again once connections close");
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn spinning_guests_do_not_hold_up_other_requests() {
    let server = Arc::new(Server::start(
        &common::component("hostile-loop"),
        &["--timeout", "3"],
    ));
    // More spinning guests than the server has worker threads (one per core).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinners = (4 * cores).max(8);
    let started = std::time::Instant::now();
    let spinning: Vec<_> = (0..spinners)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                let status = server.get("/spin").await.status;
                (status, started.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = std::time::Instant::now();
    let ok = server.get("/ok").await;
    let waited = asked.elapsed();
    assert_eq!(ok.status, 200);
    // Starved, it waits for spinners to reach their 2.75 s budget; served, it takes milliseconds.
    assert!(
        waited < Duration::from_millis(1500),
        "a quick request waited {waited:?} behind {spinners} spinning guests"
    );
    for spinner in spinning {
        let (status, elapsed) = spinner.await.unwrap();
        assert_eq!(status, 504);
        // Run side by side they all stop at their deadline; one worker after another, they
        // would take several times that.
        assert!(
            elapsed < Duration::from_secs(6),
            "a spinning guest was stopped after {elapsed:?}, not at its 3 s deadline"
        );
    }
}

#[tokio::test]
async fn requests_beyond_the_instance_pool_wait_for_a_slot() {
    let server = Arc::new(Server::start_with_env(
        &common::component("hostile-sleep"),
        &["--timeout", "4"],
        &[("NO_COLOR", "1")],
    ));
    // `serve`'s pool has 256 slots: fill them all with guests that sleep until their deadline.
    let sleepers: Vec<_> = (0..256)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.get("/sleep").await.status })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting: Vec<_> = (0..8)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move { server.get("/ok").await.status })
        })
        .collect();
    for request in waiting {
        assert_eq!(request.await.unwrap(), 200, "a slot came free in time");
    }
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap(), 504);
    }
    let log = server.log();
    assert!(!log.contains("trapped"), "{}", &log[..log.len().min(3000)]);
}

fn repo_template() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rest_api_sends_binary_only_for_its_binary_media_types() {
    let template = common::fixture("binary-cors-template.yaml");
    let server = Server::start(
        &common::component("echo"),
        &["--routes", template.to_str().unwrap()],
    );
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0xff, 0x00];
    // A binary media type goes base64 both ways: the bytes come back as sent.
    let answer = server
        .send(
            "POST",
            "/echo",
            &[("content-type", "image/png"), ("accept", "image/png")],
            png,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, png);
    // The same response to a request that does not accept image/png first: the base64 text.
    let answer = server
        .send(
            "POST",
            "/echo",
            &[
                ("content-type", "image/png"),
                ("accept", "text/html, image/png"),
            ],
            png,
        )
        .await;
    assert_eq!(answer.body, b"iVBOR/8A");
    // Another content type is text: bytes that are not UTF-8 do not survive it.
    let answer = server
        .send(
            "POST",
            "/echo",
            &[
                ("content-type", "application/octet-stream"),
                ("accept", "image/png"),
            ],
            &[b'o', b'k', 0xff],
        )
        .await;
    assert_eq!(answer.body, "ok\u{fffd}".as_bytes());
}

#[tokio::test]
async fn the_projects_template_makes_every_body_binary_on_its_rest_apis() {
    let server = Server::start(
        &common::component("echo"),
        &[
            "--routes",
            &repo_template(),
            "--function",
            "HelloWorldFunction",
        ],
    );
    let binary: Vec<u8> = (0..=255).collect();
    for accept in [None, Some("text/html"), Some("*/*")] {
        let mut headers = vec![("content-type", "application/octet-stream")];
        headers.extend(accept.map(|accept| ("accept", accept)));
        let answer = server.send("POST", "/helloworld", &headers, &binary).await;
        assert_eq!(answer.status, 200, "{accept:?}");
        assert_eq!(answer.body, binary, "Accept {accept:?}: the bytes as sent");
    }
}

#[tokio::test]
async fn preflights_are_answered_as_the_templates_cors_says() {
    let server = Server::start(
        &common::component("users"),
        &["--routes", &repo_template(), "--function", "UsersFunction"],
    );
    let preflight = server
        .send(
            "OPTIONS",
            "/users/42",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "GET"),
            ],
            b"",
        )
        .await;
    assert_eq!(preflight.status, 200, "a REST API's CORS mock answers 200");
    assert_eq!(preflight.headers["access-control-allow-origin"], "*");
    assert_eq!(
        preflight.headers["access-control-allow-methods"],
        "GET,POST,PUT,DELETE,OPTIONS"
    );
    assert_eq!(
        preflight.headers["access-control-allow-headers"],
        "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
    );
    assert!(preflight.body.is_empty());
    assert_eq!(
        server.send("OPTIONS", "/nowhere", &[], b"").await.status,
        403,
        "no preflight where the API has no resource"
    );

    let template = common::fixture("binary-cors-template.yaml");
    let server = Server::start(
        &common::component("inspector"),
        &["--routes", template.to_str().unwrap(), "--payload", "v2"],
    );
    let allowed = [("origin", "https://app.example.com")];
    let preflight = server.send("OPTIONS", "/anywhere", &allowed, b"").await;
    assert_eq!(
        preflight.status, 204,
        "an HTTP API answers 204, on any path"
    );
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        preflight.headers["access-control-allow-methods"],
        "GET,POST"
    );
    assert_eq!(preflight.headers["access-control-max-age"], "600");
    let other = [("origin", "https://evil.example")];
    let refused = server.send("OPTIONS", "/echo", &other, b"").await;
    assert_eq!(refused.status, 204);
    assert!(refused.headers.get("access-control-allow-origin").is_none());

    // An HTTP API also puts its CORS headers on the function's responses.
    let answer = server.send("GET", "/echo", &allowed, b"").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        answer.headers["access-control-expose-headers"],
        "x-inspected-by"
    );
    let answer = server.send("GET", "/echo", &other, b"").await;
    assert!(answer.headers.get("access-control-allow-origin").is_none());
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
    let answer = server.tutorial_post().await;
    assert_eq!(answer.status, 200, "the next request is served");
}
