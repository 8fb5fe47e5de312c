//! The error a handler returns: a status and a message meant for the client, and for failures
//! the cause, which goes to the log and never to the client.

use std::fmt;

use serde_json::json;

use crate::Response;

/// `Result<T, lambda_wasm_sdk::Error>`, what handlers return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A handler's error: it becomes the response `status` with the JSON body
/// `{"message": message}` (or whatever `Router::on_error` makes of it).
///
/// `?` turns any `std::error::Error` into a 500 `Internal Server Error` whose cause is written
/// to the host's log. [`Error::new`] and its shorthands make errors meant for the client.
pub struct Error {
    status: u16,
    message: String,
    cause: Option<Cause>,
}

impl Error {
    /// An error answered with `status` and `message`, e.g. `Error::new(409, "Name taken")`.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Error {
            status,
            message: message.into(),
            cause: None,
        }
    }

    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::new(400, message)
    }

    /// 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(404, message)
    }

    /// A failure: the client gets 500 `Internal Server Error`, the log gets `detail`.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Error::internal_from(detail.to_string().into())
    }

    fn internal_from(cause: Cause) -> Self {
        Error {
            status: 500,
            message: "Internal Server Error".to_owned(),
            cause: Some(cause),
        }
    }

    /// The status the client gets.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message the client gets.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error behind a failure, for the log; `None` for errors made with [`Error::new`].
    pub fn cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as _)
    }

    /// The response a plain handler gives for this error: its status and `{"message": ..}`.
    pub fn to_response(&self) -> Response {
        Response::json(self.status, &json!({ "message": self.message }))
    }

    /// Writes server errors (5xx) to stderr, which the host logs with the invocation's ids.
    /// Client errors are answers, not failures, and are not logged.
    pub(crate) fn log(&self) {
        if self.status >= 500 {
            eprintln!("handler error: {self}");
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Error::internal_from(Box::new(error))
    }
}

/// The status, the message and the whole chain of causes: `500 Internal Server Error: a: b`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)?;
        let mut cause = self.cause();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_makes_any_error_a_500_that_hides_the_cause() {
        fn parse() -> Result<u32> {
            Ok("x".parse::<u32>()?)
        }
        let error = parse().unwrap_err();
        assert_eq!(error.status(), 500);
        assert_eq!(error.message(), "Internal Server Error");
        assert_eq!(
            error.to_string(),
            "500 Internal Server Error: invalid digit found in string"
        );
        let response = error.to_response();
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.body_text(),
            Some(r#"{"message":"Internal Server Error"}"#)
        );
    }

    #[test]
    fn client_errors_carry_their_own_status_and_message() {
        let error = Error::bad_request("Missing required field: name");
        assert_eq!(error.status(), 400);
        assert!(error.cause().is_none());
        assert_eq!(
            error.to_response().body_text(),
            Some(r#"{"message":"Missing required field: name"}"#)
        );
    }

    #[test]
    fn internal_keeps_the_detail_for_the_log_only() {
        let error = Error::internal("the store is closed");
        assert_eq!(error.message(), "Internal Server Error");
        assert_eq!(
            error.cause().map(ToString::to_string),
            Some("the store is closed".to_owned())
        );
    }
}
