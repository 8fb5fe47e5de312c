//! Outbound HTTP from a guest (guest/hostile/outbound-probe) through the real `bootstrap`: the
//! allowlist, the always-refused addresses, the per-invocation caps, the deadline, HTTPS with an
//! operator's root, and SigV4 signing with credentials from the environment or the SDK chain,
//! checked by a recording HTTP(S) server on 127.0.0.1. Each refusal is a `wasi:http` error
//! code the probe reports, with one log line, and the same host serves the next request.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::runtime_api::{self, Queued, RuntimeApiDouble};
use common::server::Server;

const PROBE: &str = "hostile-outbound-probe";
/// Requests run with a 2 s deadline (less the 250 ms margin); nothing may take much longer.
const DEADLINE_ARGS: [&str; 2] = ["--timeout", "2"];
const BOUND: Duration = Duration::from_secs(5);

/// The function's credentials and region, as Lambda sets them.
const SIGNING: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "AKIDOUTBOUNDTEST"),
    ("AWS_SECRET_ACCESS_KEY", "host-secret-key"),
    ("AWS_SESSION_TOKEN", "host-session-token"),
    ("AWS_REGION", "eu-west-3"),
];

/// `env` and the function's credentials and region.
fn signing_with<'a>(env: &[(&'a str, String)]) -> Vec<(&'a str, String)> {
    let signing = SIGNING.map(|(name, value)| (name, value.to_owned()));
    env.iter().cloned().chain(signing).collect()
}

/// One request the backend received: its request line and its headers, names in lower case.
#[derive(Debug, Clone)]
struct Recorded {
    line: String,
    headers: Vec<(String, String)>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 server on 127.0.0.1, plain or over TLS, that records what it receives (reading a
/// request body of either framing). `/slow` answers after 10 s; `/bytes/N` answers N bytes
/// (`/chunked/N` the same without a length, `/truncated/N` half of them and hangs up);
/// `/redirect` sends the client to plain-HTTP DynamoDB; anything else answers `hello`.
struct Backend {
    scheme: &'static str,
    port: u16,
    received: Arc<Mutex<Vec<Recorded>>>,
}

impl Backend {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// Serves HTTPS with `tls`'s certificate.
    fn start_https(tls: Arc<rustls::ServerConfig>) -> Self {
        Self::start_with(Some(tls))
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = received.clone();
        let scheme = if tls.is_some() { "https" } else { "http" };
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let record = record.clone();
                let tls = tls.clone();
                std::thread::spawn(move || match tls {
                    None => serve_one(stream, &record),
                    Some(tls) => {
                        let connection = rustls::ServerConnection::new(tls).unwrap();
                        serve_one(rustls::StreamOwned::new(connection, stream), &record);
                    }
                });
            }
        });
        Self {
            scheme,
            port,
            received,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.port)
    }

    fn allow(&self) -> String {
        self.url("")
    }

    fn received(&self) -> Vec<Recorded> {
        self.received.lock().unwrap().clone()
    }
}

/// Answers one request on `stream`; nothing when it fails before the request line (a client
/// that refused the TLS handshake).
fn serve_one(stream: impl Read + Write, record: &Mutex<Vec<Recorded>>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    read_body(&mut reader, &headers);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    record.lock().unwrap().push(Recorded {
        line: line.trim_end().to_owned(),
        headers,
    });
    let response = if path == "/slow" {
        std::thread::sleep(Duration::from_secs(10));
        "HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\nslow".to_owned()
    } else if let Some(n) = path.strip_prefix("/bytes/") {
        let n: usize = n.parse().unwrap();
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n{}",
            "x".repeat(n)
        )
    } else if let Some(n) = path.strip_prefix("/chunked/") {
        let n: usize = n.parse().unwrap();
        let chunk = "x".repeat(1024);
        let mut response =
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_owned();
        for _ in 0..n / 1024 {
            response.push_str(&format!("400\r\n{chunk}\r\n"));
        }
        response + "0\r\n\r\n"
    } else if let Some(n) = path.strip_prefix("/truncated/") {
        let n: usize = n.parse().unwrap();
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n{}",
            "x".repeat(n / 2)
        )
    } else if path == "/redirect" {
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://dynamodb.eu-west-3.amazonaws.com/\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n"
            .to_owned()
    } else {
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello".to_owned()
    };
    let stream = reader.get_mut();
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// Reads the request body `headers` announce, by its length or in chunks, and drops it.
fn read_body(reader: &mut impl BufRead, headers: &[(String, String)]) {
    let header = |name| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if header("transfer-encoding").is_some_and(|coding| coding == "chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            // The chunk and its CRLF; the last chunk (size 0) is followed by the final CRLF.
            std::io::copy(
                &mut reader.by_ref().take(size as u64 + 2),
                &mut std::io::sink(),
            )
            .unwrap();
            if size == 0 {
                return;
            }
        }
    }
    let length: u64 = header("content-length").map_or(0, |v| v.parse().unwrap());
    std::io::copy(&mut reader.by_ref().take(length), &mut std::io::sink()).unwrap();
}

