//! Streaming responses: a handler that writes its body in parts, each part reaching the client
//! as it is written (Lambda's response streaming, through a Function URL or a REST API).
//!
//! ```ignore
//! use lambda_wasm_sdk::{Request, Response, ResponseWriter, Result};
//!
//! lambda_wasm_sdk::streaming_handler!(count);
//!
//! fn count(_request: &Request, response: &mut ResponseWriter) -> Result<()> {
//!     response.start(Response::text(200, ""))?;
//!     for n in 1..=3 {
//!         response.write(format!("{n}\n"))?;
//!         std::thread::sleep(std::time::Duration::from_millis(500));
//!     }
//!     Ok(())
//! }
//! ```
//!
//! The component is of the contract's `streaming-handler` world. Where the host does not stream
//! (an HTTP API or an ALB, or a function left in buffered mode) it sends the parts as one
//! response, at most 6 MB; streamed, up to 200 MB. A write returns once the host has taken the
//! part: while the client is slower than the handler, the handler waits.

use crate::bindings::streaming::ResponseOutparam;
use crate::bindings::wasi::http::types::{Fields, OutgoingBody, OutgoingResponse};
use crate::bindings::wasi::io::streams::OutputStream;
use crate::{Error, Request, Response, Result, bindings, sse};

/// Where a streaming handler writes its response: [`start`](Self::start) sends the status and
/// headers, each [`write`](Self::write) a part of the body, [`send_event`](Self::send_event) a
/// server-sent event. The response ends when the handler returns.
///
/// In a test, [`ResponseWriter::buffer`] keeps what the handler wrote:
///
/// ```
/// use lambda_wasm_sdk::{Request, Response, ResponseWriter};
///
/// let mut response = ResponseWriter::buffer();
/// response.start(Response::text(200, "a")).unwrap();
/// response.write("b").unwrap();
/// assert_eq!(response.written_head().unwrap().status(), 200);
/// assert_eq!(response.written_parts(), [b"a".to_vec(), b"b".to_vec()]);
/// ```
pub struct ResponseWriter {
    target: Target,
}

enum Target {
    /// The host's response, not started yet.
    Waiting(ResponseOutparam),
    /// The host's response, started: the stream its body is written to, and the body. The
    /// stream is the body's child: it must be dropped first, as the fields' order does.
    Writing {
        stream: OutputStream,
        body: OutgoingBody,
    },
    /// The host's response, finished.
    Finished,
    /// Kept in memory, for tests.
    Buffer {
        head: Option<Response>,
        parts: Vec<Vec<u8>>,
    },
}

impl ResponseWriter {
    /// A writer that keeps the head and the parts it is given, for tests.
    pub fn buffer() -> Self {
        ResponseWriter {
            target: Target::Buffer {
                head: None,
                parts: Vec::new(),
            },
        }
    }

    pub(crate) fn new(outparam: ResponseOutparam) -> Self {
        ResponseWriter {
            target: Target::Waiting(outparam),
        }
    }

    /// Whether the status and headers have gone out.
    pub fn is_started(&self) -> bool {
        match &self.target {
            Target::Waiting(_) => false,
            Target::Writing { .. } | Target::Finished => true,
            Target::Buffer { head, .. } => head.is_some(),
        }
    }

    /// Sends `head`'s status, headers and cookies, then its body, if it has one, as the first
    /// part. Once only; a header that HTTP does not allow is an error.
    pub fn start(&mut self, head: Response) -> Result<()> {
        if self.is_started() {
            return Err(Error::internal("the response was started twice"));
        }
        let Response {
            status,
            headers,
            cookies,
            body,
        } = head;
        let head = Response {
            status,
            headers,
            cookies,
            body: Vec::new(),
        };
        match std::mem::replace(&mut self.target, Target::Finished) {
            Target::Waiting(outparam) => self.target = start_on_host(outparam, head)?,
            Target::Buffer { parts, .. } => {
                self.target = Target::Buffer {
                    head: Some(head),
                    parts,
                }
            }
            started => self.target = started,
        }
        if body.is_empty() {
            return Ok(());
        }
        self.write(body)
    }

