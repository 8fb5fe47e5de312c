//! A hostile test component: sends `wasi:http` requests to the URL its request names, and
//! answers with what came back, one line per request. `GET /ok` answers 200.
//!
//! Query parameters: `url` (required), `count` (requests to send, default 1), `header`
//! (`name:value`, repeatable: set on every request, e.g. a forged `authorization`), `bytes` (a
//! POST with a body of that many bytes, written 64 KiB at a time), `empty` (that many empty
//! writes to the body before it is finished: a POST too) and `parallel` (start every request
//! before writing any body, so that all of them are in flight at once).

use hostile_support::bindings::wasi::http::outgoing_handler::{self, FutureIncomingResponse};
use hostile_support::bindings::wasi::http::types::{
    ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme,
};
use hostile_support::bindings::wasi::io::streams::{OutputStream, StreamError};
use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

/// What to send: the URL, the headers and the body.
struct Plan<'a> {
    url: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    /// Bytes of body; a POST when either this or `empty` is set.
    bytes: usize,
    /// Empty writes to the body.
    empty: usize,
}

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let param = |name: &'static str| {
            request
                .query
                .iter()
                .filter(move |(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let number = |name| {
            param(name)
                .next()
                .and_then(|value| value.parse().ok())
                .unwrap_or(0)
        };
        let plan = Plan {
            url: param("url").next().unwrap_or_default(),
            headers: param("header").filter_map(|h| h.split_once(':')).collect(),
            bytes: number("bytes"),
            empty: number("empty"),
        };
        let count = param("count")
            .next()
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        let outcomes: Vec<Result<(u16, usize), String>> = if param("parallel").next().is_some() {
            let started: Vec<_> = (0..count).map(|_| start(&plan)).collect();
            let sent: Vec<_> = started
                .into_iter()
                .map(|started| started.map(|started| started.send(&plan)))
                .collect();
            sent.into_iter().map(|sent| sent.and_then(wait)).collect()
        } else {
            (0..count)
                .map(|_| {
                    start(&plan)
                        .map(|started| started.send(&plan))
                        .and_then(wait)
                })
                .collect()
        };
        let report: Vec<String> = outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Ok((status, bytes)) => format!("status {status}, {bytes} bytes"),
                Err(error) => format!("error {error}"),
            })
            .collect();
        Ok(ok(report.join("\n")))
    }
}

/// A request handed to the host whose body is still to be written.
struct Started {
    future: FutureIncomingResponse,
    body: OutgoingBody,
}

/// Builds the request `plan` asks for and hands it to the host.
fn start(plan: &Plan) -> Result<Started, String> {
    let (scheme, rest) = plan.url.split_once("://").ok_or("not a URL")?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let fields = Fields::new();
    for (name, value) in &plan.headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|error| format!("header {name}: {error:?}"))?;
    }
    let request = OutgoingRequest::new(fields);
    let scheme = if scheme == "https" {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let method = if plan.bytes > 0 || plan.empty > 0 {
        Method::Post
    } else {
        Method::Get
    };
    let set = request.set_scheme(Some(&scheme)).is_ok()
        && request.set_method(&method).is_ok()
        && request.set_authority(Some(authority)).is_ok()
        && request.set_path_with_query(Some(path)).is_ok();
    if !set {
        return Err("the URL was not accepted".to_owned());
    }
    let body = request.body().map_err(|()| "no body")?;
    let future = outgoing_handler::handle(request, None).map_err(code)?;
    Ok(Started { future, body })
}

impl Started {
    /// Writes the body `plan` asks for and finishes it. A body the host stopped taking (it
    /// refused or failed the request) is finished as it is: the response says why.
    fn send(self, plan: &Plan) -> FutureIncomingResponse {
        if let Ok(stream) = self.body.write() {
            let _ =
                write_empty(&stream, plan.empty).and_then(|()| write_bytes(&stream, plan.bytes));
        }
        // Finishing fails when the host already dropped the body; the response tells the rest.
        let _ = OutgoingBody::finish(self.body, None);
        self.future
    }
}

/// Waits until `stream` takes more; the room it has, or why it takes no more.
fn room(stream: &OutputStream) -> Result<usize, StreamError> {
    loop {
        match stream.check_write()? {
            0 => stream.subscribe().block(),
            room => return Ok(usize::try_from(room).unwrap_or(usize::MAX)),
        }
    }
}

/// `count` writes of nothing.
fn write_empty(stream: &OutputStream, count: usize) -> Result<(), StreamError> {
    for _ in 0..count {
        room(stream)?;
        stream.write(&[])?;
    }
    Ok(())
}

/// `count` bytes of `x`, from one 64 KiB buffer.
fn write_bytes(stream: &OutputStream, count: usize) -> Result<(), StreamError> {
    static CHUNK: [u8; 64 << 10] = [b'x'; 64 << 10];
    let mut left = count;
    while left > 0 {
        let size = left.min(CHUNK.len()).min(room(stream)?);
        stream.write(&CHUNK[..size])?;
        left -= size;
    }
    Ok(())
}

/// The response's status and the length of its body, or the error code.
fn wait(future: FutureIncomingResponse) -> Result<(u16, usize), String> {
    future.subscribe().block();
    let response = future
        .get()
        .ok_or("no response")?
        .map_err(|()| "response taken twice")?
        .map_err(code)?;
    let status = response.status();
    let body = response.consume().map_err(|()| "no body")?;
    let stream = body.stream().map_err(|()| "no stream")?;
    let mut bytes = 0;
    loop {
        match stream.blocking_read(64 << 10) {
            Ok(chunk) => bytes += chunk.len(),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(error)) => {
                let error = hostile_support::bindings::wasi::http::types::http_error_code(&error)
                    .map_or_else(|| error.to_debug_string(), code);
                return Err(format!("{error} after {bytes} bytes"));
            }
        }
    }
    Ok((status, bytes))
}

/// The error code as the WIT names it in Rust, e.g. `HttpRequestDenied`.
fn code(error: ErrorCode) -> String {
    let debug = format!("{error:?}");
    debug
        .strip_prefix("ErrorCode::")
        .unwrap_or(&debug)
        .to_owned()
}

hostile_support::export_hostile!(Hostile);