/// A server that accepts connections and never says a word: a TLS handshake with it waits for
/// ever.
fn mute_server() -> std::net::SocketAddr {
    let mute = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = mute.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = mute.incoming().map_while(Result::ok).collect();
        drop(held);
    });
    address
}

/// The probe's path asking for `url`, with `extra` query parameters (already encoded).
fn probe_path(url: &str, extra: &str) -> String {
    let url: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
    format!("/misbehave?url={url}{extra}")
}

/// Serves the probe with `env`, has it request `url` (with `extra` parameters), checks the
/// same server still answers `/ok`; the probe's report and the server.
async fn probe(url: &str, extra: &str, env: &[(&str, impl AsRef<str>)]) -> (String, Server) {
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_ref())).collect();
    let server = Server::start_with_env(&common::component(PROBE), &DEADLINE_ARGS, &env);
    let started = Instant::now();
    let answer = server.get(&probe_path(url, extra)).await;
    let elapsed = started.elapsed();
    assert!(elapsed < BOUND, "answered after {elapsed:?}");
    let report = String::from_utf8(answer.body).unwrap();
    assert_eq!(answer.status, 200, "{report}");
    let good = server.get("/ok").await;
    assert_eq!((good.status, good.body.as_slice()), (200, b"ok".as_slice()));
    (report, server)
}

#[tokio::test]
async fn an_allowlisted_literal_address_is_reached_and_logged_without_its_query() {
    let backend = Backend::start();
    let (report, server) = probe(
        &backend.url("/hello?token=secret-query"),
        "",
        &[("LAMBDA_WASM_OUTBOUND_HOSTS", &backend.allow())],
    )
    .await;
    assert_eq!(report, "status 200, 5 bytes");
    let received = backend.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].line, "GET /hello?token=secret-query HTTP/1.1");
    assert_eq!(received[0].header("authorization"), None, "not signed");
    assert_eq!(received[0].header("x-amz-date"), None);
    server.wait_for_log("outbound request").await;
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("outbound request"))
        .unwrap();
    for field in [
        "method=GET",
        "path=/hello",
        "status=200",
        "bytes=5",
        "signed=false",
        "duration_ms=",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    assert!(
        !log.contains("secret-query"),
        "the query is never logged: {log}"
    );
}

#[tokio::test]
async fn a_host_not_on_the_list_is_refused() {
    let backend = Backend::start();
    let (report, server) = probe(&backend.url("/"), "", &[] as &[(&str, &str)]).await;
    assert_eq!(report, "error HttpRequestDenied");
    server.wait_for_log("not on the allowlist").await;
    assert!(server.log().contains("outbound request refused"));
    assert!(backend.received().is_empty());
}

#[test]
fn bootstrap_invoke_refuses_too() {
    let backend = Backend::start();
    let dir = tempfile::tempdir().unwrap();
    let mut event: serde_json::Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-http-api.json")).unwrap();
    event["rawPath"] = "/misbehave".into();
    event["requestContext"]["http"]["path"] = "/misbehave".into();
    event["rawQueryString"] = format!("url={}", backend.url("/")).into();
    event["queryStringParameters"] = serde_json::json!({ "url": backend.url("/") });
    let file = dir.path().join("event.json");
    std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
    let output = common::bootstrap()
        .args(["invoke", "--event"])
        .arg(&file)
        .arg("--component")
        .arg(common::component(PROBE))
        .env("LAMBDA_WASM_OUTBOUND_HOSTS", "https://*.amazonaws.com")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    let response: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response["body"], "error HttpRequestDenied", "{log}");
    assert!(log.contains("not on the allowlist"), "{log}");
    assert!(backend.received().is_empty());
}

#[tokio::test]
async fn the_instance_metadata_address_is_refused_even_when_listed() {
    let (report, server) = probe(
        "http://169.254.169.254/latest/meta-data/",
        "",
        &[("LAMBDA_WASM_OUTBOUND_HOSTS", "http://169.254.169.254")],
    )
    .await;
    assert_eq!(report, "error DestinationIpProhibited");
    server
        .wait_for_log("link-local or instance metadata address")
        .await;
}