    /// Sends `part` as the next part of the body, once the host has room for it. A response not
    /// started yet starts as `200`, `content-type: application/octet-stream`.
    pub fn write(&mut self, part: impl AsRef<[u8]>) -> Result<()> {
        let part = part.as_ref();
        if !self.is_started() {
            self.start(Response::new(200).with_header("content-type", "application/octet-stream"))?;
        }
        if part.is_empty() {
            return Ok(());
        }
        match &mut self.target {
            Target::Writing { stream, .. } => write_all(stream, part),
            Target::Buffer { parts, .. } => {
                parts.push(part.to_vec());
                Ok(())
            }
            Target::Waiting(_) | Target::Finished => {
                Err(Error::internal("the response is already finished"))
            }
        }
    }

    /// Sends one server-sent event as the next part. A response not started yet starts as
    /// [`Response::event_stream`].
    pub fn send_event(&mut self, event: &sse::Event) -> Result<()> {
        if !self.is_started() {
            self.start(Response::event_stream())?;
        }
        self.write(event.to_string())
    }

    /// The head the handler started with, in a [`buffer`](Self::buffer).
    pub fn written_head(&self) -> Option<&Response> {
        match &self.target {
            Target::Buffer { head, .. } => head.as_ref(),
            _ => None,
        }
    }

    /// The parts the handler wrote, each as written, in a [`buffer`](Self::buffer).
    pub fn written_parts(&self) -> &[Vec<u8>] {
        match &self.target {
            Target::Buffer { parts, .. } => parts,
            _ => &[],
        }
    }

    /// The whole body the handler wrote, in a [`buffer`](Self::buffer).
    pub fn written_body(&self) -> Vec<u8> {
        self.written_parts().concat()
    }

