//! The whole path of one invocation, shared by Lambda mode, `invoke` and `serve`:
//! event JSON -> request -> fresh guest instance -> proxy response JSON, within the
//! invocation's deadline; or, in [`InvokeMode::ResponseStream`], the response streamed as the
//! guest writes it ([`streaming`]). What the client gets when the guest fails is the
//! [`failure_policy`]'s choice. A Lambda authorizer's event takes another path: the function's
//! result goes back as it returned it, and its failure fails the invocation, as API Gateway
//! needs to tell an `Unauthorized` error from an answer.

pub mod failure_policy;
mod streaming;

use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument as _;

use self::failure_policy::Refusal;
pub use self::streaming::{StreamError, StreamedBody, StreamedResponse};
use crate::bindings::{FunctionContext, InvocationContext, Request, Response, Source};
use crate::component::{CallStats, Event, GuestComponent, GuestFailure, Outcome};
use crate::event::{self, AuthorizerEvent, EventError, Incoming, ParsedEvent, ResponseFormat};
use crate::response::{self, ProxyResponse};
pub use crate::sandbox::LambdaContext;
use crate::wall_clock;

/// The function name of a local run.
const LOCAL_FUNCTION: &str = "local";

/// How the function answers, as its Lambda configuration says: the whole proxy response at
/// once, or the response streamed (a Function URL's `InvokeMode: RESPONSE_STREAM`, a REST API
/// integration's `responseTransferMode: STREAM`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InvokeMode {
    /// The proxy response JSON, whole: at most 6 MB.
    #[default]
    #[value(name = "buffered")]
    Buffered,
    /// Streamed to a REST API or a Function URL as the guest writes it: up to 200 MB. HTTP API
    /// and ALB events, which cannot stream, are answered buffered.
    #[value(name = "response_stream")]
    ResponseStream,
}

/// What an invocation answers, whole.
#[derive(Debug)]
pub enum Answer {
    /// A proxy event's whole proxy response JSON.
    Proxy(ProxyResponse),
    /// A Lambda authorizer event's result, as the function returned it, or why it has none.
    Authorizer(Result<String, FunctionError>),
}

/// How an invocation's answer goes out: whole, or a proxy response streamed as the guest
/// writes it.
pub enum Delivery {
    /// The answer, whole.
    Whole(Answer),
    /// A proxy event's response, streamed.
    Streamed(StreamedResponse),
}

/// An invocation like Lambda's for a local run (`invoke`, `serve`, benchmarks): a fresh request
/// id, a deadline `timeout` from now, and a function context with a placeholder account id and
/// Lambda's smallest memory size.
pub fn local_invocation(timeout: Duration) -> LambdaContext {
    local_invocation_of(LOCAL_FUNCTION, 128, timeout)
}

/// [`local_invocation`] of the function `name` with `memory_mb` (`serve --template`).
pub fn local_invocation_of(name: &str, memory_mb: u32, timeout: Duration) -> LambdaContext {
    LambdaContext {
        context: InvocationContext {
            request_id: format!("local-{}", uuid::Uuid::new_v4()),
            function_name: name.to_owned(),
            function_version: "$LATEST".to_owned(),
            deadline_epoch_ms: wall_clock::deadline_after(timeout),
        },
        function: FunctionContext {
            invoked_function_arn: format!("arn:aws:lambda:us-east-1:012345678912:function:{name}"),
            memory_limit_in_mb: memory_mb,
            log_group_name: format!("/aws/lambda/{name}"),
            log_stream_name: "$LATEST".to_owned(),
        },
        trace_id: None,
        tenant_id: None,
    }
}

/// Why a function gave no result, as Lambda reports a failed invocation: its `errorType` and
/// `errorMessage`. An authorizer's `Unauthorized` error is one: API Gateway answers 401 for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionError {
    /// `errorType`, e.g. `Exception`, or the runtime's for a failure of its own.
    pub error_type: String,
    /// `errorMessage`, e.g. `Unauthorized`.
    pub error_message: String,
}

impl FunctionError {
    fn of(failure: &GuestFailure) -> Self {
        let (error_type, error_message) = match failure {
            GuestFailure::Exception(details) => {
                (details.error_type.clone(), details.error_message.clone())
            }
            GuestFailure::Deadline => ("Sandbox.Timedout".to_owned(), "Task timed out".to_owned()),
            GuestFailure::PoolFull => (
                "Runtime.PoolFull".to_owned(),
                "no instance slot came free before the deadline".to_owned(),
            ),
            GuestFailure::NoResult(_) => {
                ("Runtime.UnsupportedEvent".to_owned(), failure.to_string())
            }
            _ => (
                "Runtime.GuestFailure".to_owned(),
                "the function failed".to_owned(),
            ),
        };
        Self {
            error_type,
            error_message,
        }
    }
}