#[tokio::test]
async fn the_runtime_api_is_refused_even_when_listed() {
    let runtime_api = Backend::start();
    let address = format!("127.0.0.1:{}", runtime_api.port);
    let (report, server) = probe(
        &runtime_api.url("/2018-06-01/runtime/invocation/next"),
        "",
        &[
            ("LAMBDA_WASM_OUTBOUND_HOSTS", &runtime_api.allow()),
            ("AWS_LAMBDA_RUNTIME_API", &address),
        ],
    )
    .await;
    assert_eq!(report, "error DestinationIpProhibited");
    server.wait_for_log("the Lambda Runtime API address").await;
    assert!(runtime_api.received().is_empty(), "nothing reached it");
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused() {
    let backend = Backend::start();
    let url = format!("http://localhost:{}/", backend.port);
    let allow = format!("http://localhost:{}", backend.port);
    let (report, server) = probe(&url, "", &[("LAMBDA_WASM_OUTBOUND_HOSTS", &allow)]).await;
    assert_eq!(report, "error DestinationIpProhibited");
    server.wait_for_log("loopback or private address").await;
    assert!(backend.received().is_empty());
}

#[tokio::test]
async fn one_request_too_many_is_refused() {
    let backend = Backend::start();
    let env = [
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
        ("LAMBDA_WASM_OUTBOUND_MAX_REQUESTS", "2".to_owned()),
    ];
    let (report, server) = probe(&backend.url("/"), "&count=3", &env).await;
    assert_eq!(
        report,
        "status 200, 5 bytes\nstatus 200, 5 bytes\nerror ConnectionLimitReached"
    );
    server.wait_for_log("too many outbound requests").await;
    // The budget is the invocation's: the next one has its own.
    let again = server.get(&probe_path(&backend.url("/"), "&count=2")).await;
    assert_eq!(
        String::from_utf8(again.body).unwrap(),
        "status 200, 5 bytes\nstatus 200, 5 bytes"
    );
    assert_eq!(backend.received().len(), 4);
}

#[tokio::test]
async fn a_response_over_the_cap_is_an_error() {
    let backend = Backend::start();
    let env = [
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
        ("LAMBDA_WASM_OUTBOUND_MAX_RESPONSE_KB", "4".to_owned()),
    ];
    // A length over the cap is refused before any of the body is read.
    let (report, server) = probe(&backend.url("/bytes/5000"), "", &env).await;
    assert_eq!(report, "error HttpResponseBodySize(Some(5000))");
    // Without a length, the body stops at the cap: the guest has read the 4 KiB before the
    // chunk that passes it, and its stream's error has the same code.
    let chunked = server
        .get(&probe_path(&backend.url("/chunked/8192"), ""))
        .await;
    let chunked = String::from_utf8(chunked.body).unwrap();
    assert!(
        chunked.starts_with("error HttpResponseBodySize(Some(")
            && chunked.ends_with("after 4096 bytes"),
        "{chunked}"
    );
    // A body cut short has its code too.
    let truncated = server
        .get(&probe_path(&backend.url("/truncated/2000"), ""))
        .await;
    assert_eq!(
        String::from_utf8(truncated.body).unwrap(),
        "error HttpResponseIncomplete after 1000 bytes"
    );
    // At the cap is fine.
    let at_cap = server
        .get(&probe_path(&backend.url("/bytes/4096"), ""))
        .await;
    assert_eq!(
        String::from_utf8(at_cap.body).unwrap(),
        "status 200, 4096 bytes"
    );
    server.wait_for_log("cap").await;
}

#[tokio::test]
async fn a_backend_slower_than_the_deadline_gets_the_504_on_time() {
    let backend = Backend::start();
    let server = Server::start_with_env(
        &common::component(PROBE),
        &DEADLINE_ARGS,
        &[("LAMBDA_WASM_OUTBOUND_HOSTS", &backend.allow())],
    );
    let started = Instant::now();
    let answer = server.get(&probe_path(&backend.url("/slow"), "")).await;
    let elapsed = started.elapsed();
    assert_eq!(
        answer.status,
        504,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "answered after {elapsed:?}"
    );
    let good = server.get("/ok").await;
    assert_eq!((good.status, good.body.as_slice()), (200, b"ok".as_slice()));
}

#[tokio::test]
async fn a_backend_slower_than_the_outbound_timeout_is_an_error_the_guest_can_answer() {
    let backend = Backend::start();
    let env = [
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
        ("LAMBDA_WASM_OUTBOUND_TIMEOUT_MS", "300".to_owned()),
    ];
    let (report, server) = probe(&backend.url("/slow"), "", &env).await;
    assert_eq!(report, "error HttpResponseTimeout");
    // The deadline (2 s) would have been a 504: the guest got the error first and answered.
    server.wait_for_log("outbound request failed").await;
}

#[tokio::test]
async fn a_listed_aws_service_is_sent_to_its_endpoint_and_signed_by_the_host() {
    let backend = Backend::start();
    let env = signing_with(&[
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", backend.url("")),
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
    ]);
    let (report, server) = probe(
        "https://dynamodb.eu-west-3.amazonaws.com/",
        "&header=authorization:AWS4-HMAC-SHA256%20Credential=GUEST/forged&header=x-amz-date:19990101T000000Z",
        &env,
    )
    .await;
    assert_eq!(report, "status 200, 5 bytes");
    // An unsigned destination on the same server gets no signature.
    let unsigned = server.get(&probe_path(&backend.url("/plain"), "")).await;
    assert_eq!(
        String::from_utf8(unsigned.body).unwrap(),
        "status 200, 5 bytes"
    );

    let received = backend.received();
    assert_eq!(received.len(), 2, "{received:?}");
    let signed = &received[0];
    assert_eq!(signed.line, "GET / HTTP/1.1");
    assert_eq!(
        signed.header("host"),
        Some(format!("127.0.0.1:{}", backend.port).as_str())
    );
    let authorization = signed.header("authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDOUTBOUNDTEST/")
            && authorization.contains("/eu-west-3/dynamodb/aws4_request")
            && authorization.contains("SignedHeaders=")
            && !authorization.contains("GUEST"),
        "{authorization}"
    );
    assert_eq!(
        signed
            .headers
            .iter()
            .filter(|(n, _)| n == "authorization")
            .count(),
        1
    );
    assert_ne!(signed.header("x-amz-date"), Some("19990101T000000Z"));
    assert_eq!(
        signed.header("x-amz-security-token"),
        Some("host-session-token")
    );
    let plain = &received[1];
    assert_eq!(plain.line, "GET /plain HTTP/1.1");
    for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
        assert_eq!(plain.header(name), None, "{name}");
    }
    server.wait_for_log("signed=true").await;
    server.wait_for_log("signed=false").await;
    let log = server.log();
    for secret in ["host-secret-key", "host-session-token", "Signature="] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// A root certificate (PEM) and a server configuration with a certificate it issued for
