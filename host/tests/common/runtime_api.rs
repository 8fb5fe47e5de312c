//! A Runtime API double, served on loopback as the Lambda service would serve it: every `/next`
//! poll takes the next queued invocation at once, whatever is still running (as Lambda Managed
//! Instances does; a runtime that polls once at a time sees Lambda's sequential service), and
//! holds the poll open when none is left. It records every post (response, error, init error)
//! with when its invocation was handed out and when the post arrived; its headers, its body as
//! each frame arrived (the chunks of a streamed response, time-stamped) and its trailers; and
//! the request as it came over the wire, chunked framing and trailers included.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;

use super::loopback::Wire;

const INVOCATION: &str = "/2018-06-01/runtime/invocation/";

/// The most bytes of a post's body kept in [`Post::raw_body`]; the rest is only counted.
const BODY_KEPT: usize = 32 << 20;

/// An invocation to hand out.
pub struct Queued {
    pub request_id: String,
    pub event: Vec<u8>,
    /// The time the function has, from the moment it is handed out.
    pub timeout: Duration,
    /// More headers sent with it, as a caller's direct invoke can add.
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Queued {
    /// `event` as `request_id`, with 30 s to run.
    pub fn new(request_id: &str, event: Vec<u8>) -> Self {
        Self {
            request_id: request_id.to_owned(),
            event,
            timeout: Duration::from_secs(30),
            headers: Vec::new(),
        }
    }
}

/// What the runtime posted.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    /// `Lambda-Runtime-Function-Error-Type`, when sent.
    pub error_type: Option<String>,
    /// The body as JSON; `Null` when it is not JSON (a streamed response).
    pub body: Value,
    /// When the invocation was handed out (none for an init error), and when this post arrived.
    pub handed_out: Option<Instant>,
    pub answered: Instant,
    /// The request's headers.
    pub headers: HeaderMap,
    /// The body's first [`BODY_KEPT`] bytes, as received.
    pub raw_body: Vec<u8>,
    /// The body's length.
    pub body_len: u64,
    /// Each data frame of the body: when it arrived, and its length.
    pub chunks: Vec<(Instant, usize)>,
    /// The trailers, when the body ended with some.
    pub trailers: Option<HeaderMap>,
    /// When the body ended.
    pub finished: Instant,
    /// The request as it came over the wire, from its request line on.
    pub wire: Vec<u8>,
}

impl Post {
    /// The request id the post answers; empty for an init error.
    pub fn request_id(&self) -> &str {
        self.invocation_path().0
    }

    /// `response` or `error`, or the path's last segment.
    pub fn kind(&self) -> &str {
        self.invocation_path().1
    }

    fn invocation_path(&self) -> (&str, &str) {
        match self.path.strip_prefix(INVOCATION) {
            Some(rest) => rest.split_once('/').unwrap_or((rest, "")),
            None => ("", self.path.rsplit('/').next().unwrap_or_default()),
        }
    }
}

#[derive(Default)]
pub struct RuntimeApiDouble {
    queue: Mutex<VecDeque<Queued>>,
    handed_out: Mutex<Vec<(String, Instant)>>,
    posts: Mutex<Vec<Post>>,
    polls: Mutex<usize>,
}

impl RuntimeApiDouble {
    /// Serves the double on a loopback port; returns it and its `host:port`.
    pub async fn start() -> (Arc<Self>, SocketAddr) {
        let api = Arc::new(Self::default());
        let address = super::loopback::serve(api.clone(), async |api: Arc<Self>, request, wire| {
            api.handle(request, wire).await
        })
        .await;
        (api, address)
    }

    pub fn enqueue(&self, invocations: impl IntoIterator<Item = Queued>) {
        self.queue.lock().unwrap().extend(invocations);
    }

    pub fn posts(&self) -> Vec<Post> {
        self.posts.lock().unwrap().clone()
    }

    pub fn polls(&self) -> usize {
        *self.polls.lock().unwrap()
    }

