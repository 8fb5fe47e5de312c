//! A Runtime API double that hands out invocations concurrently, as Lambda Managed Instances
//! does: every `/next` poll takes the next queued event at once, whatever is still running, and
//! the double records when each invocation was handed out and when its answer came back.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::Value;

/// An invocation to hand out.
pub struct Queued {
    pub request_id: String,
    pub event: Vec<u8>,
    /// The time the function has, from the moment it is handed out.
    pub timeout: Duration,
}

/// An answer the runtime posted for an invocation.
#[derive(Debug, Clone)]
pub struct Answer {
    pub request_id: String,
    /// `response` or `error`.
    pub kind: String,
    pub body: Value,
    /// When the invocation was handed out, and when this answer arrived.
    pub handed_out: Instant,
    pub answered: Instant,
}

#[derive(Default)]
pub struct ConcurrentRuntimeApi {
    queue: Mutex<VecDeque<Queued>>,
    handed_out: Mutex<Vec<(String, Instant)>>,
    answers: Mutex<Vec<Answer>>,
    polls: Mutex<usize>,
}

impl ConcurrentRuntimeApi {
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

    pub fn answers(&self) -> Vec<Answer> {
        self.answers.lock().unwrap().clone()
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
                // No more work: hold the poll open as Lambda does.
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
            return Ok(Response::builder()
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
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let mut segments = path
            .strip_prefix("/2018-06-01/runtime/invocation/")
            .unwrap_or_else(|| panic!("unexpected post to {path}"))
            .split('/');
        let (request_id, kind) = (segments.next().unwrap(), segments.next().unwrap());
        let handed_out = self
            .handed_out
            .lock()
            .unwrap()
            .iter()
            .find(|(id, _)| id == request_id)
            .unwrap_or_else(|| panic!("an answer to {request_id}, never handed out"))
            .1;
        self.answers.lock().unwrap().push(Answer {
            request_id: request_id.to_owned(),
            kind: kind.to_owned(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            handed_out,
            answered,
        });
        Ok(Response::builder()
            .status(202)
            .body(Full::new(Bytes::new()))
            .unwrap())
    }
}