/// `names`.
fn issued_by_a_test_root(names: &[&str]) -> (String, Arc<rustls::ServerConfig>) {
    let root_key = rcgen::KeyPair::generate().unwrap();
    let mut root = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    root.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let root = rcgen::CertifiedIssuer::self_signed(root, root_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let certificate = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &root)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![certificate.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    )
    .unwrap();
    (root.pem(), Arc::new(config))
}

#[tokio::test]
async fn https_reaches_a_server_only_with_the_operators_root_and_its_name() {
    let (root, tls) = issued_by_a_test_root(&["127.0.0.1"]);
    let backend = Backend::start_https(tls);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("root.pem");
    std::fs::write(&ca_file, root).unwrap();
    let ca_file = ca_file.to_str().unwrap();

    // The Mozilla roots do not know the test root.
    let (report, server) = probe(
        &backend.url("/hello"),
        "",
        &[("LAMBDA_WASM_OUTBOUND_HOSTS", &backend.allow())],
    )
    .await;
    assert!(report.starts_with("error TlsCertificateError"), "{report}");
    server.wait_for_log("outbound request failed").await;
    assert!(backend.received().is_empty());

    // With the operator's root, the request goes over TLS.
    let (report, _server) = probe(
        &backend.url("/hello"),
        "",
        &[
            ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow().as_str()),
            ("LAMBDA_WASM_OUTBOUND_CA_FILE", ca_file),
        ],
    )
    .await;
    assert_eq!(report, "status 200, 5 bytes");
    assert_eq!(backend.received()[0].line, "GET /hello HTTP/1.1");

    // A certificate the root issued for another name is refused.
    let (root, tls) = issued_by_a_test_root(&["other.test"]);
    let elsewhere = Backend::start_https(tls);
    std::fs::write(ca_file, root).unwrap();
    let (report, _server) = probe(
        &elsewhere.url("/hello"),
        "",
        &[
            ("LAMBDA_WASM_OUTBOUND_HOSTS", elsewhere.allow().as_str()),
            ("LAMBDA_WASM_OUTBOUND_CA_FILE", ca_file),
        ],
    )
    .await;
    assert!(report.starts_with("error TlsCertificateError"), "{report}");
    assert!(elsewhere.received().is_empty());
}

#[test]
fn a_bad_ca_file_stops_the_host_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("root.pem");
    std::fs::write(&ca_file, "not a certificate\n").unwrap();
    let output = common::bootstrap()
        .args(["invoke", "--event"])
        .arg(common::fixture("events/tutorial-http-api.json"))
        .arg("--component")
        .arg(common::component(PROBE))
        .env("LAMBDA_WASM_OUTBOUND_CA_FILE", &ca_file)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains("LAMBDA_WASM_OUTBOUND_CA_FILE") && log.contains("root.pem"),
        "{log}"
    );
}