    /// Ends the response: one never started becomes `200` with no body.
    fn finish(&mut self) -> Result<()> {
        if !self.is_started() {
            self.start(Response::new(200))?;
        }
        match std::mem::replace(&mut self.target, Target::Finished) {
            Target::Writing { body, stream } => {
                // The stream is the body's child: it goes first.
                drop(stream);
                OutgoingBody::finish(body, None)
                    .map_err(|code| Error::internal(format!("finishing the body: {code:?}")))
            }
            kept @ Target::Buffer { .. } => {
                self.target = kept;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Sets the host's response to `head` and opens its body.
fn start_on_host(outparam: ResponseOutparam, head: Response) -> Result<Target> {
    let mut entries: Vec<(String, Vec<u8>)> = head
        .headers
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.into_bytes()))
        .collect();
    entries.extend(
        head.cookies
            .into_iter()
            .map(|cookie| ("set-cookie".to_owned(), cookie.into_bytes())),
    );
    let fields = Fields::from_list(&entries)
        .map_err(|error| Error::internal(format!("the response's headers: {error:?}")))?;
    let response = OutgoingResponse::new(fields);
    response
        .set_status_code(head.status)
        .map_err(|()| Error::internal(format!("{} is not an HTTP status", head.status)))?;
    let body = response
        .body()
        .map_err(|()| Error::internal("the response's body was taken"))?;
    let stream = body
        .write()
        .map_err(|()| Error::internal("the body's stream was taken"))?;
    ResponseOutparam::set(outparam, Ok(response));
    Ok(Target::Writing { body, stream })
}

/// Writes all of `bytes` to `stream` as the host takes it, then waits until it has room again:
/// a part is handed over whole, and the handler runs no further ahead of the client than that.
fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<()> {
    let failed = |error| Error::internal(format!("writing the response body: {error:?}"));
    while !bytes.is_empty() {
        let permitted = stream.check_write().map_err(failed)?;
        if permitted == 0 {
            stream.subscribe().block();
            continue;
        }
        let length = bytes
            .len()
            .min(usize::try_from(permitted).unwrap_or(usize::MAX));
        stream.write(&bytes[..length]).map_err(failed)?;
        bytes = &bytes[length..];
    }
    stream.blocking_flush().map_err(failed)
}

/// A streaming handler: writes the response to `request` on `response`. A function (or
/// closure) `fn(&Request, &mut ResponseWriter) -> Result<()>` is one; `streaming_handler!`
/// exports it as the component's `handle-streaming`.
pub trait StreamingHandler {
    /// Writes the response to `request`.
    fn stream(&self, request: &Request, response: &mut ResponseWriter) -> Result<()>;
}

impl<F: Fn(&Request, &mut ResponseWriter) -> Result<()>> StreamingHandler for F {
    fn stream(&self, request: &Request, response: &mut ResponseWriter) -> Result<()> {
        self(request, response)
    }
}

/// The body of the exported `handle-streaming`. A handler's `Err` before its response started
/// becomes the response of [`Error::to_response`], as a plain handler's does; after, it is
/// returned, and the host ends the stream as failed. Either way a 5xx goes to the log. A panic
/// traps.
#[doc(hidden)]
pub fn handle_streaming(
    handler: &impl StreamingHandler,
    request: bindings::Request,
    outparam: ResponseOutparam,
) -> std::result::Result<(), bindings::HandlerError> {
    let mut response = ResponseWriter::new(outparam);
    let result = handler.stream(&request.into(), &mut response);
    let finished = match result {
        Ok(()) => response.finish(),
        Err(error) if response.is_started() => {
            // The body is left open: dropped, it would end the stream as aborted before the
            // error reaches the host, which would report the abort rather than this error. The
            // instance ends with this call.
            std::mem::forget(response);
            Err(error)
        }
        Err(error) => {
            error.log();
            let answered = error.to_response();
            response.start(answered).and_then(|()| response.finish())
        }
    };
    finished.map_err(|error| {
        error.log();
        bindings::HandlerError {
            message: error.to_string(),
        }
    })
}

/// Exports a streaming handler as the component's `handle-streaming`: a function (or closure)
/// `fn(&Request, &mut ResponseWriter) -> Result<()>`, or an expression that builds one.
///
/// As with `handler!`, the export is left out of the crate's own test build, where tests call
/// the function with a [`ResponseWriter::buffer`]. Use it once per crate, at the top level:
///
/// ```ignore
/// lambda_wasm_sdk::streaming_handler!(clock);
/// ```
#[macro_export]
macro_rules! streaming_handler {
    ($handler:expr) => {
        #[cfg(not(test))]
        const _: () = {
            struct LambdaWasmStreamingHandler;

            impl $crate::bindings::streaming::Guest for LambdaWasmStreamingHandler {
                fn handle_streaming(
                    request: $crate::bindings::Request,
                    response_out: $crate::bindings::streaming::ResponseOutparam,
                ) -> ::core::result::Result<(), $crate::bindings::HandlerError> {
                    $crate::__handle_streaming(&$handler, request, response_out)
                }
            }

            $crate::bindings::streaming::export_streaming! {
                LambdaWasmStreamingHandler with_types_in $crate::bindings::streaming
            }
        };

        // The test build checks that the handler is one, and counts it as used.
        #[cfg(test)]
        const _: () = {
            #[allow(dead_code)]
            fn lambda_wasm_streaming_handler() -> impl $crate::StreamingHandler {
                $handler
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::Event;

    #[test]
    fn a_head_with_a_body_sends_the_body_as_the_first_part() {
        let mut response = ResponseWriter::buffer();
        response
            .start(Response::text(201, "first").with_cookie("a=1"))
            .unwrap();
        response.write("second").unwrap();
        response.write("").unwrap();
        let head = response.written_head().unwrap();
        assert_eq!(head.status(), 201);
        assert_eq!(head.cookies(), ["a=1"]);
        assert!(head.body().is_empty());
        assert_eq!(
            response.written_parts(),
            [b"first".to_vec(), b"second".to_vec()]
        );
    }

    #[test]
    fn writing_first_starts_as_bytes_and_an_event_first_as_an_event_stream() {
        let mut bytes = ResponseWriter::buffer();
        bytes.write([0, 255]).unwrap();
        let head = bytes.written_head().unwrap();
        assert_eq!(head.status(), 200);
        assert_eq!(
            head.header("content-type"),
            Some("application/octet-stream")
        );

        let mut events = ResponseWriter::buffer();
        events.send_event(&Event::new().data("hi")).unwrap();
        let head = events.written_head().unwrap();
        assert_eq!(head.header("content-type"), Some("text/event-stream"));
        assert_eq!(head.header("cache-control"), Some("no-cache"));
        assert_eq!(events.written_body(), b"data: hi\n\n");
    }

    #[test]
    fn a_response_starts_once() {
        let mut response = ResponseWriter::buffer();
        assert!(!response.is_started());
        response.start(Response::new(200)).unwrap();
        assert!(response.is_started());
        let error = response.start(Response::new(500)).unwrap_err();
        assert_eq!(error.status(), 500);
        assert_eq!(response.written_head().unwrap().status(), 200);
    }
}
