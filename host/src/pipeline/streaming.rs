//! A response streamed as the guest writes it: the guest runs in a task of its own, its head
//! and each part of its body handed over a channel that holds one part (back-pressure: while
//! whatever sends the stream is behind, the guest waits), and the stream's end (complete, or
//! failed with the failure policy's error type) handed over last.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;

use super::failure_policy::{self, Refusal, TIMED_OUT};
use super::log_invocation;
use crate::bindings::{Response, Source};
use crate::component::{Event, GuestComponent, GuestFailure, Outcome, ResponseSink};
use crate::event::ParsedEvent;
use crate::quotas::STREAMING_LIMIT;
use crate::response::{self, InvalidResponse, Prelude};
use crate::sandbox::LambdaContext;
use crate::wall_clock;

/// What the client is told when the host itself failed on the invocation.
const HOST_FAILED: Refusal = Refusal {
    status: 500,
    message: "Internal Server Error",
    error_type: "Runtime.HostPanic",
};

/// A response being streamed: its head, then its body as the guest writes it.
pub struct StreamedResponse {
    /// The status and headers, in the metadata prelude of the front end.
    pub prelude: Prelude,
    /// The body.
    pub body: StreamedBody,
}

/// Why a stream ended before its body was complete, once its head had gone out: the
/// [`failure_policy`]'s error type and client message for the failure (the detail is in the
/// log). The client sees it in Lambda's error trailers, or a connection closed mid-body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct StreamError {
    /// Lambda's `<category.reason>` error type, e.g. `Runtime.GuestTrap`.
    pub error_type: &'static str,
    /// What the client may be told.
    pub message: &'static str,
}

impl From<Refusal> for StreamError {
    fn from(refusal: Refusal) -> Self {
        Self {
            error_type: refusal.error_type,
            message: refusal.message,
        }
    }
}

/// The body of a streamed response, each part as the guest wrote it, then its end: an
/// [`http_body::Body`] whose error is the [`StreamError`] that ended it early.
pub struct StreamedBody {
    /// A part ready before any other (the whole body of an error answer).
    ready: Option<Bytes>,
    /// The parts, as the guest writes them; closed after the last.
    parts: Option<mpsc::Receiver<Bytes>>,
    /// How the stream ended, once the parts are done.
    end: Option<oneshot::Receiver<Result<(), StreamError>>>,
}