/// Whatever answers the event: the component, or in benchmarks a native handler measured on
/// the same path.
pub trait Handle {
    /// Answers `event` within `invocation`'s deadline.
    fn handle(
        &self,
        event: Event<'_>,
        invocation: LambdaContext,
    ) -> impl Future<Output = Outcome> + Send;

    /// The result JSON for a Lambda authorizer's `event`; by default, none.
    fn authorize(
        &self,
        _event: &[u8],
        _invocation: LambdaContext,
    ) -> impl Future<Output = (Result<String, GuestFailure>, CallStats)> + Send {
        std::future::ready((
            Err(GuestFailure::NoResult("a native")),
            CallStats::default(),
        ))
    }
}

impl Handle for GuestComponent {
    fn handle(
        &self,
        event: Event<'_>,
        invocation: LambdaContext,
    ) -> impl Future<Output = Outcome> + Send {
        GuestComponent::handle(self, event, invocation)
    }

    fn authorize(
        &self,
        event: &[u8],
        invocation: LambdaContext,
    ) -> impl Future<Output = (Result<String, GuestFailure>, CallStats)> + Send {
        GuestComponent::authorize(self, event, invocation)
    }
}

/// Answers one Lambda event as `mode` says: see [`handle`] and [`stream_event`].
pub async fn answer_event(
    handler: &GuestComponent,
    event: Bytes,
    invocation: LambdaContext,
    mode: InvokeMode,
) -> Result<Delivery, EventError> {
    match mode {
        InvokeMode::Buffered => handle(handler, &event, invocation)
            .await
            .map(Delivery::Whole),
        InvokeMode::ResponseStream => stream_event(handler, event, invocation).await,
    }
}

/// Answers one Lambda event, whole: a proxy event with the proxy response for its front end
/// (see [`handle_event`]), a Lambda authorizer's event with the function's result as it
/// returned it. Only an event that is neither is an `Err`.
pub async fn handle(
    handler: &impl Handle,
    event: &[u8],
    invocation: LambdaContext,
) -> Result<Answer, EventError> {
    let span = invocation_span(&invocation);
    match span.in_scope(|| read(event))? {
        Read::Authorizer(kind) => Ok(Answer::Authorizer(
            authorize(handler, kind, event, invocation).await,
        )),
        Read::Request(request) => Ok(Answer::Proxy(
            whole(handler, event, request, invocation, span).await,
        )),
    }
}

/// Answers one Lambda proxy event with the proxy response for its front end.
///
/// Failures of the guest become error responses: 500 for a trap or a handler error, 504 past
/// the deadline, 503 when no instance slot came free before it, 502 for a response the front
/// end would refuse, 400 for an undecodable body. The deadline covers the whole path: an event
/// read, or a response encoded, only after it has passed is a 504 too. An event that is not a
/// proxy event, an authorizer's among them, is an `Err`, and nothing runs.
pub async fn handle_event(
    handler: &impl Handle,
    event: &[u8],
    invocation: LambdaContext,
) -> Result<ProxyResponse, EventError> {
    let span = invocation_span(&invocation);
    match span.in_scope(|| read(event))? {
        Read::Authorizer(_) => Err(EventError::Unsupported),
        Read::Request(request) => Ok(whole(handler, event, request, invocation, span).await),
    }
}

/// The whole proxy response to `request`: the guest's, or the 400 of a request refused early.
async fn whole(
    handler: &impl Handle,
    event: &[u8],
    request: Result<ParsedEvent, Early>,
    invocation: LambdaContext,
    span: tracing::Span,
) -> ProxyResponse {
    let started = Instant::now();
    match request {
        Err(early) => span.in_scope(|| failure_policy::refused(early.refusal, early.format)),
        Ok(parsed) => {
            buffered(handler, event, parsed, invocation, started)
                .instrument(span)
                .await
        }
    }
}

