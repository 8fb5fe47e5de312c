//! What the client gets when the guest gives no response it can have, and what the log says:
//! 500 for a trap, an exception or a handler error, 504 past the deadline, 503 when no instance
//! slot came free, 502 for a response the front end would refuse, 400 for a request the guest
//! cannot be given. The one place each failure's status is chosen.

use crate::bindings::{Response, Source};
use crate::component::GuestFailure;
use crate::event::ResponseFormat;
use crate::response::{self, ProxyResponse};

/// The proxy response for the guest's result: its response encoded for the front end, or the
/// error its failure gets.
pub fn respond(
    result: Result<Response, GuestFailure>,
    front_end: Source,
    format: ResponseFormat,
) -> ProxyResponse {
    result
        .and_then(|guest| response::encode(guest, front_end, format).map_err(GuestFailure::from))
        .unwrap_or_else(|failure| failed(failure, format))
}

/// The error response for `failure`, logged once with its detail.
pub fn failed(failure: GuestFailure, format: ResponseFormat) -> ProxyResponse {
    match failure {
        GuestFailure::Deadline => {
            tracing::error!("the handler ran past its deadline");
            timed_out(format)
        }
        failure @ GuestFailure::MalformedResult(_) => {
            tracing::error!("{failure}");
            response::error(format, 502, "Bad Gateway")
        }
        GuestFailure::PoolFull => {
            tracing::warn!("pool full: every instance slot was busy until the deadline");
            response::error(format, 503, "Service Unavailable")
        }
        GuestFailure::Invalid(invalid) => {
            tracing::error!("the handler's response is invalid: {invalid}");
            response::error(format, 502, "Bad Gateway")
        }
        GuestFailure::Request(why) => {
            tracing::warn!("refused the request: {why}");
            response::error(format, 400, "Bad Request")
        }
        failure => {
            tracing::error!("{failure}");
            response::error(format, 500, "Internal Server Error")
        }
    }
}

/// API Gateway's answer when the function does not finish in time.
pub fn timed_out(format: ResponseFormat) -> ProxyResponse {
    response::error(format, 504, "Endpoint request timed out")
}
