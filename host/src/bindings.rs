//! The host side of `wit/`: generated once per world, and the only place generated names are
//! reached from.

// Generated from `wit/`, whose `///` comments document what they can.
#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        world: "handler",
        path: "../wit",
        exports: { default: async },
        // WASI's interfaces are wasmtime-wasi's and wasmtime-wasi-http's, linked by them.
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

// The `event-handler` world shares the `invocation` interface with `handler`: one host
// implementation links both.
#[allow(missing_docs)]
mod generated_event {
    wasmtime::component::bindgen!({
        world: "event-handler",
        path: "../wit",
        exports: { default: async },
        with: { "lambda-wasm:proxy/invocation": super::generated::lambda_wasm::proxy::invocation },
    });
}

// The `streaming-handler` world shares `types`, `invocation` and WASI with `handler`.
#[allow(missing_docs)]
mod generated_streaming {
    wasmtime::component::bindgen!({
        world: "streaming-handler",
        path: "../wit",
        exports: { default: async },
        with: {
            "lambda-wasm:proxy/types": super::generated::lambda_wasm::proxy::types,
            "lambda-wasm:proxy/invocation": super::generated::lambda_wasm::proxy::invocation,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub use generated::lambda_wasm::proxy::invocation::{self, InvocationContext};
pub use generated::lambda_wasm::proxy::types::{
    self, HandlerError, Request, RequestContext, Response, Source,
};
pub use generated::{Handler, HandlerPre};
pub use generated_event::lambda_wasm::proxy::event_errors::{self, ErrorDetails};
pub use generated_event::lambda_wasm::proxy::function::{self, FunctionContext};
pub use generated_event::{EventHandler, EventHandlerPre};
pub use generated_streaming::{StreamingHandler, StreamingHandlerPre};
