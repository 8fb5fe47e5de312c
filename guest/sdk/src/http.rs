//! Outbound HTTP from a handler, over the host's `wasi:http/outgoing-handler` (feature `http`).
//!
//! The host decides where a guest may connect (`LAMBDA_WASM_OUTBOUND_HOSTS`, deny by default);
//! a refused or failed request is an `Err`, never a trap. The client is [wstd]'s, the async
//! runtime aws-smithy-wasm is built on, so plain HTTP calls and AWS SDK calls share one
//! executor. `handle` is synchronous: [`block_on`] runs a future to its end inside it.
//!
//! ```ignore
//! use lambda_wasm_sdk::http::{self, Body, Client};
//! use lambda_wasm_sdk::{Error, Request, Response, Result};
//!
//! fn quote(_: &Request) -> Result<Response> {
//!     let request = http::Request::get("https://api.example.com/quote")
//!         .header("accept", "application/json")
//!         .body(Body::empty())
//!         .map_err(Error::internal)?;
//!     let quote: serde_json::Value = http::block_on(async {
//!         let mut response = Client::new().send(request).await?;
//!         response.body_mut().json().await
//!     })
//!     .map_err(Error::internal)?;
//!     Ok(Response::json(200, &quote))
//! }
//! ```
//!
//! (The same code is compiled by this module's tests.)
//!
//! [wstd]: https://docs.rs/wstd

pub use wstd::http::{Body, Client, Error, Request, Response};
pub use wstd::runtime::block_on;

#[cfg(test)]
mod tests {
    use crate::http::{self, Body, Client};
    use crate::{Error, Request, Response, Result};

    /// The module's example: compiled, not called (a unit test sends no request).
    #[allow(dead_code)]
    fn quote(_: &Request) -> Result<Response> {
        let request = http::Request::get("https://api.example.com/quote")
            .header("accept", "application/json")
            .body(Body::empty())
            .map_err(Error::internal)?;
        let quote: serde_json::Value = http::block_on(async {
            let mut response = Client::new().send(request).await?;
            response.body_mut().json().await
        })
        .map_err(Error::internal)?;
        Ok(Response::json(200, &quote))
    }
}