#[tokio::test]
async fn connecting_and_the_tls_handshake_are_cut_by_the_connect_timeout() {
    // A listener whose queue of one is full: a connection attempt waits for ever.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let full = socket.listen(0).unwrap();
    let full_address = full.local_addr().unwrap();
    let _queued = std::net::TcpStream::connect(full_address).unwrap();
    let mute_address = mute_server();

    for (url, allow) in [
        (
            format!("http://{full_address}/"),
            format!("http://{full_address}"),
        ),
        (
            format!("https://{mute_address}/"),
            format!("https://{mute_address}"),
        ),
    ] {
        let (report, server) = probe(
            &url,
            "",
            &[
                ("LAMBDA_WASM_OUTBOUND_HOSTS", allow.as_str()),
                ("LAMBDA_WASM_OUTBOUND_CONNECT_TIMEOUT_MS", "300"),
            ],
        )
        .await;
        // The guest got the error before the 2 s deadline, which would have been a 504, or the
        // response timeout.
        assert_eq!(report, "error ConnectionTimeout", "{url}");
        server.wait_for_log("outbound request failed").await;
    }
}

/// Serves the probe with signing for dynamodb sent to `backend`, the region set and `env`.
async fn signed_probe(backend: &Backend, extra: &str, env: &[(&str, &str)]) -> (String, Server) {
    let mut all = vec![
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", backend.url("")),
        ("AWS_REGION", "eu-west-3".to_owned()),
    ];
    all.extend(env.iter().map(|(name, value)| (*name, (*value).to_owned())));
    probe("https://dynamodb.eu-west-3.amazonaws.com/", extra, &all).await
}

/// No credentials in the environment (blank counts as unset), and no shared files but `config`.
fn outside_lambda(config: &str) -> [(&str, &str); 5] {
    [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_CONFIG_FILE", config),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
}

#[tokio::test]
async fn outside_lambda_the_sdk_chain_gives_the_credentials_once() {
    let backend = Backend::start();
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    let process = dir.path().join("credentials.sh");
    std::fs::write(
        &process,
        format!(
            "echo call >> '{}'\nprintf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"AKIDFROMPROCESS\", \
             \"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"process-token\", \
             \"Expiration\": \"2099-01-01T00:00:00Z\"}}'\n",
            calls.display()
        ),
    )
    .unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile wasm-test]\ncredential_process = sh {}\n",
            process.display()
        ),
    )
    .unwrap();
    let credentials_file = dir.path().join("credentials");
    let mut env = outside_lambda(config.to_str().unwrap()).to_vec();
    env.extend([
        ("AWS_PROFILE", "wasm-test"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials_file.to_str().unwrap(),
        ),
    ]);

    let (report, server) = signed_probe(&backend, "&count=2", &env).await;
    assert_eq!(report, "status 200, 5 bytes\nstatus 200, 5 bytes");
    let again = server
        .get(&probe_path("https://dynamodb.eu-west-3.amazonaws.com/", ""))
        .await;
    assert_eq!(
        String::from_utf8(again.body).unwrap(),
        "status 200, 5 bytes"
    );

    let received = backend.received();
    assert_eq!(received.len(), 3);
    for request in &received {
        let authorization = request.header("authorization").unwrap();
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDFROMPROCESS/"),
            "{authorization}"
        );
        assert_eq!(
            request.header("x-amz-security-token"),
            Some("process-token")
        );
    }
    // One lookup for three requests in two invocations.
    assert_eq!(std::fs::read_to_string(&calls).unwrap(), "call\n");
    let log = server.log();
    for secret in ["process-secret", "process-token"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

#[tokio::test]
async fn no_credentials_anywhere_is_an_error_the_guest_gets_and_the_log_names() {
    let backend = Backend::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "").unwrap();
    let credentials_file = dir.path().join("credentials");
    let mut env = outside_lambda(config.to_str().unwrap()).to_vec();
    env.push((
        "AWS_SHARED_CREDENTIALS_FILE",
        credentials_file.to_str().unwrap(),
    ));
    let (report, server) = signed_probe(&backend, "", &env).await;
    assert!(report.starts_with("error InternalError"), "{report}");
    server.wait_for_log("no AWS credentials to sign with").await;
    assert!(backend.received().is_empty(), "nothing unsigned went out");
}

