//! A hostile test component: sends `wasi:http` requests to the URL its request names, and
//! answers with what came back, one line per request. `GET /ok` answers 200.
//!
//! Query parameters: `url` (required), `count` (requests to send, default 1) and `header`
//! (`name:value`, repeatable: set on every request, e.g. a forged `authorization`).

use hostile_support::bindings::wasi::http::outgoing_handler;
use hostile_support::bindings::wasi::http::types::{
    ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme,
};
use hostile_support::bindings::wasi::io::streams::StreamError;
use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

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
        let url = param("url").next().unwrap_or_default();
        let count: usize = param("count")
            .next()
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        let headers: Vec<(&str, &str)> =
            param("header").filter_map(|h| h.split_once(':')).collect();
        let outcomes: Vec<String> = (0..count)
            .map(|_| match fetch(url, &headers) {
                Ok((status, bytes)) => format!("status {status}, {bytes} bytes"),
                Err(error) => format!("error {error}"),
            })
            .collect();
        Ok(ok(outcomes.join("\n")))
    }
}

/// Sends `GET url` with `headers`; the status and the body's length, or the error code.
fn fetch(url: &str, headers: &[(&str, &str)]) -> Result<(u16, usize), String> {
    let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let fields = Fields::new();
    for (name, value) in headers {
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
    let set = request.set_scheme(Some(&scheme)).is_ok()
        && request.set_method(&Method::Get).is_ok()
        && request.set_authority(Some(authority)).is_ok()
        && request.set_path_with_query(Some(path)).is_ok();
    if !set {
        return Err("the URL was not accepted".to_owned());
    }
    let body = request.body().map_err(|()| "no body")?;
    OutgoingBody::finish(body, None).map_err(code)?;
    let future = outgoing_handler::handle(request, None).map_err(code)?;
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
