//! A Runtime API double, served on loopback as the Lambda service would serve it: every `/next`
//! poll takes the next queued invocation at once, whatever is still running (as Lambda Managed
//! Instances does; a runtime that polls once at a time sees Lambda's sequential service), and
//! holds the poll open when none is left. It records every post (response, error, init error)
//! with when its invocation was handed out and when the post arrived.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;

const INVOCATION: &str = "/2018-06-01/runtime/invocation/";

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
    pub body: Value,
    /// When the invocation was handed out (none for an init error), and when this post arrived.
    pub handed_out: Option<Instant>,
    pub answered: Instant,
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
        let address = super::loopback::serve(api.clone(), async |api: Arc<Self>, request| {
            api.handle(request).await
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
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let mut post = Post {
            path,
            error_type,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            handed_out: None,
            answered,
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

/// `bootstrap` in Lambda mode, as Lambda starts it on the Runtime API at `address` with the
/// function's code `handler` in `task_root`; the caller adds the function's own variables.
pub fn bootstrap_in_lambda(
    address: SocketAddr,
    task_root: &Path,
    handler: impl AsRef<OsStr>,
) -> Command {
    let mut command = super::bootstrap();
    command
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("LAMBDA_TASK_ROOT", task_root)
        .env("_HANDLER", handler)
        .env_remove("LAMBDA_WASM_COMPONENT");
    command
}