impl Body for StreamedBody {
    type Data = Bytes;
    type Error = StreamError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        let this = self.get_mut();
        if let Some(part) = this.ready.take() {
            return Poll::Ready(Some(Ok(Frame::data(part))));
        }
        if let Some(parts) = &mut this.parts {
            match ready!(parts.poll_recv(cx)) {
                Some(part) => return Poll::Ready(Some(Ok(Frame::data(part)))),
                None => this.parts = None,
            }
        }
        let Some(end) = &mut this.end else {
            return Poll::Ready(None);
        };
        let ended = ready!(Pin::new(end).poll(cx));
        this.end = None;
        match ended {
            Ok(Ok(())) => Poll::Ready(None),
            Ok(Err(error)) => Poll::Ready(Some(Err(error))),
            // The task streaming the guest's response is gone without saying how it ended.
            Err(_) => Poll::Ready(Some(Err(HOST_FAILED.into()))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ready.is_none() && self.parts.is_none() && self.end.is_none()
    }
}

impl StreamedResponse {
    /// API Gateway's JSON error for `refusal`, as a complete stream to `front_end`.
    pub fn refused(refusal: Refusal, front_end: Source) -> Self {
        let mut message = response::message(refusal.status, refusal.message);
        let body = Bytes::from(std::mem::take(&mut message.body));
        let prelude = match response::prelude(message, front_end) {
            Ok(prelude) => prelude,
            Err(invalid) => unreachable!("API Gateway's own error is a valid head: {invalid}"),
        };
        Self {
            prelude,
            body: StreamedBody {
                ready: Some(body),
                parts: None,
                end: None,
            },
        }
    }
}

/// Starts the guest on `parsed` in a task of its own and returns the streamed response once
/// its head is known: the guest's, or the error answer of a guest that failed before it.
pub(super) async fn start(
    handler: GuestComponent,
    event: Bytes,
    parsed: ParsedEvent,
    invocation: LambdaContext,
    started: Instant,
    span: tracing::Span,
) -> StreamedResponse {
    let front_end = parsed.request.context.source;
    let deadline_ms = wall_clock::remaining_ms(invocation.context.deadline_epoch_ms);
    if deadline_ms == 0 {
        span.in_scope(|| {
            tracing::error!(
                "the event was read only after the deadline; the handler was not called"
            );
            log_invocation(
                &parsed.request,
                TIMED_OUT.status,
                &Default::default(),
                started,
                None,
            );
        });
        return StreamedResponse::refused(TIMED_OUT, front_end);
    }
    let (head_sender, head) = oneshot::channel();
    // One part in flight: the guest waits while the sender of the stream is behind.
    let (parts_sender, parts) = mpsc::channel(1);
    let (end_sender, end) = oneshot::channel();
    let mut sink = Forward {
        front_end,
        head: Some(head_sender),
        parts: parts_sender,
        sent: 0,
        status: None,
        deadline: tokio::time::Instant::now() + Duration::from_millis(deadline_ms),
    };
    let task = async move {
        let ParsedEvent { request, format } = &parsed;
        let event = Event {
            json: &event,
            request,
            format: *format,
        };
        let Outcome { result, stats } = handler.stream(event, invocation, &mut sink).await;
        let status = match (result, sink.head.take()) {
            // The head never went out: the failure's answer goes instead.
            (result, Some(head)) => {
                let failure = result
                    .err()
                    .unwrap_or_else(|| GuestFailure::Http("the guest gave no response".to_owned()));
                let refusal = failure_policy::refusal(failure);
                let _ = head.send(Err(refusal));
                refusal.status
            }
            (Ok(()), None) => {
                let _ = end_sender.send(Ok(()));
                sink.status.unwrap_or_default()
            }
            (Err(failure), None) => {
                let refusal = failure_policy::refusal(failure);
                tracing::error!(
                    error_type = refusal.error_type,
                    "the stream ended early, its response started"
                );
                let _ = end_sender.send(Err(refusal.into()));
                sink.status.unwrap_or_default()
            }
        };
        log_invocation(request, status, &stats, started, Some(sink.sent));
    };
    // Its own task: the guest runs on while the stream is sent, and a panic in the host fails
    // this invocation alone.
    tokio::spawn(task.instrument(span.clone()));
    match head.await {
        Ok(Ok(prelude)) => StreamedResponse {
            prelude,
            body: StreamedBody {
                ready: None,
                parts: Some(parts),
                end: Some(end),
            },
        },
        Ok(Err(refusal)) => StreamedResponse::refused(refusal, front_end),
        Err(_) => {
            span.in_scope(|| tracing::error!("the invocation panicked before its response"));
            StreamedResponse::refused(HOST_FAILED, front_end)
        }
    }
}

/// The sink the guest streams into: it checks the head and shapes its prelude, counts what
/// goes out against Lambda's 200 MB, and hands each part over, waiting for room until the
/// invocation's deadline.
struct Forward {
    front_end: Source,
    /// Where the head goes, until it has gone.
    head: Option<oneshot::Sender<Result<Prelude, Refusal>>>,
    parts: mpsc::Sender<Bytes>,
    /// Bytes streamed so far, the prelude and its delimiter included.
    sent: u64,
    /// The status the head gave.
    status: Option<u16>,
    deadline: tokio::time::Instant,
}

impl Forward {
    fn count(&mut self, bytes: usize) -> Result<(), GuestFailure> {
        self.sent += bytes as u64;
        if self.sent > STREAMING_LIMIT.bytes {
            return Err(InvalidResponse::TooLarge {
                front_end: self.front_end,
                size: self.sent,
                exact: false,
                limit: STREAMING_LIMIT,
            }
            .into());
        }
        Ok(())
    }
}

impl ResponseSink for Forward {
    fn head(&mut self, head: Response) -> Result<(), GuestFailure> {
        let prelude = response::prelude(head, self.front_end)?;
        self.count(response::prelude_bytes(&prelude).len())?;
        let status = prelude.status();
        let sender = self
            .head
            .take()
            .ok_or_else(|| GuestFailure::Http("the guest set its response twice".to_owned()))?;
        sender
            .send(Ok(prelude))
            .map_err(|_| GuestFailure::Abandoned)?;
        self.status = Some(status);
        Ok(())
    }

    async fn body(&mut self, part: Bytes) -> Result<(), GuestFailure> {
        self.count(part.len())?;
        match tokio::time::timeout_at(self.deadline, self.parts.send(part)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(GuestFailure::Abandoned),
            Err(_) => Err(GuestFailure::Deadline),
        }
    }
}
