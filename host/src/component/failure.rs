//! Why a guest gave no response, told apart once: its own error, its deadline, no free
//! instance slot, or a trap.

use wasmtime::{PoolConcurrencyLimitError, Trap};

use crate::bindings::ErrorDetails;
use crate::function_result::MalformedResult;
use crate::guest_text;
use crate::response::InvalidResponse;

/// Why the guest gave no response.
#[derive(Debug, thiserror::Error)]
pub enum GuestFailure {
    /// The guest returned its typed `handler-error`. Logged escaped and bounded: the message is
    /// the guest's to choose.
    #[error("the handler returned an error: {}", guest_text::for_log(.0))]
    Handler(String),
    /// An `event-handler` guest's uncaught exception, reported as Lambda's runtimes report one.
    /// Logged escaped and bounded, as the guest chose every word of it.
    #[error(
        "the handler raised {}: {}; stackTrace: {}",
        guest_text::for_log(&.0.error_type),
        guest_text::for_log(&.0.error_message),
        guest_text::for_log(&.0.stack_trace.join("\n"))
    )]
    Exception(ErrorDetails),
    /// An `event-handler` guest's result that the front end would refuse.
    #[error("{0}")]
    MalformedResult(#[from] MalformedResult),
    /// The guest was still running at its deadline.
    #[error("the handler ran past its deadline")]
    Deadline,
    /// Every instance slot of the pool was in use until the deadline: the guest never ran.
    #[error("pool full: no free instance slot before the deadline")]
    PoolFull,
    /// The guest trapped (a panic, `unreachable`, a stack overflow, memory it could not get, ...)
    /// or could not be instantiated. Logged escaped and bounded: a trap's backtrace names the
    /// guest's functions, and those names are the guest's to choose.
    #[error("the handler trapped: {}", guest_text::for_log(&format!("{:?}", .0)))]
    Trap(wasmtime::Error),
    /// A `wasi:http` guest broke the protocol: it set no response, set an error, or its body
    /// failed (e.g. longer or shorter than its `content-length`, or it trapped while sending).
    #[error("the wasi:http handler gave no response: {}", guest_text::for_log(.0))]
    Http(String),
    /// The guest's response cannot be sent: the front end would refuse it, or (`wasi:http`) a
    /// header value is not text or the body is larger than any front end takes. 502.
    #[error("the handler's response is invalid: {0}")]
    Invalid(#[from] InvalidResponse),
    /// Whatever read the streamed response went away before its end (the client disconnected,
    /// or the Runtime API closed the request): the guest is stopped, as nobody reads it.
    #[error("the response's reader went away while the guest was still writing it")]
    Abandoned,
    /// A Lambda authorizer's event for a component that answers requests, not events: only an
    /// `event-handler` component returns the function's result.
    #[error(
        "{0} component cannot answer a Lambda authorizer's event: build the authorizer as an \
         `event-handler` component (a Python handler, or the Rust SDK's `authorizer!`)"
    )]
    NoResult(&'static str),
    /// The request could not be given to a `wasi:http` guest (an authority or path that is
    /// not a valid URI): 400.
    #[error("the request cannot be given to the wasi:http handler: {0}")]
    Request(String),
}

impl GuestFailure {
    /// Classifies an error from instantiating or calling the guest: the epoch interrupt is its
    /// deadline, a pool at its limit is [`GuestFailure::PoolFull`], anything else a trap.
    pub fn from_wasmtime(error: wasmtime::Error) -> Self {
        if error.downcast_ref::<PoolConcurrencyLimitError>().is_some() {
            return Self::PoolFull;
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Self::Deadline,
            _ => Self::Trap(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_interrupt_is_the_deadline_and_other_traps_are_traps() {
        let interrupt = wasmtime::Error::from(Trap::Interrupt);
        assert!(matches!(
            GuestFailure::from_wasmtime(interrupt),
            GuestFailure::Deadline
        ));
        for trap in [
            Trap::UnreachableCodeReached,
            Trap::StackOverflow,
            Trap::MemoryOutOfBounds,
        ] {
            let failure = GuestFailure::from_wasmtime(wasmtime::Error::from(trap));
            assert!(matches!(failure, GuestFailure::Trap(_)), "{trap:?}");
        }
        let other = GuestFailure::from_wasmtime(wasmtime::format_err!("no such export"));
        assert!(matches!(other, GuestFailure::Trap(_)));
    }

    #[test]
    fn a_handler_error_is_logged_on_one_line_and_bounded() {
        let message = format!("refused\rINFO forged line\n{}", "e".repeat(10 << 20));
        let logged = GuestFailure::Handler(message).to_string();
        assert!(logged.starts_with(r"the handler returned an error: refused\rINFO forged line\n"));
        assert!(!logged.contains(['\r', '\n']));
        assert!(
            logged.ends_with("more bytes dropped)"),
            "{}",
            &logged[logged.len() - 60..]
        );
        assert!(logged.len() < 2 * guest_text::MAX_LOGGED_CHARS);
    }

    #[test]
    fn a_trap_is_logged_on_one_line_and_bounded() {
        let trap = wasmtime::format_err!(
            "in guest function `evil\nINFO forged`{}",
            "x".repeat(1 << 20)
        );
        let logged = GuestFailure::Trap(trap).to_string();
        assert!(logged.contains(r"evil\nINFO forged"), "{logged}");
        assert!(!logged.contains(['\r', '\n']));
        assert!(logged.len() < 2 * guest_text::MAX_LOGGED_CHARS);
    }
}