    async fn handle(
        &self,
        request: Request<Incoming>,
        wire: Wire,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let path = request.uri().path().to_owned();
        if path == "/2018-06-01/runtime/invocation/next" {
            *self.polls.lock().unwrap() += 1;
            let next = self.queue.lock().unwrap().pop_front();
            let Some(queued) = next else {
                // No more work: hold the poll open as Lambda does between invocations.
                std::future::pending::<()>().await;
                unreachable!();
            };
            let deadline_ms = (SystemTime::now() + queued.timeout)
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis();
            self.handed_out
                .lock()
                .unwrap()
                .push((queued.request_id.clone(), Instant::now()));
            let mut response = Response::builder();
            for (name, value) in queued.headers {
                response = response.header(name, value);
            }
            return Ok(response
                .header("lambda-runtime-aws-request-id", &queued.request_id)
                .header("lambda-runtime-deadline-ms", deadline_ms.to_string())
                .header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:hello",
                )
                .body(Full::new(Bytes::from(queued.event)))
                .unwrap());
        }
        let answered = Instant::now();
        let error_type = request
            .headers()
            .get("lambda-runtime-function-error-type")
            .map(|value| value.to_str().unwrap().to_owned());
        let request_line = format!("{} {path} ", request.method());
        let (parts, mut body) = request.into_parts();
        let (mut raw_body, mut body_len, mut chunks, mut trailers) =
            (Vec::new(), 0, Vec::new(), None);
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                break; // The runtime broke off its request; what came is recorded.
            };
            match frame.into_data() {
                Ok(data) => {
                    chunks.push((Instant::now(), data.len()));
                    body_len += data.len() as u64;
                    let room = BODY_KEPT.saturating_sub(raw_body.len());
                    raw_body.extend_from_slice(&data[..data.len().min(room)]);
                }
                Err(frame) => trailers = frame.into_trailers().ok(),
            }
        }
        let received = wire.received();
        let start = find_last(&received, request_line.as_bytes()).unwrap_or(0);
        let mut post = Post {
            path,
            error_type,
            body: serde_json::from_slice(&raw_body).unwrap_or(Value::Null),
            handed_out: None,
            answered,
            headers: parts.headers,
            raw_body,
            body_len,
            chunks,
            trailers,
            finished: Instant::now(),
            wire: received[start..].to_vec(),
        };
        if post.path.starts_with(INVOCATION) {
            let handed_out = self
                .handed_out
                .lock()
                .unwrap()
                .iter()
                .find(|(id, _)| id == post.request_id())
                .map(|(_, at)| *at);
            assert!(
                handed_out.is_some(),
                "a post for an invocation never handed out: {post:?}"
            );
            post.handed_out = handed_out;
        }
        self.posts.lock().unwrap().push(post);
        Ok(Response::builder()
            .status(202)
            .body(Full::new(Bytes::new()))
            .unwrap())
    }
}

/// Starts `bootstrap` as Lambda would, polling the double at `address`: no arguments, the
/// component `handler` under `LAMBDA_TASK_ROOT`, a 128 MB function named `hello`; `env` last.
pub fn start_runtime(
    address: SocketAddr,
    task_root: &Path,
    handler: &str,
    env: &[(&str, &str)],
) -> Child {
    super::bootstrap()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "hello")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("LAMBDA_TASK_ROOT", task_root)
        .env("_HANDLER", handler)
        .env_remove("LAMBDA_WASM_COMPONENT")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting bootstrap")
}

/// `bootstrap` as Lambda starts it against the double at `address`, running `component`, with
/// JSON log lines, 2048 MB and `env`.
pub fn start_bootstrap(address: SocketAddr, component: &str, env: &[(&str, &str)]) -> Child {
    let component = super::component(component);
    let env: Vec<(&str, &str)> = [
        ("AWS_LAMBDA_FUNCTION_NAME", "under-test"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
    ]
    .into_iter()
    .chain(env.iter().copied())
    .collect();
    start_runtime(
        address,
        component.parent().unwrap(),
        component.file_name().unwrap().to_str().unwrap(),
        &env,
    )
}

/// Waits (30 s at most) for an answer to each of `count` invocations and for the runtime to
/// poll `polls` times in all; stops the runtime and returns the answers and its log lines. The
/// log is read as it comes, so that a full pipe never stops the runtime.
pub async fn run_until_answered(
    api: &RuntimeApiDouble,
    mut runtime: Child,
    count: usize,
    polls: usize,
) -> (Vec<Post>, Vec<Value>) {
    let mut stderr = runtime.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    });
    let mut waited = Duration::ZERO;
    while (api.posts().len() < count || api.polls() < polls) && waited < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    let running = runtime.try_wait().unwrap().is_none();
    runtime.kill().unwrap();
    runtime.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(running, "bootstrap stopped: {log}");
    let answered: Vec<String> = api
        .posts()
        .iter()
        .map(|post| post.request_id().to_owned())
        .collect();
    assert_eq!(
        (answered.len(), api.polls()),
        (count, polls),
        "answers and polls; answered {answered:?}: {log}"
    );
    let lines = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    (api.posts(), lines)
}

/// The answer to `request_id`.
pub fn answer<'a>(answers: &'a [Post], request_id: &str) -> &'a Post {
    answers
        .iter()
        .find(|answer| answer.request_id() == request_id)
        .unwrap_or_else(|| panic!("no answer to {request_id}: {answers:?}"))
}

/// Where `needle` last starts in `haystack`.
fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}
