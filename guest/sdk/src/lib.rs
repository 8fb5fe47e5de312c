//! Write a lambda-wasm handler as plain Rust: this crate hides the WIT bindings.
//!
//! A handler crate is a `cdylib` whose `lib.rs` is its logic and one `handler!` line:
//!
//! ```ignore
//! use lambda_wasm_sdk::{Request, Response, Result, Router};
//! use serde_json::json;
//!
//! lambda_wasm_sdk::handler!(routes());
//!
//! fn routes() -> Router {
//!     Router::new().get("/users/{userId}", get_user).with_cors("*")
//! }
//!
//! fn get_user(request: &Request) -> Result<Response> {
//!     let id = request.path_param("userId").unwrap_or_default();
//!     Ok(Response::json(200, &json!({ "id": id })))
//! }
//! ```
//!
//! - [`Request`]: headers in any case, query and path parameters, cookies, the body as text or
//!   JSON (a clear 400 when it is not), the front end's [`Context`] and the Lambda
//!   [`Invocation`]. `Request::new(..).with_*(..)` builds requests for tests.
//! - [`Response`]: JSON with a status, text, bytes; headers, [`Cookie`]s, CORS.
//! - [`Router`]: API Gateway route patterns per method, 404 and 405 otherwise.
//! - [`ResponseWriter`] and `streaming_handler!`: a response streamed as it is written, for
//!   Function URLs and REST APIs that stream; [`sse`] for server-sent events.
//! - [`Error`] and [`Result`]: `?` on any error gives a 500 whose cause goes to the host's log;
//!   `Error::bad_request(..)` and friends give the client a status and a message.
//! - [`aws`] (feature `aws`): a ready AWS SDK for Rust configuration over `wasi:http`; the
//!   host signs, the guest holds no credentials.
//! - [`authorizer`]: API Gateway Lambda authorizers (`authorizer!`): the event and the answer
//!   typed, the component an `event-handler` one, whose result API Gateway reads.
//! - [`http`] (feature `http`): plain outbound HTTP to the destinations the host allows, and
//!   `block_on` to call async code from `handle`.

#![warn(missing_docs)]

pub mod authorizer;
#[cfg(feature = "aws")]
pub mod aws;
#[doc(hidden)]
pub mod bindings;
mod context;
mod error;
#[doc(hidden)]
pub mod event_bindings;
mod handler;
#[cfg(feature = "http")]
pub mod http;
mod request;
mod response;
mod router;
pub mod sse;
mod streaming;

pub use context::{Context, Invocation, Source};
pub use error::{Error, Result};
pub use handler::Handler;
#[doc(hidden)]
pub use handler::handle as __handle;
pub use request::Request;
pub use response::{Cookie, Response};
pub use router::Router;
#[doc(hidden)]
pub use streaming::handle_streaming as __handle_streaming;
pub use streaming::{ResponseWriter, StreamingHandler};