/// Answers one Lambda event with its response streamed, for a front end that takes a stream
/// (a REST API, a Function URL): the head as soon as the guest sets it, then each part of the
/// body as the guest writes it, while the guest runs on in a task of its own. Every answer to
/// such an event is streamed, errors too (their JSON as the body), since the front end reads
/// the stream's prelude whatever comes. An HTTP API or ALB event is answered buffered, as
/// [`handle_event`] answers it, and an authorizer's event as [`handle`] does. A guest that fails
/// once its head is out ends the stream with the failure's [`StreamError`].
pub async fn stream_event(
    handler: &GuestComponent,
    event: Bytes,
    invocation: LambdaContext,
) -> Result<Delivery, EventError> {
    let span = invocation_span(&invocation);
    let started = Instant::now();
    let parsed = match span.in_scope(|| read(&event))? {
        Read::Authorizer(kind) => {
            return Ok(Delivery::Whole(Answer::Authorizer(
                authorize(handler, kind, &event, invocation).await,
            )));
        }
        Read::Request(Err(early)) if response::streams(early.front_end) => {
            return Ok(Delivery::Streamed(StreamedResponse::refused(
                early.refusal,
                early.front_end,
            )));
        }
        Read::Request(Err(early)) => {
            return Ok(Delivery::Whole(Answer::Proxy(span.in_scope(|| {
                failure_policy::refused(early.refusal, early.format)
            }))));
        }
        Read::Request(Ok(parsed)) => parsed,
    };
    if !response::streams(parsed.request.context.source) {
        let answer = buffered(handler, &event, parsed, invocation, started)
            .instrument(span)
            .await;
        return Ok(Delivery::Whole(Answer::Proxy(answer)));
    }
    let streamed = streaming::start(handler.clone(), event, parsed, invocation, started, span);
    Ok(Delivery::Streamed(streamed.await))
}

/// Runs a Lambda authorizer's `event` within the invocation's deadline; logged once.
async fn authorize(
    handler: &impl Handle,
    kind: AuthorizerEvent,
    event: &[u8],
    invocation: LambdaContext,
) -> Result<String, FunctionError> {
    let span = tracing::info_span!(
        "invocation",
        lambda_request_id = %invocation.context.request_id,
    );
    async {
        let started = Instant::now();
        let (result, stats) = handler.authorize(event, invocation).await;
        let outcome = match &result {
            Ok(_) => "answered",
            Err(GuestFailure::Exception(_)) => "raised an error",
            Err(_) => "failed",
        };
        if let Err(failure) = &result {
            tracing::warn!("{failure}");
        }
        tracing::info!(
            authorizer = kind.name(),
            outcome,
            instantiate_us = stats.instantiate.as_micros() as u64,
            guest_us = stats.run.as_micros() as u64,
            memory_peak_kib = stats.memory_peak >> 10,
            total_us = started.elapsed().as_micros() as u64,
            "authorizer invocation"
        );
        result.map_err(|failure| FunctionError::of(&failure))
    }
    .instrument(span)
    .await
}

/// The span every line about one invocation is logged in.
fn invocation_span(invocation: &LambdaContext) -> tracing::Span {
    tracing::info_span!(
        "invocation",
        lambda_request_id = %invocation.context.request_id,
        apigw_request_id = tracing::field::Empty,
    )
}

/// An answer given before the guest runs, and the front end it goes to.
struct Early {
    front_end: Source,
    format: ResponseFormat,
    refusal: Refusal,
}

/// What an event asks for.
#[expect(
    clippy::large_enum_variant,
    reason = "one per invocation, matched at once: boxing would only add an allocation"
)]
enum Read {
    /// A proxy request for the guest, or (`Err`) one the front end would have refused: its 400.
    Request(Result<ParsedEvent, Early>),
    /// A Lambda authorizer's event.
    Authorizer(AuthorizerEvent),
}

/// Reads `event`, in the invocation's span: the guest's request, the 400 of a request the front
/// end would have refused, or an authorizer's event; `Err` for an event that is none of these.
fn read(event: &[u8]) -> Result<Read, EventError> {
    let bad_request = |message| Refusal {
        status: 400,
        message,
        error_type: "Runtime.BadRequest",
    };
    let parsed = match event::read(event) {
        Ok(Incoming::Authorizer(kind)) => return Ok(Read::Authorizer(kind)),
        Ok(Incoming::Proxy(parsed)) => *parsed,
        Err(EventError::InvalidBody {
            front_end,
            format,
            message,
        }) => {
            tracing::warn!(%message, "refused the request body");
            return Ok(Read::Request(Err(Early {
                front_end,
                format,
                refusal: bad_request("The request body is not valid base64."),
            })));
        }
        Err(
            err @ EventError::TooLarge {
                front_end,
                format,
                part,
            },
        ) => {
            tracing::warn!("{err}");
            return Ok(Read::Request(Err(Early {
                front_end,
                format,
                refusal: bad_request(part.client_message()),
            })));
        }
        Err(err) => {
            tracing::error!(error_type = err.kind(), "{err}");
            return Err(err);
        }
    };
    if let Some(id) = &parsed.request.context.request_id {
        tracing::Span::current().record("apigw_request_id", id.as_str());
    }
    Ok(Read::Request(Ok(parsed)))
}

