//! `wasi:http/outgoing-handler` for the guest: wasmtime-wasi-http's implementation, with every
//! request sent by the host under the [`OutboundPolicy`] (see [`crate::outbound`]) and counted
//! against this invocation's budget.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use super::{GuestConfig, HostState, LambdaContext};
use crate::outbound::{Budget, OutboundPolicy, send};
use crate::wall_clock;

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
    pub(super) fn new(config: &GuestConfig, invocation: &LambdaContext) -> Self {
        Self {
            ctx: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                policy: Arc::clone(&config.outbound),
                budget: Budget::default(),
                deadline_epoch_ms: invocation.context.deadline_epoch_ms,
                trace_id: invocation
                    .trace_id
                    .as_deref()
                    .and_then(|trace_id| HeaderValue::from_str(trace_id).ok()),
            },
        }
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
        if error.is_timeout() {
            ErrorCode::HttpResponseTimeout
        } else if error.is_incomplete_message() {
            ErrorCode::HttpResponseIncomplete
        } else {
            ErrorCode::HttpProtocolError
        }
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
