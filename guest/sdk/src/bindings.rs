//! The guest side's bindings, one `generate!` per world a handler can be built for (`handler`,
//! and [`streaming`] for `streaming-handler`, sharing the first's types), and the conversions
//! between their types and the SDK's.
//!
//! Handler crates never name anything in here: `handler!` and `streaming_handler!` reach the
//! `Guest` traits and the export macros through `$crate::bindings`, which is why this module is
//! public but hidden. Each export macro emits its world's exports where a handler crate calls
//! it, so a crate that calls one exports only that world.

wit_bindgen::generate!({
    world: "handler",
    path: "../../wit",
    // The handler crate, not this one, calls the export macro, so it must be public. The
    // custom section describing the exports is then emitted where the macro is called.
    pub_export_macro: true,
    // The WASI interfaces the world imports (wasi:http and its dependencies), generated here.
    generate_all,
});

/// The `streaming-handler` world: only its export is generated here; its imports are the
/// `handler` world's, above.
pub mod streaming {
    wit_bindgen::generate!({
        world: "streaming-handler",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "export_streaming",
        with: {
            "lambda-wasm:proxy/types@0.1.1": crate::bindings::lambda_wasm::proxy::types,
            "lambda-wasm:proxy/invocation@0.1.1": crate::bindings::lambda_wasm::proxy::invocation,
            "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
            "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
            "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
            "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
        },
    });
}

use std::cell::OnceCell;

// The generated `Request` and `Response` are the WIT's; the SDK's are named by their path.
use crate::context::{Context, Invocation, Source};
use crate::request::HostInvocation;

use lambda_wasm::proxy::invocation;
use lambda_wasm::proxy::types;

impl From<types::Request> for crate::Request {
    fn from(request: types::Request) -> Self {
        crate::Request {
            method: request.method,
            path: request.path,
            raw_path: request.raw_path,
            raw_query: request.raw_query,
            query: request.query,
            path_params: request.path_parameters,
            headers: request.headers,
            cookies: request.cookies,
            body: request.body,
            context: request.context.into(),
            invocation: OnceCell::new(),
            host: Some(HostInvocation {
                context: host_invocation,
                remaining_time_ms: host_remaining_time_ms,
            }),
        }
    }
}

impl From<types::RequestContext> for Context {
    fn from(context: types::RequestContext) -> Self {
        Context {
            source: match context.source {
                types::Source::RestApi => Source::RestApi,
                types::Source::HttpApi => Source::HttpApi,
                types::Source::Alb => Source::Alb,
                types::Source::FunctionUrl => Source::FunctionUrl,
            },
            request_id: context.request_id,
            stage: context.stage,
            route: context.route,
            source_ip: context.source_ip,
            user_agent: context.user_agent,
            domain_name: context.domain_name,
            stage_variables: context.stage_variables,
            authorizer: context.authorizer,
            request_time_epoch_ms: context.request_time_epoch_ms,
        }
    }
}

impl From<crate::Response> for types::Response {
    fn from(response: crate::Response) -> Self {
        types::Response {
            status: response.status,
            headers: response.headers,
            cookies: response.cookies,
            body: response.body,
        }
    }
}

/// The current invocation, asked of the host.
fn host_invocation() -> Invocation {
    let context = invocation::context();
    Invocation {
        request_id: context.request_id,
        function_name: context.function_name,
        function_version: context.function_version,
        deadline_epoch_ms: context.deadline_epoch_ms,
        trace_id: invocation::trace_id(),
        tenant_id: invocation::tenant_id(),
    }
}

/// Milliseconds left before the deadline, by the host's clock.
fn host_remaining_time_ms() -> u64 {
    invocation::remaining_time_ms()
}
