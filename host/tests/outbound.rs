//! Outbound HTTP from a guest (guest/hostile/outbound-probe) through the real `bootstrap`: the
//! allowlist, the always-refused addresses, the per-invocation caps, the deadline, HTTPS with an
//! operator's root, and SigV4 signing with credentials from the environment or the SDK chain,
//! checked by a recording HTTP(S) server on 127.0.0.1. Each refusal is a `wasi:http` error
//! code the probe reports, with one log line, and the same host serves the next request.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::Server;

const PROBE: &str = "hostile-outbound-probe";
/// Requests run with a 2 s deadline (less the 250 ms margin); nothing may take much longer.
const DEADLINE_ARGS: [&str; 2] = ["--timeout", "2"];
const BOUND: Duration = Duration::from_secs(5);

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

/// An HTTP/1.1 server on 127.0.0.1, plain or over TLS, that records what it receives. `/slow`
/// answers after 10 s; `/bytes/N` answers N bytes (`/chunked/N` the same without a length);
/// anything else answers `hello`.
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
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
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
    } else {
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello".to_owned()
    };
    let stream = reader.get_mut();
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
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
    // chunk that passes it. (wasmtime-wasi-http 50 gives a body's error to a p2 guest as an
    // `error` resource without its `error-code`, hence the message.)
    let chunked = server
        .get(&probe_path(&backend.url("/chunked/8192"), ""))
        .await;
    let chunked = String::from_utf8(chunked.body).unwrap();
    assert!(
        chunked.contains("response body size exceeds limit")
            && chunked.ends_with("after 4096 bytes"),
        "{chunked}"
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
    let env = [
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", backend.url("")),
        ("LAMBDA_WASM_OUTBOUND_HOSTS", backend.allow()),
        ("AWS_ACCESS_KEY_ID", "AKIDOUTBOUNDTEST".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "host-secret-key".to_owned()),
        ("AWS_SESSION_TOKEN", "host-session-token".to_owned()),
        ("AWS_REGION", "eu-west-3".to_owned()),
    ];
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
    // A server that accepts and never says a word: the TLS handshake waits for ever.
    let mute = TcpListener::bind("127.0.0.1:0").unwrap();
    let mute_address = mute.local_addr().unwrap();
    std::thread::spawn(move || {
        let held: Vec<_> = mute.incoming().map_while(Result::ok).collect();
        drop(held);
    });

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
    use common::loopback::wait_for;
    use common::runtime_api::{Queued, RuntimeApiDouble};

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
    let mut runtime = common::bootstrap()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "probe")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("LAMBDA_WASM_COMPONENT", common::component(PROBE))
        .env("LAMBDA_WASM_AWS_SERVICES", "dynamodb")
        .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
        .env("LAMBDA_WASM_OUTBOUND_HOSTS", &allow)
        .env("AWS_ACCESS_KEY_ID", "AKIDOUTBOUNDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "host-secret-key")
        .env("AWS_REGION", "eu-west-3")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("three answers", || api.posts().len() == 3).await;
    runtime.kill().unwrap();
    let output = runtime.wait_with_output().unwrap();
    for post in api.posts() {
        assert_eq!(
            post.body["body"],
            "status 200, 5 bytes",
            "{}: {}",
            post.request_id(),
            String::from_utf8_lossy(&output.stderr)
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
