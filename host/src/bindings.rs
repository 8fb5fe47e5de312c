//! The host side of `wit/`: generated once, and the only place generated names are reached from.

// Generated from `wit/`, whose `///` comments document what they can.
#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        world: "handler",
        path: "../wit",
        exports: { default: async },
    });
}

pub use generated::lambda_wasm::proxy::invocation::{self, InvocationContext};
pub use generated::lambda_wasm::proxy::types::{
    self, HandlerError, Request, RequestContext, Response, Source,
};
pub use generated::{Handler, HandlerPre};
