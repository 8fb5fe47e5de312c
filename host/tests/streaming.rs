//! Response streaming (`LAMBDA_WASM_INVOKE_MODE=response_stream`, `serve --invoke-mode
//! response_stream`): the real `bootstrap` against the Runtime API double, which records the
//! chunked request byte for byte with the time each part arrived, and `bootstrap serve` read by
//! a raw HTTP client.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::loopback::wait_up_to;
use common::runtime_api::{self, Post, Queued, RuntimeApiDouble};
use common::server::Server;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const STREAMING: (&str, &str) = ("LAMBDA_WASM_INVOKE_MODE", "response_stream");

/// The eight NUL bytes between a streamed response's prelude and its body.
const DELIMITER: &[u8] = &[0; 8];

/// The byte at `offset` of every body `hostile-stream` sends (its `pattern`).
fn pattern(offset: usize) -> u8 {
    b'a' + (offset % 26) as u8
}

/// The tutorial's event from `front_end` (`rest-api`, `function-url`, ...), asking for
/// `path` with the query `query`.
fn event(front_end: &str, path: &str, query: &[(&str, &str)]) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&common::read_fixture(&format!(
        "events/tutorial-{front_end}.json"
    )))
    .unwrap();
    let single: serde_json::Map<String, Value> = query
        .iter()
        .map(|(name, value)| ((*name).to_owned(), json!(value)))
        .collect();
    if event.get("rawPath").is_some() {
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["rawQueryString"] = json!(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish()
        );
        event["queryStringParameters"] = Value::Object(single);
        return serde_json::to_vec(&event).unwrap();
    }
    event["path"] = json!(path);
    if event["requestContext"].get("path").is_some() {
        event["requestContext"]["path"] = json!(format!("/test{path}"));
    }
    if !query.is_empty() {
        let multi = single
            .iter()
            .map(|(name, value)| (name.clone(), json!([value])))
            .collect();
        event["queryStringParameters"] = Value::Object(single);
        event["multiValueQueryStringParameters"] = Value::Object(multi);
    }
    serde_json::to_vec(&event).unwrap()
}

