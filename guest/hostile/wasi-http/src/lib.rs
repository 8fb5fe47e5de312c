//! A hostile test component: a `wasi:http/proxy` handler that misbehaves as its path asks.
//! `GET /ok` answers 200 `ok`; `/no-response` returns without setting a response;
//! `/over-content-length` declares 2 bytes and sends more; `/trap-mid-body` panics after its
//! response has started; `/stream-forever` sends its body until stopped; `/cookies` sets two
//! cookies beside a header; `/outbound` tries an outgoing request and answers with what it got;
//! `/authority` answers with the request's authority; `/empty-writes/response` and
//! `/empty-writes/stdout` write nothing, `count` times (default two million), to the response's
//! body or to stdout, then answer how many.

use std::io::Write as _;

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
    Scheme,
};
use wasip2::io::streams::{OutputStream, StreamError};

wasip2::http::proxy::export!(Hostile);

struct Hostile;

impl wasip2::exports::http::incoming_handler::Guest for Hostile {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let (path, query) = path_with_query
            .split_once('?')
            .unwrap_or((&path_with_query, ""));
        let count = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("count="))
            .and_then(|count| count.parse().ok())
            .unwrap_or(2_000_000);
        match path {
            "/no-response" => {}
            "/over-content-length" => {
                let body = respond(response_out, &[("content-length", "2")]);
                write_then_finish(body, b"more than two bytes");
            }
            "/trap-mid-body" => {
                let body = respond(response_out, &[]);
                let mut stream = body.write().expect("the body's stream");
                let _ = stream.write_all(b"the start of a body");
                let _ = stream.flush();
                panic!("trapped after the response started");
            }
            "/stream-forever" => {
                let body = respond(response_out, &[]);
                let mut stream = body.write().expect("the body's stream");
                loop {
                    if stream
                        .write_all(b"more")
                        .and_then(|()| std::io::Write::flush(&mut stream))
                        .is_err()
                    {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
            "/cookies" => {
                let headers = [
                    ("set-cookie", "a=1; Path=/"),
                    ("x-kept", "yes"),
                    ("set-cookie", "b=2"),
                ];
                write_then_finish(respond(response_out, &headers), b"ok");
            }
            "/authority" => {
                let authority = request.authority().unwrap_or_default();
                write_then_finish(respond(response_out, &[]), authority.as_bytes());
            }
            "/outbound" => {
                let answer = format!("{:?}", outbound());
                write_then_finish(respond(response_out, &[]), answer.as_bytes());
            }
            "/empty-writes/response" => {
                let body = respond(response_out, &[]);
                if let Ok(mut stream) = body.write() {
                    let answer = write_empty(&stream, count)
                        .map_or_else(|error| error, |()| format!("{count} empty writes"));
                    let _ = stream.write_all(answer.as_bytes());
                    let _ = stream.flush();
                }
                let _ = OutgoingBody::finish(body, None);
            }
            "/empty-writes/stdout" => {
                let answer = write_empty(&wasip2::cli::stdout::get_stdout(), count)
                    .map_or_else(|error| error, |()| format!("{count} empty writes"));
                write_then_finish(respond(response_out, &[]), answer.as_bytes());
            }
            _ => write_then_finish(respond(response_out, &[]), b"ok"),
        }
    }
}

/// Sets a 200 response with `headers`; its body, for the caller to send.
fn respond(response_out: ResponseOutparam, headers: &[(&str, &str)]) -> OutgoingBody {
    let fields: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
        .collect();
    let response = OutgoingResponse::new(Fields::from_list(&fields).expect("valid headers"));
    let body = response.body().expect("the response's body");
    ResponseOutparam::set(response_out, Ok(response));
    body
}

fn write_then_finish(body: OutgoingBody, bytes: &[u8]) {
    if let Ok(mut stream) = body.write() {
        let _ = stream.write_all(bytes);
        let _ = stream.flush();
    }
    let _ = OutgoingBody::finish(body, None);
}

/// `count` writes of nothing to `stream`, each when it has room.
fn write_empty(stream: &OutputStream, count: usize) -> Result<(), String> {
    let failed = |error: StreamError| format!("{error:?}");
    for _ in 0..count {
        while stream.check_write().map_err(failed)? == 0 {
            stream.subscribe().block();
        }
        stream.write(&[]).map_err(failed)?;
    }
    Ok(())
}

/// What an outgoing GET of https://example.com/ gets: the response's status or the error.
fn outbound() -> Result<u16, String> {
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Https));
    let _ = request.set_authority(Some("example.com"));
    let _ = request.set_path_with_query(Some("/"));
    let future = outgoing_handler::handle(request, None).map_err(|code| format!("{code:?}"))?;
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response.status()),
        Some(Ok(Err(code))) => Err(format!("{code:?}")),
        other => Err(format!("{other:?}")),
    }
}
