//! The whole path of one invocation, shared by Lambda mode, `invoke` and `serve`:
//! event JSON -> request -> fresh guest instance -> proxy response JSON.

use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::bindings::InvocationContext;
use crate::bindings::Request;
use crate::component::{GuestFailure, HandlerComponent, Outcome};
use crate::event::{self, EventError, ParsedEvent};
use crate::response::{self, ProxyResponse};
use crate::wall_clock;

/// An invocation context like Lambda's for a local run (`invoke`, `serve`, benchmarks): a fresh
/// request id and a deadline `timeout` from now.
pub fn local_invocation(timeout: Duration) -> InvocationContext {
    InvocationContext {
        request_id: format!("local-{}", uuid::Uuid::new_v4()),
        function_name: "local".to_owned(),
        function_version: "$LATEST".to_owned(),
        deadline_epoch_ms: wall_clock::deadline_after(timeout),
    }
}

/// Whatever answers the translated request: the component, or in benchmarks a native handler
/// measured on the same path.
pub trait Handle {
    /// Answers `request` within `invocation`'s deadline.
    fn handle(
        &self,
        request: &Request,
        invocation: InvocationContext,
    ) -> impl Future<Output = Outcome> + Send;
}

impl Handle for HandlerComponent {
    fn handle(
        &self,
        request: &Request,
        invocation: InvocationContext,
    ) -> impl Future<Output = Outcome> + Send {
        HandlerComponent::handle(self, request, invocation)
    }
}

/// Answers one Lambda event with the proxy response for its front end.
///
/// Failures of the guest become error responses: 500 for a trap or a handler error, 504 past
/// the deadline, 502 for a response the front end would refuse, 400 for an undecodable body.
/// Only an event that is not a proxy event is an `Err`, for the Lambda invocation to fail with.
pub async fn handle_event(
    handler: &impl Handle,
    event: &[u8],
    invocation: InvocationContext,
) -> Result<ProxyResponse, EventError> {
    let span = tracing::info_span!(
        "invocation",
        lambda_request_id = %invocation.request_id,
        apigw_request_id = tracing::field::Empty,
    );
    async {
        let started = Instant::now();
        let ParsedEvent { request, format } = match event::parse(event) {
            Ok(incoming) => incoming,
            Err(EventError::InvalidBody { format, message }) => {
                tracing::warn!(%message, "refused the request body");
                return Ok(response::error(
                    format,
                    400,
                    "The request body is not valid base64.",
                ));
            }
            Err(err @ EventError::TooLarge { format, part, .. }) => {
                tracing::warn!("{err}");
                return Ok(response::error(format, 400, part.client_message()));
            }
            Err(err) => {
                tracing::error!(error_type = err.kind(), "{err}");
                return Err(err);
            }
        };
        if let Some(id) = &request.context.request_id {
            tracing::Span::current().record("apigw_request_id", id.as_str());
        }
        let Outcome { result, stats } = handler.handle(&request, invocation).await;
        let answer = match result {
            Ok(guest_response) => {
                response::encode(guest_response, format).unwrap_or_else(|invalid| {
                    tracing::error!("the handler's response is invalid: {invalid}");
                    response::error(format, 502, "Bad Gateway")
                })
            }
            Err(GuestFailure::Deadline) => {
                tracing::error!("the handler ran past its deadline");
                response::error(format, 504, "Endpoint request timed out")
            }
            Err(failure) => {
                tracing::error!("{failure}");
                response::error(format, 500, "Internal Server Error")
            }
        };
        tracing::info!(
            source = event::source_name(request.context.source),
            method = %request.method,
            path = %request.path,
            route = request.context.route.as_deref().unwrap_or(&request.path),
            status = answer.status(),
            instantiate_us = stats.instantiate.as_micros() as u64,
            guest_us = stats.run.as_micros() as u64,
            memory_peak_kib = stats.memory_peak >> 10,
            total_us = started.elapsed().as_micros() as u64,
            "invocation"
        );
        Ok(answer)
    }
    .instrument(span)
    .await
}