/// In Lambda mode the invocation's trace goes on every request the host signs, as the AWS SDKs
/// send it, so that X-Ray links the calls; a trace the guest set itself is kept, and a request
/// the host does not sign gets none.
#[tokio::test]
async fn the_invocations_trace_goes_on_the_requests_the_host_signs() {
    use common::runtime_api::{Queued, RuntimeApiDouble, run_until_answered, start_bootstrap};

    const TRACE: &str =
        "Root=1-5e1b4151-5ac6c58f3eb0d5e4c9e5f6d1;Parent=7ad9f3b3c6d1e2f4;Sampled=1";
    let backend = Backend::start();
    let event = |url: &str, extra: &str| {
        let mut event: serde_json::Value =
            serde_json::from_slice(&common::read_fixture("events/tutorial-http-api.json")).unwrap();
        let path = probe_path(url, extra);
        let (path, query) = path.split_once('?').unwrap();
        event["rawPath"] = path.into();
        event["rawQueryString"] = query.into();
        event["queryStringParameters"] = serde_json::Value::Null;
        event["body"] = serde_json::Value::Null;
        serde_json::to_vec(&event).unwrap()
    };
    let traced = |id: &str, event: Vec<u8>| Queued {
        headers: vec![("lambda-runtime-trace-id", TRACE)],
        ..Queued::new(id, event)
    };
    let dynamodb = "https://dynamodb.eu-west-3.amazonaws.com/";
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue([
        traced("signed", event(dynamodb, "")),
        traced(
            "guest-traced",
            event(dynamodb, "&header=x-amzn-trace-id:Root=guest"),
        ),
        traced("unsigned", event(&backend.url("/plain"), "")),
    ]);
    let endpoint = backend.url("");
    let allow = backend.allow();
    let runtime = start_bootstrap(
        address,
        PROBE,
        &[
            ("LAMBDA_WASM_AWS_SERVICES", "dynamodb"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &endpoint),
            ("LAMBDA_WASM_OUTBOUND_HOSTS", &allow),
            ("AWS_ACCESS_KEY_ID", "AKIDOUTBOUNDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "host-secret-key"),
            ("AWS_REGION", "eu-west-3"),
        ],
    );
    let (posts, _) = run_until_answered(&api, runtime, 3, 4).await;
    for post in &posts {
        assert_eq!(
            post.body["body"],
            "status 200, 5 bytes",
            "{}",
            post.request_id()
        );
    }
    let received = backend.received();
    assert_eq!(received.len(), 3, "{received:?}");
    assert!(received[0].header("authorization").is_some());
    assert_eq!(received[0].header("x-amzn-trace-id"), Some(TRACE));
    assert_eq!(received[1].header("x-amzn-trace-id"), Some("Root=guest"));
    assert_eq!(received[2].line, "GET /plain HTTP/1.1");
    assert_eq!(received[2].header("x-amzn-trace-id"), None);
}

#[tokio::test]
async fn a_signed_service_never_goes_out_over_plain_http() {
    // The list allows plain HTTP to AWS: a signed service's request there would carry the
    // signature and the session token in clear, so it is refused before anything is sent,
    // whichever way the guest comes to ask for it (its own URL, or a redirect it follows).
    let mut env = SIGNING.to_vec();
    env.extend([
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb"),
        (
            "LAMBDA_WASM_OUTBOUND_HOSTS",
            "http://*.amazonaws.com,https://*.amazonaws.com",
        ),
    ]);
    let (report, server) = probe(
        "http://dynamodb.eu-west-3.amazonaws.com/plain",
        "&count=2",
        &env,
    )
    .await;
    assert_eq!(report, "error HttpRequestDenied\nerror HttpRequestDenied");
    server
        .wait_for_log("a signed AWS service over plain HTTP")
        .await;
    assert!(!server.log().contains("signed=true"), "{}", server.log());

    // The operator's own plain-HTTP endpoint (a local DynamoDB) is signed; the host follows no
    // redirect, so a redirect to plain HTTP is the guest's next request, refused as above.
    let backend = Backend::start();
    let endpoint = backend.url("");
    env.push(("AWS_ENDPOINT_URL_DYNAMODB", &endpoint));
    let (report, _server) = probe(
        "https://dynamodb.eu-west-3.amazonaws.com/redirect",
        "",
        &env,
    )
    .await;
    assert_eq!(report, "status 307, 0 bytes");
    let received = backend.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(received[0].header("authorization").is_some());
}

#[tokio::test]
async fn an_invocation_logs_at_most_100_outbound_lines_then_how_many_were_left_out() {
    let (report, server) = probe(
        "http://not-listed.example/flood",
        "&count=10000",
        &[] as &[(&str, &str)],
    )
    .await;
    let report: Vec<&str> = report.lines().collect();
    assert_eq!(report.len(), 10_000);
    assert_eq!(
        (report[0], report[9_999]),
        ("error HttpRequestDenied", "error ConnectionLimitReached")
    );
    server.wait_for_log("left_out=9900").await;
    // The next invocation has lines of its own.
    let next = server
        .get(&probe_path("http://not-listed.example/next", ""))
        .await;
    assert_eq!(next.status, 200);
    server.wait_for_log("path=/next").await;
    let log = server.log();
    let flood = log
        .lines()
        .filter(|line| line.contains("path=/flood"))
        .count();
    assert_eq!(flood, 100, "{flood} lines");
    assert_eq!(
        log.lines()
            .filter(|line| line.contains("left_out="))
            .count(),
        1
    );
}

/// `bootstrap invoke` of the probe asking for `url` with `query`, under `env`: its report and
/// the process's peak resident memory in KiB.
fn invoke_probe(url: &str, query: &[(&str, &str)], env: &[(&str, String)]) -> (String, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut event: serde_json::Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-http-api.json")).unwrap();
    let mut parameters = serde_json::Map::new();
    parameters.insert("url".to_owned(), url.into());
    for (name, value) in query {
        parameters.insert((*name).to_owned(), (*value).into());
    }
    let raw: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(parameters.iter().map(|(k, v)| (k, v.as_str().unwrap())))
        .finish();
    event["rawPath"] = "/misbehave".into();
    event["requestContext"]["http"]["path"] = "/misbehave".into();
    event["rawQueryString"] = raw.into();
    event["queryStringParameters"] = parameters.into();
    let file = dir.path().join("event.json");
    std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
    let mut command = common::bootstrap();
    command
        .envs(env.iter().map(|(name, value)| (name, value)))
        .args(["invoke", "--timeout", "60", "--event"])
        .arg(&file)
        .arg("--component")
        .arg(common::component(PROBE));
    let (printed, peak) = common::peak_rss_kib(command);
    let response: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    assert_eq!(response["statusCode"], 200, "{response}");
    (response["body"].as_str().unwrap().to_owned(), peak)
}

#[test]
fn signed_bodies_the_host_holds_count_against_the_invocations_memory() {
    // Twenty signed 16 MiB POSTs at once, to an endpoint that never completes TLS: the host
    // holds each body to hash it, and what it holds counts against the guest's 64 MiB.
    let mute = mute_server();
    let env = signing_with(&[
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", format!("https://{mute}")),
        ("LAMBDA_WASM_MEMORY_MB", "64".to_owned()),
        ("LAMBDA_WASM_OUTBOUND_CONNECT_TIMEOUT_MS", "4000".to_owned()),
    ]);
    let url = "https://dynamodb.eu-west-3.amazonaws.com/";
    let bytes = (16 << 20).to_string();
    let (one, one_peak) = invoke_probe(url, &[("bytes", &bytes)], &env);
    assert_eq!(one, "error ConnectionTimeout");
    let (twenty, twenty_peak) = invoke_probe(
        url,
        &[("bytes", &bytes), ("count", "20"), ("parallel", "1")],
        &env,
    );
    eprintln!("peak RSS: {one_peak} KiB for one signed 16 MiB POST, {twenty_peak} KiB for twenty");
    let held = twenty
        .lines()
        .filter(|line| *line == "error ConnectionTimeout")
        .count();
    let refused = twenty
        .lines()
        .filter(|line| *line == "error HttpRequestBodySize(None)")
        .count();
    assert_eq!(held + refused, 20, "{twenty}");
    // 16 MiB each and the guest's own memory within 64 MiB: three at most.
    assert!((1..=3).contains(&held), "{twenty}");
    assert!(
        twenty_peak < one_peak + (64 << 10),
        "peak {twenty_peak} KiB for twenty, {one_peak} KiB for one"
    );
}

#[test]
fn millions_of_empty_writes_to_an_outgoing_body_leave_the_hosts_memory_where_it_was() {
    // Wasmtime's GHSA-f8mm-ggr3-89wh and GHSA-5m8g-xhq4-4h93: empty writes queued one entry
    // each. A million of them, unsigned (streamed to the server) and signed (held to hash it).
    let backend = Backend::start();
    let env = signing_with(&[
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", backend.url("")),
    ]);
    for url in [
        backend.url("/empty"),
        "https://dynamodb.eu-west-3.amazonaws.com/empty".to_owned(),
    ] {
        let (report, small_peak) = invoke_probe(&url, &[("empty", "1")], &env);
        assert_eq!(report, "status 200, 5 bytes", "{url}");
        let (report, peak) = invoke_probe(&url, &[("empty", "1000000")], &env);
        assert_eq!(report, "status 200, 5 bytes", "{url}");
        // A queue entry is 32 bytes or more: a million would be 30 MiB.
        assert!(
            peak < small_peak + (16 << 10),
            "{url}: peak {peak} KiB, {small_peak} KiB for one empty write"
        );
    }
    let received = backend.received();
    assert_eq!(received.len(), 4);
    assert!(
        received
            .iter()
            .all(|request| request.line.starts_with("POST /empty "))
    );
}

#[tokio::test]
async fn every_embedded_form_of_the_metadata_address_is_refused() {
    // 169.254.169.254 inside IPv6: IPv4-compatible, mapped, translated, NAT64 (well-known and
    // local-use), 6to4, Teredo (as its server, and as its obfuscated client), ISATAP.
    let forms = [
        "::a9fe:a9fe",
        "::ffff:a9fe:a9fe",
        "::ffff:0:a9fe:a9fe",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a9fe:a9fe",
        "64:ff9b:1:a9fe:a9:fe00::",
        "2002:a9fe:a9fe::1",
        "2001:0:a9fe:a9fe::1",
        "2001:0:5efe:1::5601:5601",
        "2600:1f18::5efe:a9fe:a9fe",
    ];
    let allow: Vec<String> = forms.iter().map(|ip| format!("http://[{ip}]")).collect();
    let server = Server::start_with_env(
        &common::component(PROBE),
        &DEADLINE_ARGS,
        &[("LAMBDA_WASM_OUTBOUND_HOSTS", &allow.join(","))],
    );
    for ip in forms {
        let answer = server
            .get(&probe_path(&format!("http://[{ip}]/latest/meta-data/"), ""))
            .await;
        assert_eq!(
            String::from_utf8(answer.body).unwrap(),
            "error DestinationIpProhibited",
            "{ip}"
        );
    }
    // One refusal line each, naming the metadata address (the log arrives on its own pace).
    let refusals = || {
        server
            .log()
            .lines()
            .filter(|line| line.contains("link-local or instance metadata address"))
            .count()
    };
    common::loopback::wait_for("a refusal line per form", || refusals() == forms.len()).await;
}

/// The REST API tutorial event asking the probe for `url` with `count` requests, as API
/// Gateway's request `apigw_id`.
fn probe_event(url: &str, count: &str, apigw_id: &str) -> Vec<u8> {
    let mut event: serde_json::Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-rest-api.json")).unwrap();
    let query = serde_json::json!({ "url": url, "count": count });
    event["path"] = "/misbehave".into();
    event["multiValueQueryStringParameters"] =
        serde_json::json!({ "url": [url], "count": [count] });
    event["queryStringParameters"] = query;
    event["requestContext"]["requestId"] = apigw_id.into();
    serde_json::to_vec(&event).unwrap()
}

#[tokio::test]
async fn every_outbound_line_carries_its_invocations_request_ids_under_concurrency() {
    let backend = Backend::start();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // Each invocation takes one path of the outbound code, told apart by its URL's path.
    let cases = [
        (
            "not-listed",
            "http://not-listed.example/not-listed".to_owned(),
            "1",
        ),
        (
            "metadata",
            "http://169.254.169.254/metadata".to_owned(),
            "1",
        ),
        ("length-cap", backend.url("/bytes/5000"), "1"),
        ("chunked-cap", backend.url("/chunked/8192"), "1"),
        ("sent", backend.url("/hello"), "1"),
        ("failed", format!("http://{closed}/failed"), "1"),
        ("over-budget", backend.url("/budget"), "3"),
        (
            "plain-signed",
            "http://dynamodb.eu-west-3.amazonaws.com/plain-signed".to_owned(),
            "1",
        ),
        ("flood", "http://not-listed.example/flood".to_owned(), "300"),
    ];
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue(
        cases.iter().map(|(id, url, count)| {
            Queued::new(id, probe_event(url, count, &format!("apigw-{id}")))
        }),
    );
    let hosts = format!(
        "{},http://169.254.169.254,http://{closed},http://*.amazonaws.com",
        backend.allow()
    );
    let mut env = SIGNING.to_vec();
    env.extend([
        ("AWS_LAMBDA_MAX_CONCURRENCY", "4"),
        ("LAMBDA_WASM_OUTBOUND_HOSTS", &hosts),
        ("LAMBDA_WASM_OUTBOUND_MAX_REQUESTS", "2"),
        ("LAMBDA_WASM_OUTBOUND_MAX_RESPONSE_KB", "4"),
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb"),
    ]);
    let runtime = runtime_api::start_bootstrap(address, PROBE, &env);
    let (answers, lines) =
        runtime_api::run_until_answered(&api, runtime, cases.len(), cases.len() + 4).await;
    for (id, ..) in &cases {
        assert_eq!(
            runtime_api::answer(&answers, id).body["statusCode"],
            200,
            "{id}"
        );
    }

    let mut attributed = BTreeSet::new();
    for line in &lines {
        let message = line["message"].as_str().unwrap_or_default();
        if !message.starts_with("outbound") {
            continue;
        }
        let span = &line["span"];
        let id = span["lambda_request_id"]
            .as_str()
            .unwrap_or_else(|| panic!("a line without its request id: {line}"));
        assert_eq!(span["apigw_request_id"], format!("apigw-{id}"), "{line}");
        // The summary of what was left out names no path: only the flood has one.
        let path = line["path"].as_str().unwrap_or("/flood");
        let made_by = cases
            .iter()
            .find(|(_, url, _)| url.ends_with(path))
            .map_or_else(|| panic!("no case for {line}"), |(id, ..)| *id);
        assert_eq!(id, made_by, "{line}");
        attributed.insert(id.to_owned());
    }
    let all: BTreeSet<String> = cases.iter().map(|(id, ..)| (*id).to_owned()).collect();
    assert_eq!(attributed, all, "every case logged");
    let flood_lines = lines
        .iter()
        .filter(|line| line["span"]["lambda_request_id"] == "flood")
        .filter(|line| {
            line["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("outbound")
        })
        .count();
    assert_eq!(flood_lines, 101, "100 lines and what was left out");
}
