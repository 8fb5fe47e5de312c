//! `wasi:http/outgoing-handler` for the guest: wasmtime-wasi-http's implementation, with every
//! request sent by the host under the [`OutboundPolicy`] (see [`crate::outbound`]) and counted
//! against this invocation's budget.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use super::{GuestConfig, HostState, LambdaContext};
use crate::memory_budget::MemoryBudget;
use crate::outbound::{Budget, OutboundPolicy, send};
use crate::wall_clock;

/// The `wasi:http/types` interface as wasmtime-wasi-http links it (its WIT's version).
const HTTP_TYPES: &str = "wasi:http/types@0.2.12";

/// One invocation's outbound HTTP: the shared policy and what this invocation has spent.
pub(super) struct HttpState {
    ctx: WasiHttpCtx,
    hooks: OutboundHooks,
}

struct OutboundHooks {
    policy: Arc<OutboundPolicy>,
    budget: Budget,
    deadline_epoch_ms: u64,
    /// Sent on the requests the host signs, as `X-Amzn-Trace-Id`.
    trace_id: Option<HeaderValue>,
}

impl HttpState {
    /// The invocation's outbound HTTP: made in the invocation's span, whose request ids its log
    /// lines carry, with what it holds counted against `memory`.
    pub(super) fn new(
        config: &GuestConfig,
        invocation: &LambdaContext,
        memory: MemoryBudget,
    ) -> Self {
        Self {
            ctx: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                policy: Arc::clone(&config.outbound),
                budget: Budget::new(memory),
                deadline_epoch_ms: invocation.context.deadline_epoch_ms,
                trace_id: invocation
                    .trace_id
                    .as_deref()
                    .and_then(|trace_id| HeaderValue::from_str(trace_id).ok()),
            },
        }
    }
}

/// Replaces wasmtime-wasi-http's `http-error-code`, which finds the code of an error only when
/// the error is an `error-code` itself: a response body's stream fails with wasmtime-wasi-http's
/// own `Error` (since Wasmtime 48), whose code it then loses. This one maps that `Error` too, so
/// that a guest reading a body gets `HTTP-response-body-size` (the cap), `HTTP-response-incomplete`
/// (a body cut short), ... as a body with a length over the cap does.
pub(super) fn add_error_codes_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let linked = linker.instance(HTTP_TYPES)?.func_wrap(
        "http-error-code",
        |store, (error,): (Resource<wasmtime::Error>,)| {
            let error = store.data().table.get(&error)?;
            Ok((error_code(error),))
        },
    );
    linker.allow_shadowing(false);
    linked
}

/// The `error-code` an I/O error of `wasi:http` stands for, if any.
fn error_code(error: &wasmtime::Error) -> Option<ErrorCode> {
    if let Some(code) = error.downcast_ref::<ErrorCode>() {
        return Some(code.clone());
    }
    // The errors a response body fails with: the host's body (`send::MeteredBody`) and hyper.
    Some(match error.downcast_ref::<Error>()? {
        Error::Hyper(error) => hyper_error_code(error),
        Error::HttpResponseBodySize(size) => ErrorCode::HttpResponseBodySize(*size),
        Error::HttpResponseIncomplete => ErrorCode::HttpResponseIncomplete,
        Error::HttpResponseTimeout => ErrorCode::HttpResponseTimeout,
        Error::ConnectionReadTimeout => ErrorCode::ConnectionReadTimeout,
        Error::ConnectionTerminated => ErrorCode::ConnectionTerminated,
        Error::HttpProtocolError => ErrorCode::HttpProtocolError,
        Error::InternalError(message) => ErrorCode::InternalError(message.clone()),
        _ => return None,
    })
}

/// The `error-code` of a hyper error: a message or a body cut short is incomplete, a
/// connection reset is terminated.
fn hyper_error_code(error: &hyper::Error) -> ErrorCode {
    use std::io::ErrorKind;
    let io = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .find_map(|cause| cause.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    if error.is_timeout() {
        ErrorCode::HttpResponseTimeout
    } else if error.is_incomplete_message() || io == Some(ErrorKind::UnexpectedEof) {
        ErrorCode::HttpResponseIncomplete
    } else if matches!(
        io,
        Some(ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe)
    ) {
        ErrorCode::ConnectionTerminated
    } else {
        ErrorCode::HttpProtocolError
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _request_error: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = send::Sent> + Send> {
        // Until Lambda's own deadline: the guest is stopped (a 504) at the deadline less the
        // margin, so a request still waiting then never makes it miss its 504; this only bounds
        // the request should the guest outlive it.
        let time_left = Duration::from_millis(wall_clock::remaining_ms(self.deadline_epoch_ms));
        Box::new(send::send(
            &self.policy,
            &mut self.budget,
            request,
            options,
            time_left,
            self.trace_id.as_ref(),
        ))
    }

    // The three below give the guest an error code without logging: the request's own log line
    // already says what failed (wasmtime-wasi-http's defaults would log it again at `warn`).

    fn p2_error_from_hyper(&mut self, error: &hyper::Error) -> ErrorCode {
        hyper_error_code(error)
    }

    fn p2_error_from_connect(&mut self, error: &std::io::Error) -> ErrorCode {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused => ErrorCode::ConnectionRefused,
            ErrorKind::TimedOut => ErrorCode::ConnectionTimeout,
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                ErrorCode::ConnectionTerminated
            }
            _ => ErrorCode::DestinationUnavailable,
        }
    }

    fn p2_error_from_tls(&mut self, error: &std::io::Error) -> ErrorCode {
        match error
            .get_ref()
            .and_then(|error| error.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::InvalidCertificate(_)) => ErrorCode::TlsCertificateError,
            _ => ErrorCode::TlsProtocolError,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http.ctx,
            table: &mut self.table,
            hooks: &mut self.http.hooks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_error_has_its_code_whether_wasi_http_or_the_host_made_it() {
        // `ErrorCode` has no `PartialEq`: compared by its debug form.
        let code = |error: wasmtime::Error| format!("{:?}", error_code(&error));
        assert_eq!(
            code(Error::HttpResponseBodySize(Some(5)).into()),
            format!("{:?}", Some(ErrorCode::HttpResponseBodySize(Some(5))))
        );
        assert_eq!(
            code(ErrorCode::HttpRequestBodySize(None).into()),
            format!("{:?}", Some(ErrorCode::HttpRequestBodySize(None)))
        );
        assert_eq!(
            code(Error::HttpResponseIncomplete.into()),
            format!("{:?}", Some(ErrorCode::HttpResponseIncomplete))
        );
        assert_eq!(code(wasmtime::format_err!("no code")), "None");
    }
}