/// The guest's whole response to `parsed`, as the proxy response of its front end.
async fn buffered(
    handler: &impl Handle,
    event: &[u8],
    parsed: ParsedEvent,
    invocation: LambdaContext,
    started: Instant,
) -> ProxyResponse {
    let ParsedEvent { request, format } = parsed;
    let deadline = invocation.context.deadline_epoch_ms;
    let (answer, stats) = if wall_clock::remaining_ms(deadline) == 0 {
        tracing::error!("the event was read only after the deadline; the handler was not called");
        (failure_policy::timed_out(format), CallStats::default())
    } else {
        let event = Event {
            json: event,
            request: &request,
            format,
        };
        let Outcome { result, stats } = handler.handle(event, invocation).await;
        (
            answer(result, request.context.source, format, deadline),
            stats,
        )
    };
    log_invocation(&request, answer.status(), &stats, started, None);
    answer
}

/// The one summary line of an invocation; `streamed`, for a streamed response, is how many
/// bytes went out.
fn log_invocation(
    request: &Request,
    status: u16,
    stats: &CallStats,
    started: Instant,
    streamed: Option<u64>,
) {
    tracing::info!(
        source = event::source_name(request.context.source),
        method = %request.method,
        path = %request.path,
        route = request.context.route.as_deref().unwrap_or(&request.path),
        status,
        streamed_bytes = streamed,
        instantiate_us = stats.instantiate.as_micros() as u64,
        guest_us = stats.run.as_micros() as u64,
        memory_peak_kib = stats.memory_peak >> 10,
        total_us = started.elapsed().as_micros() as u64,
        "invocation"
    );
}

/// The proxy response for the guest's result, unless the deadline passed before it was ready.
fn answer(
    result: Result<Response, GuestFailure>,
    front_end: Source,
    format: ResponseFormat,
    deadline_epoch_ms: u64,
) -> ProxyResponse {
    let responded = result.is_ok();
    let answer = failure_policy::respond(result, front_end, format);
    // Encoding is part of the invocation: a response encoded only after the deadline is late.
    if responded && wall_clock::remaining_ms(deadline_epoch_ms) == 0 {
        tracing::error!("the handler's response was ready only after the deadline");
        return failure_policy::timed_out(format);
    }
    answer
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    const EVENT: &[u8] = include_bytes!("../../tests/fixtures/events/tutorial-http-api.json");

    /// Answers 200, once the invocation's deadline has passed if `late`, and notes that it ran.
    #[derive(Default)]
    struct Fake {
        late: bool,
        called: AtomicBool,
    }

    impl Handle for Fake {
        async fn handle(&self, _: Event<'_>, invocation: LambdaContext) -> Outcome {
            self.called.store(true, Ordering::SeqCst);
            while self.late && wall_clock::remaining_ms(invocation.context.deadline_epoch_ms) > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let response = Response {
                status: 200,
                headers: Vec::new(),
                cookies: Vec::new(),
                body: b"ok".to_vec(),
            };
            Outcome {
                result: Ok(response),
                stats: CallStats::default(),
            }
        }
    }

    fn invocation(deadline_epoch_ms: u64) -> LambdaContext {
        let mut invocation = local_invocation(Duration::ZERO);
        invocation.context.deadline_epoch_ms = deadline_epoch_ms;
        invocation
    }

    #[tokio::test]
    async fn a_response_ready_within_the_deadline_is_forwarded() {
        let fake = Fake::default();
        let deadline = wall_clock::deadline_after(Duration::from_secs(60));
        let answer = handle_event(&fake, EVENT, invocation(deadline))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }

    #[tokio::test]
    async fn an_event_read_only_after_the_deadline_is_a_504_and_the_handler_is_not_called() {
        let fake = Fake::default();
        let past = wall_clock::now_epoch_ms() - 1;
        let answer = handle_event(&fake, EVENT, invocation(past)).await.unwrap();
        assert_eq!(answer.status(), 504);
        assert!(!fake.called.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_response_ready_only_after_the_deadline_is_a_504() {
        let fake = Fake {
            late: true,
            ..Fake::default()
        };
        let deadline = wall_clock::deadline_after(Duration::from_millis(20));
        let answer = handle_event(&fake, EVENT, invocation(deadline))
            .await
            .unwrap();
        assert!(fake.called.load(Ordering::SeqCst));
        assert_eq!(answer.status(), 504);
    }
}
