//! `wasi:http` for guests: its types, and an outgoing handler that refuses every request (the
//! outbound policy is not part of this sandbox yet).

use wasmtime_wasi_http::{
    Error, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use super::HostState;

/// One invocation's `wasi:http` state.
#[derive(Default)]
pub(super) struct HttpState {
    ctx: WasiHttpCtx,
    hooks: DenyOutgoing,
}

/// Refuses every outgoing request with `HTTP-request-denied`.
#[derive(Default)]
struct DenyOutgoing;

type Sent = Box<dyn Future<Output = Result<(), Error>> + Send>;

impl WasiHttpHooks for DenyOutgoing {
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _sent: Sent,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, Sent), Error>> + Send> {
        Box::new(async { Err(Error::HttpRequestDenied) })
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
