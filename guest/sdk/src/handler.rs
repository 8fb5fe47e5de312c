//! What `handler!` exports: a function or a `Router`, and the glue from the WIT call to it.

use crate::{Request, Response, Result, bindings};

/// Something that answers a request: a `fn(&Request) -> Result<Response>` (or closure), or a
/// [`Router`](crate::Router). `handler!` exports one as the component's `handle`.
pub trait Handler {
    /// The response to `request`; errors are already turned into responses.
    fn respond(&self, request: Request) -> Response;
}

/// A handler's `Err` becomes the response of [`Error::to_response`](crate::Error::to_response)
/// and, for a 5xx, a line in the host's log.
impl<F: Fn(&Request) -> Result<Response>> Handler for F {
    fn respond(&self, request: Request) -> Response {
        self(&request).unwrap_or_else(|error| {
            error.log();
            error.to_response()
        })
    }
}

/// The body of the exported `handle`: WIT request in, WIT response out. Every failure the
/// handler reports is already a response, so the WIT `handler-error` is never returned; a panic
/// traps, and the host answers 500.
#[doc(hidden)]
pub fn handle(
    handler: &impl Handler,
    request: bindings::Request,
) -> std::result::Result<bindings::Response, bindings::HandlerError> {
    Ok(handler.respond(request.into()).into())
}

/// Exports a handler as the component's `handle`: a function (or closure)
/// `fn(&Request) -> Result<Response>`, or an expression that builds a [`Router`](crate::Router).
///
/// The expression is evaluated for each request; the host runs each request on a fresh
/// instance anyway. In the crate's own test build the export is left out (tests call the
/// handler through [`Handler::respond`]), so that the test binary, run by the wasmtime CLI,
/// imports nothing the CLI does not provide. Use it once per crate, at the top level:
///
/// ```ignore
/// lambda_wasm_sdk::handler!(hello);
/// lambda_wasm_sdk::handler!(routes());
/// ```
#[macro_export]
macro_rules! handler {
    ($handler:expr) => {
        #[cfg(not(test))]
        const _: () = {
            struct LambdaWasmHandler;

            impl $crate::bindings::Guest for LambdaWasmHandler {
                fn handle(
                    request: $crate::bindings::Request,
                ) -> ::core::result::Result<
                    $crate::bindings::Response,
                    $crate::bindings::HandlerError,
                > {
                    $crate::__handle(&$handler, request)
                }
            }

            $crate::bindings::export! { LambdaWasmHandler with_types_in $crate::bindings }
        };

        // The test build checks that the handler is one, and counts it as used.
        #[cfg(test)]
        const _: () = {
            #[allow(dead_code)]
            fn lambda_wasm_handler() -> impl $crate::Handler {
                $handler
            }
        };
    };
}
