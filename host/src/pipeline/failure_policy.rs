//! What the client gets when the guest gives no response it can have, and what the log says:
//! 500 for a trap, an exception or a handler error, 504 past the deadline, 503 when no instance
//! slot came free, 502 for a response the front end would refuse, 400 for a request the guest
//! cannot be given. A streamed response whose head has already gone out ends instead with the
//! failure's error type and message (on Lambda, in the stream's error trailers). The one place
//! each failure's answer is chosen.

use crate::bindings::{Response, Source};
use crate::component::GuestFailure;
use crate::event::ResponseFormat;
use crate::response::{self, InvalidResponse, ProxyResponse};

/// What the client is told of a failure: API Gateway's status and `message`, and the error type
/// that ends a stream already started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status, when the response has not started.
    pub status: u16,
    /// The `message` of API Gateway's JSON error; never the guest's own words.
    pub message: &'static str,
    /// Lambda's `<category.reason>` error type, for a stream's trailers.
    pub error_type: &'static str,
}

/// API Gateway's answer when the function does not finish in time.
pub const TIMED_OUT: Refusal = Refusal {
    status: 504,
    message: "Endpoint request timed out",
    error_type: "Runtime.DeadlineExceeded",
};

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
    refused(refusal(failure), format)
}

/// API Gateway's JSON error for `refusal`, in the shape of `format`.
pub fn refused(refusal: Refusal, format: ResponseFormat) -> ProxyResponse {
    response::error(format, refusal.status, refusal.message)
}

/// API Gateway's answer when the function does not finish in time, in the shape of `format`.
pub fn timed_out(format: ResponseFormat) -> ProxyResponse {
    refused(TIMED_OUT, format)
}

/// What the client is told of `failure`, logged once with its detail.
pub fn refusal(failure: GuestFailure) -> Refusal {
    let internal = |error_type| Refusal {
        status: 500,
        message: "Internal Server Error",
        error_type,
    };
    let bad_gateway = |error_type| Refusal {
        status: 502,
        message: "Bad Gateway",
        error_type,
    };
    match failure {
        GuestFailure::Deadline => {
            tracing::error!("the handler ran past its deadline");
            TIMED_OUT
        }
        failure @ GuestFailure::MalformedResult(_) => {
            tracing::error!("{failure}");
            bad_gateway("Runtime.MalformedResult")
        }
        GuestFailure::PoolFull => {
            tracing::warn!("pool full: every instance slot was busy until the deadline");
            Refusal {
                status: 503,
                message: "Service Unavailable",
                error_type: "Runtime.PoolFull",
            }
        }
        GuestFailure::Invalid(invalid) => {
            tracing::error!("the handler's response is invalid: {invalid}");
            bad_gateway(match invalid {
                InvalidResponse::TooLarge { .. } => "Runtime.ResponseTooLarge",
                _ => "Runtime.InvalidResponse",
            })
        }
        GuestFailure::Request(why) => {
            tracing::warn!("refused the request: {why}");
            Refusal {
                status: 400,
                message: "Bad Request",
                error_type: "Runtime.BadRequest",
            }
        }
        failure @ GuestFailure::Abandoned => {
            // The client's choice, not a fault: nobody is left to answer.
            tracing::warn!("{failure}");
            internal("Runtime.Abandoned")
        }
        failure @ GuestFailure::Trap(_) => {
            tracing::error!("{failure}");
            internal("Runtime.GuestTrap")
        }
        failure @ GuestFailure::Http(_) => {
            tracing::error!("{failure}");
            internal("Runtime.StreamError")
        }
        failure @ GuestFailure::NoResult(_) => {
            tracing::error!("{failure}");
            internal("Runtime.UnsupportedEvent")
        }
        failure @ (GuestFailure::Handler(_) | GuestFailure::Exception(_)) => {
            tracing::error!("{failure}");
            internal("Runtime.HandlerError")
        }
    }
}