/// Runs `events` through one `bootstrap` running the built component `crate_name` with `env`,
/// and returns its posts (in the order the events were queued) once there is one per event and
/// it polls for the next.
async fn run(crate_name: &str, env: &[(&str, &str)], events: Vec<Queued>) -> Vec<Post> {
    let count = events.len();
    let ids: Vec<String> = events
        .iter()
        .map(|queued| queued.request_id.clone())
        .collect();
    let component = common::component(crate_name);
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue(events);
    let mut runtime = runtime_api::start_runtime(
        address,
        component.parent().unwrap(),
        component.file_name().unwrap().to_str().unwrap(),
        env,
    );
    // Loading the JavaScript component (13 MB) is compiling it: a minute on a busy machine.
    let limit = Duration::from_secs(120);
    wait_up_to(limit, "a post per event", || api.posts().len() == count).await;
    wait_up_to(limit, "the next poll", || api.polls() == count + 1).await;
    assert!(
        runtime.try_wait().unwrap().is_none(),
        "bootstrap still runs"
    );
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();
    let posts = api.posts();
    ids.iter()
        .map(|id| {
            posts
                .iter()
                .find(|post| post.request_id() == id)
                .unwrap_or_else(|| {
                    panic!(
                        "no post for {id}: {}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                })
                .clone()
        })
        .collect()
}

/// A request as it came over the wire, its chunked body taken apart.
struct Chunked {
    /// The request line and headers, lower-cased.
    head: String,
    /// Each chunk's data, as framed.
    chunks: Vec<Vec<u8>>,
    /// The trailer section, lower-cased: `name: value\r\n` lines.
    trailers: String,
}

/// Takes `wire` apart by HTTP/1.1's chunked transfer coding (RFC 9112, 7.1), checking every
/// CRLF; panics on anything else.
fn dechunk(wire: &[u8]) -> Chunked {
    let split = |bytes: &[u8], at: &[u8]| -> (usize, usize) {
        let found = bytes
            .windows(at.len())
            .position(|window| window == at)
            .unwrap_or_else(|| panic!("no {at:?} in {:?}", String::from_utf8_lossy(bytes)));
        (found, found + at.len())
    };
    let (head_end, mut at) = split(wire, b"\r\n\r\n");
    let head = String::from_utf8(wire[..head_end].to_vec())
        .unwrap()
        .to_ascii_lowercase();
    let mut chunks = Vec::new();
    loop {
        let (size_end, data_start) = split(&wire[at..], b"\r\n");
        let size = std::str::from_utf8(&wire[at..at + size_end]).unwrap();
        let size = usize::from_str_radix(size, 16).unwrap_or_else(|_| panic!("size {size:?}"));
        at += data_start;
        if size == 0 {
            break;
        }
        chunks.push(wire[at..at + size].to_vec());
        at += size;
        assert_eq!(&wire[at..at + 2], b"\r\n", "a chunk ends with CRLF");
        at += 2;
    }
    let (trailers_end, end) = split(&wire[at..], b"\r\n");
    let mut trailers = String::new();
    if trailers_end > 0 {
        let (section_end, _) = split(&wire[at..], b"\r\n\r\n");
        trailers = String::from_utf8(wire[at..at + section_end + 2].to_vec())
            .unwrap()
            .to_ascii_lowercase();
        at += section_end + 4;
    } else {
        at += end;
    }
    assert_eq!(at, wire.len(), "nothing follows the last chunk");
    Chunked {
        head,
        chunks,
        trailers,
    }
}

/// The headers every streamed response is posted with.
fn assert_streamed_post(post: &Post) {
    let header = |name: &str| post.headers.get(name).map(|value| value.to_str().unwrap());
    assert_eq!(
        post.path,
        format!(
            "/2018-06-01/runtime/invocation/{}/response",
            post.request_id()
        )
    );
    assert_eq!(
        header("lambda-runtime-function-response-mode"),
        Some("streaming")
    );
    assert_eq!(header("transfer-encoding"), Some("chunked"));
    assert_eq!(
        header("content-type"),
        Some("application/vnd.awslambda.http-integration-response")
    );
    assert_eq!(
        header("trailer"),
        Some("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
    );
    assert_eq!(header("connection"), Some("close"));
    assert!(post.headers.get("content-length").is_none());
}

/// The prelude of `post`'s body as JSON, and the body after its delimiter.
fn prelude_and_body(post: &Post) -> (Value, &[u8]) {
    let body = &post.raw_body;
    let end = body
        .windows(DELIMITER.len())
        .position(|window| window == DELIMITER)
        .unwrap_or_else(|| panic!("no delimiter in {:?}", String::from_utf8_lossy(body)));
    let prelude = serde_json::from_slice(&body[..end]).unwrap();
    (prelude, &body[end + DELIMITER.len()..])
}

/// The error type in `post`'s trailers, with the decoded error body checked against it.
fn trailer_error(post: &Post) -> Option<String> {
    let trailers = post.trailers.as_ref()?;
    let error_type = trailers["lambda-runtime-function-error-type"]
        .to_str()
        .unwrap();
    let body = base64::engine::general_purpose::STANDARD
        .decode(trailers["lambda-runtime-function-error-body"].as_bytes())
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errorType"], error_type, "{body}");
    assert!(body["errorMessage"].is_string(), "{body}");
    Some(error_type.to_owned())
}

/// When the body byte at `offset` arrived.
fn arrival_of(post: &Post, offset: usize) -> Instant {
    let mut end = 0;
    for (arrived, length) in &post.chunks {
        end += length;
        if offset < end {
            return *arrived;
        }
    }
    panic!("the body has no byte {offset}")
}

#[tokio::test]
async fn a_stream_is_posted_as_the_http_integration_response_byte_for_byte() {
    let query = [("part", "40000")];
    let posts = run(
        "hostile-stream",
        &[STREAMING],
        vec![
            Queued::new("url", event("function-url", "/bytes/100000", &query)),
            Queued::new("rest", event("rest-api", "/bytes/100000", &query)),
        ],
    )
    .await;
    let preludes = [
        r#"{"statusCode":200,"headers":{"content-type":"text/plain; charset=utf-8"},"cookies":[]}"#,
        r#"{"statusCode":200,"headers":{"content-type":"text/plain; charset=utf-8"},"multiValueHeaders":{}}"#,
    ];
    for (post, prelude) in posts.iter().zip(preludes) {
        assert_streamed_post(post);
        let mut expected = prelude.as_bytes().to_vec();
        expected.extend_from_slice(DELIMITER);
        expected.extend((0..100_000).map(pattern));
        assert_eq!(post.raw_body, expected, "{}", post.request_id());
        assert!(post.trailers.is_none());

        // On the wire: the prelude its own chunk, then a chunk per part the guest wrote, then
        // the last chunk with no trailers.
        let wire = dechunk(&post.wire);
        assert!(
            wire.head.starts_with(&format!(
                "post /2018-06-01/runtime/invocation/{}/response http/1.1\r\n",
                post.request_id()
            )),
            "{}",
            wire.head
        );
        assert!(
            wire.head.contains("\r\ntransfer-encoding: chunked"),
            "{}",
            wire.head
        );
        assert_eq!(wire.chunks.concat(), expected);
        let sizes: Vec<usize> = wire.chunks.iter().map(Vec::len).collect();
        assert_eq!(sizes, [prelude.len() + 8, 40_000, 40_000, 20_000]);
        assert_eq!(wire.trailers, "");
    }
}

#[tokio::test]
async fn the_first_part_arrives_while_the_guest_is_still_writing() {
    /// A guest that writes its first part, waits, and writes `last` in its last part.
    struct Slow {
        component: &'static str,
        path: &'static str,
        query: [(&'static str, &'static str); 2],
        last: &'static [u8],
    }
    let greeting = [("pause_ms", "300"), ("name", "John")];
    let cases = [
        Slow {
            component: "clock",
            path: "/clock",
            query: [("ticks", "2"), ("interval_ms", "1500")],
            last: b"id: 2",
        },
        Slow {
            component: "wstd-hello",
            path: "/helloworld/stream",
            query: greeting,
            last: b"Thursday!",
        },
        Slow {
            component: "js-hello",
            path: "/helloworld/stream",
            query: greeting,
            last: b"Thursday!",
        },
    ];
    for Slow {
        component,
        path,
        query,
        last,
    } in cases
    {
        let posts = run(
            component,
            &[STREAMING],
            vec![Queued::new("url", event("function-url", path, &query))],
        )
        .await;
        let post = &posts[0];
        assert_streamed_post(post);
        let (prelude, body) = prelude_and_body(post);
        assert_eq!(prelude["statusCode"], 200, "{component}");
        let body_start = post.raw_body.len() - body.len();
        let last_at = body_start
            + body
                .windows(last.len())
                .position(|window| window == last)
                .unwrap_or_else(|| panic!("{component}: {}", String::from_utf8_lossy(body)));
        // The guest pauses 1.5 s between its two ticks, 0.3 s between each of the greeting's
        // six words: the first part is out well before the last is written.
        let spread = arrival_of(post, last_at) - arrival_of(post, body_start);
        assert!(
            spread >= Duration::from_millis(750),
            "{component}: the first and last parts arrived {spread:?} apart"
        );
        assert!(post.trailers.is_none(), "{component}");
    }
}

#[tokio::test]
async fn a_failure_mid_stream_is_in_the_trailers_and_the_next_invocation_is_served() {
    let big = [("part", "65536")];
    let short = |id: &str, path: &str| Queued {
        timeout: Duration::from_secs(2),
        ..Queued::new(id, event("rest-api", path, &big))
    };
    let posts = run(
        "hostile-stream",
        &[STREAMING],
        vec![
            Queued::new("trap", event("function-url", "/trap-after/3000000", &big)),
            Queued::new("error", event("rest-api", "/error-after/3000000", &big)),
            short("hang", "/hang-after/1000"),
            Queued::new("ok", event("function-url", "/ok", &[])),
        ],
    )
    .await;
    let expected = [
        ("trap", "Runtime.GuestTrap"),
        ("error", "Runtime.HandlerError"),
        ("hang", "Runtime.DeadlineExceeded"),
    ];
    for (post, (id, error_type)) in posts.iter().zip(expected) {
        assert_streamed_post(post);
        let (prelude, body) = prelude_and_body(post);
        assert_eq!(prelude["statusCode"], 200, "{id}: the head went out first");
        assert!(
            body.iter()
                .enumerate()
                .all(|(offset, byte)| *byte == pattern(offset)),
            "{id}: what came is the start of the body"
        );
        assert_eq!(trailer_error(post).as_deref(), Some(error_type), "{id}");
        // On the wire, the trailers follow the last chunk.
        let wire = dechunk(&post.wire);
        assert!(
            wire.trailers.starts_with(&format!(
                "lambda-runtime-function-error-type: {}\r\nlambda-runtime-function-error-body: ",
                error_type.to_ascii_lowercase()
            )),
            "{id}: {:?}",
            wire.trailers
        );
    }
    let (prelude, body) = prelude_and_body(&posts[3]);
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(body, b"ok");
    assert!(posts[3].trailers.is_none());
}

#[tokio::test]
async fn a_wasi_http_guest_still_writing_at_its_deadline_ends_its_stream_in_the_trailers() {
    let forever = Queued {
        timeout: Duration::from_secs(2),
        ..Queued::new("forever", event("function-url", "/stream-forever", &[]))
    };
    let posts = run(
        "hostile-wasi-http",
        &[STREAMING],
        vec![
            forever,
            Queued::new("ok", event("function-url", "/ok", &[])),
        ],
    )
    .await;
    assert_streamed_post(&posts[0]);
    let (prelude, _) = prelude_and_body(&posts[0]);
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(
        trailer_error(&posts[0]).as_deref(),
        Some("Runtime.DeadlineExceeded")
    );
    assert!(
        posts[0].finished - posts[0].answered < Duration::from_secs(3),
        "stopped at its deadline"
    );
    let (_, body) = prelude_and_body(&posts[1]);
    assert_eq!(body, b"ok");
}

#[tokio::test]
async fn eight_megabytes_stream_past_the_six_megabyte_buffered_limit() {
    const SIZE: usize = 8 << 20;
    let path = format!("/bytes/{SIZE}");
    let streamed = run(
        "hostile-stream",
        &[STREAMING],
        vec![Queued::new("big", event("function-url", &path, &[]))],
    )
    .await;
    let (prelude, body) = prelude_and_body(&streamed[0]);
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(body.len(), SIZE);
    assert!(
        body.iter()
            .enumerate()
            .all(|(offset, byte)| *byte == pattern(offset))
    );
    assert!(streamed[0].trailers.is_none());

    // Buffered, the same response is over Lambda's 6 MB.
    let buffered = run(
        "hostile-stream",
        &[],
        vec![Queued::new("big", event("function-url", &path, &[]))],
    )
    .await;
    assert!(
        buffered[0]
            .headers
            .get("lambda-runtime-function-response-mode")
            .is_none()
    );
    assert_eq!(buffered[0].body["statusCode"], 502);
}

#[tokio::test]
async fn a_stream_past_200_megabytes_is_cut_there_and_says_so_in_its_trailers() {
    let posts = run(
        "hostile-stream",
        &[STREAMING],
        vec![
            Queued::new(
                "huge",
                event("function-url", "/bytes/300000000", &[("part", "1048576")]),
            ),
            Queued::new("ok", event("function-url", "/ok", &[])),
        ],
    )
    .await;
    let huge = &posts[0];
    assert!(
        huge.body_len <= 200_000_000 && huge.body_len > 190_000_000,
        "{} bytes went out",
        huge.body_len
    );
    assert_eq!(
        trailer_error(huge).as_deref(),
        Some("Runtime.ResponseTooLarge")
    );
    let (_, body) = prelude_and_body(&posts[1]);
    assert_eq!(body, b"ok");
}

#[tokio::test]
async fn every_answer_to_a_front_end_that_streams_is_streamed_and_the_others_are_buffered() {
    let posts = run(
        "hostile-stream",
        &[STREAMING],
        vec![
            Queued::new("before", event("function-url", "/error-before", &[])),
            Queued::new(
                "base64",
                common::read_fixture("events/rest-api-invalid-base64.json"),
            ),
            Queued::new("http-api", event("http-api", "/ok", &[])),
            Queued::new("alb", event("alb", "/ok", &[])),
            Queued::new(
                "sqs",
                common::read_fixture("events/not-a-proxy-event-sqs.json"),
            ),
        ],
    )
    .await;
    // An error before the response started: API Gateway's JSON, streamed with its status.
    for (post, status, message) in [
        (&posts[0], 500, "Internal Server Error"),
        (&posts[1], 400, "The request body is not valid base64."),
    ] {
        assert_streamed_post(post);
        let (prelude, body) = prelude_and_body(post);
        assert_eq!(prelude["statusCode"], status, "{}", post.request_id());
        assert_eq!(prelude["headers"]["content-type"], "application/json");
        assert_eq!(
            serde_json::from_slice::<Value>(body).unwrap(),
            json!({ "message": message })
        );
        assert!(post.trailers.is_none());
    }
    // An HTTP API and an ALB cannot stream: the whole proxy response JSON.
    for post in &posts[2..4] {
        assert!(
            post.headers
                .get("lambda-runtime-function-response-mode")
                .is_none()
        );
        assert_eq!(post.body["statusCode"], 200, "{}", post.request_id());
        assert_eq!(post.body["body"], "ok");
    }
    // Not a proxy event: the invocation fails, as in buffered mode.
    assert_eq!(posts[4].path, "/2018-06-01/runtime/invocation/sqs/error");
    assert_eq!(posts[4].body["errorType"], "UnsupportedEvent");
}

#[tokio::test]
async fn a_component_that_answers_whole_is_streamed_as_its_prelude_and_body() {
    for component in ["hello-world", "inspector"] {
        let posts = run(
            component,
            &[STREAMING],
            vec![Queued::new(
                "url",
                event("function-url", "/helloworld", &[("name", "John")]),
            )],
        )
        .await;
        assert_streamed_post(&posts[0]);
        let (prelude, body) = prelude_and_body(&posts[0]);
        assert_eq!(prelude["statusCode"], 200, "{component}");
        assert_eq!(prelude["cookies"], json!([]), "{component}");
        let body: Value = serde_json::from_slice(body).unwrap();
        assert!(body.is_object(), "{component}: {body}");
    }
}

/// What a raw HTTP/1.1 client read from `serve`: every byte, and when each read returned.
struct Read {
    bytes: Vec<u8>,
    reads: Vec<(Instant, usize)>,
}

impl Read {
    /// When the first byte of `needle` arrived.
    fn arrival_of(&self, needle: &[u8]) -> Instant {
        let offset = self
            .bytes
            .windows(needle.len())
            .position(|window| window == needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {}", String::from_utf8_lossy(&self.bytes)));
        let mut end = 0;
        for (arrived, length) in &self.reads {
            end += length;
            if offset < end {
                return *arrived;
            }
        }
        unreachable!()
    }
}

/// `GET path` on `server` over a fresh connection, read until the server closes it.
async fn raw_get(server: &Server, path: &str) -> Read {
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let (mut bytes, mut reads, mut buffer) = (Vec::new(), Vec::new(), vec![0; 64 << 10]);
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                reads.push((Instant::now(), read));
                bytes.extend_from_slice(&buffer[..read]);
            }
        }
    }
    Read { bytes, reads }
}

#[tokio::test]
async fn serve_sends_the_first_part_long_before_the_third() {
    let streaming = ["--invoke-mode", "response_stream"];
    let clock = Server::start(&common::component("clock"), &streaming);
    let read = raw_get(&clock, "/clock?ticks=3&interval_ms=1500").await;
    let text = String::from_utf8_lossy(&read.bytes).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200 ok\r\n"), "{text}");
    assert!(
        text.contains("\r\ntransfer-encoding: chunked\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\ncontent-type: text/event-stream\r\n"),
        "{text}"
    );
    let spread = read.arrival_of(b"id: 3") - read.arrival_of(b"id: 1");
    assert!(
        spread >= Duration::from_millis(2000),
        "ticks 1 and 3 arrived {spread:?} apart"
    );
    assert!(
        read.bytes.ends_with(b"\r\n0\r\n\r\n"),
        "the body ends whole"
    );

    let greeting = Server::start(&common::component("wstd-hello"), &streaming);
    let read = raw_get(&greeting, "/helloworld/stream?pause_ms=400&name=John").await;
    let spread = read.arrival_of(b"John") - read.arrival_of(b"Good");
    assert!(
        spread >= Duration::from_millis(600),
        "words arrived {spread:?} apart"
    );

    // Buffered, the client waits for the whole body.
    let buffered = Server::start(&common::component("clock"), &[]);
    let read = raw_get(&buffered, "/clock?ticks=3&interval_ms=400").await;
    let together = read.arrival_of(b"id: 3") - read.arrival_of(b"id: 1");
    assert!(together < Duration::from_millis(400), "{together:?}");
}

#[tokio::test]
async fn serve_cuts_off_a_stream_that_fails_and_serves_the_next_request() {
    let server = Server::start(
        &common::component("hostile-stream"),
        &["--invoke-mode", "response_stream"],
    );
    let read = raw_get(&server, "/trap-after/3000000?part=65536").await;
    let text =
        String::from_utf8_lossy(&read.bytes[..200.min(read.bytes.len())]).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200 ok\r\n"), "{text}");
    assert!(
        !read.bytes.ends_with(b"\r\n0\r\n\r\n"),
        "a failed stream is cut off before its last chunk, which a client reports"
    );
    server.wait_for_log("Runtime.GuestTrap").await;
    let read = raw_get(&server, "/ok").await;
    assert!(
        read.bytes.ends_with(b"\r\n2\r\nok\r\n0\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&read.bytes)
    );
}

#[tokio::test]
async fn serve_streams_the_routes_the_template_says_stream() {
    // template.yaml's clock route: `ResponseTransferMode: RESPONSE_STREAM`, no --invoke-mode.
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let server = Server::start(
        &common::component("clock"),
        &["--routes", template, "--function", "ClockFunction"],
    );
    // Ticks far apart: a reader held up by a busy machine still sees them apart.
    let read = raw_get(&server, "/clock?ticks=2&interval_ms=2500").await;
    let spread = read.arrival_of(b"id: 2") - read.arrival_of(b"id: 1");
    assert!(
        spread >= Duration::from_millis(1500),
        "ticks arrived {spread:?} apart"
    );
}

#[tokio::test]
async fn an_invalid_head_is_a_502_before_anything_is_streamed() {
    // hostile-bad-status answers status 600.
    let posts = run(
        "hostile-bad-status",
        &[STREAMING],
        vec![Queued::new("bad", event("function-url", "/bad", &[]))],
    )
    .await;
    assert_streamed_post(&posts[0]);
    let (prelude, body) = prelude_and_body(&posts[0]);
    assert_eq!(prelude["statusCode"], 502);
    assert_eq!(
        serde_json::from_slice::<Value>(body).unwrap(),
        json!({ "message": "Bad Gateway" })
    );
}

#[tokio::test]
async fn serve_stops_a_guest_whose_client_went_away_and_serves_the_next_request() {
    let server = Server::start(
        &common::component("hostile-stream"),
        &["--invoke-mode", "response_stream"],
    );
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /bytes/150000000 HTTP/1.1\r\nhost: local\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0; 1 << 20];
    let mut read = 0;
    while read < 1 << 20 {
        read += stream.read(&mut buffer).await.unwrap();
    }
    drop(stream);
    server
        .wait_for_log("the response's reader went away while the guest was still writing it")
        .await;
    let read = raw_get(&server, "/ok").await;
    assert!(
        read.bytes.ends_with(b"\r\n2\r\nok\r\n0\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&read.bytes)
    );
}
