//! A hostile test component of the `streaming-handler` world, on the SDK: it streams
//! `text/plain` and misbehaves as its path asks. `GET /ok` answers 200 `ok`. `/bytes/N` sends N
//! bytes and finishes; `/trap-after/N` sends N bytes then panics; `/error-after/N` sends N bytes
//! then returns an error; `/hang-after/N` sends N bytes then sleeps for an hour;
//! `/error-before` returns an error before its response starts. The bytes are
//! [`pattern`]'s, in parts of `?part=BYTES` (default 64 KiB), so that a test can check every one.

use std::time::Duration;

use lambda_wasm_sdk::{Error, Request, Response, ResponseWriter, Result};

lambda_wasm_sdk::streaming_handler!(misbehave);

fn misbehave(request: &Request, response: &mut ResponseWriter) -> Result<()> {
    let path = request.path();
    if path == "/ok" {
        return response.start(Response::text(200, "ok"));
    }
    if path == "/error-before" {
        return Err(Error::internal("failed before the response started"));
    }
    let (action, count) = path
        .trim_start_matches('/')
        .split_once('/')
        .ok_or_else(|| Error::not_found("no such misbehaviour"))?;
    let count: u64 = count
        .parse()
        .map_err(|_| Error::bad_request("not a number of bytes"))?;
    let part: usize = request
        .query("part")
        .and_then(|part| part.parse().ok())
        .filter(|part| *part > 0)
        .unwrap_or(64 << 10);
    response.start(Response::text(200, ""))?;
    send(response, count, part)?;
    match action {
        "bytes" => Ok(()),
        "trap-after" => panic!("trapped after {count} bytes"),
        "error-after" => Err(Error::internal(format!("failed after {count} bytes"))),
        "hang-after" => {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(())
        }
        _ => Err(Error::not_found("no such misbehaviour")),
    }
}

/// Sends `count` bytes of [`pattern`] in parts of `part` bytes.
fn send(response: &mut ResponseWriter, count: u64, part: usize) -> Result<()> {
    let mut sent = 0u64;
    let mut buffer = Vec::with_capacity(part);
    while sent < count {
        let length = part.min(usize::try_from(count - sent).unwrap_or(usize::MAX));
        buffer.clear();
        buffer.extend((sent..sent + length as u64).map(pattern));
        response.write(&buffer)?;
        sent += length as u64;
    }
    Ok(())
}

/// The byte at `offset` of every body this component sends: `a` to `z`, over and over.
pub fn pattern(offset: u64) -> u8 {
    b'a' + (offset % 26) as u8
}
