//! The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial (as guest/hello-world
//! answers it) as a standard `wasi:http/proxy` component, written on `wstd`: bootstrap runs it
//! unchanged, as `wasmtime serve` does.
//!
//! `name` and `city` come from the query string, `day` from the `day` header and `time` from the
//! `time` field of a JSON body; any method is answered. On a path that ends in `/stream` the
//! greeting is streamed instead, as plain text a word at a time, `pause_ms` apart (0 to 10000,
//! default 200): the body is a stream the host sends on as it is written. Its tests are the
//! host's
//! (host/tests/wasi_http.rs): the test harness cannot run under `wasmtime run` without
//! `wasi:http`, which this component imports.

use serde_json::{Value, json};
use wstd::http::{Body, Error, Request, Response, StatusCode};
use wstd::time::Duration;

/// The pause between the words of a streamed greeting, unless `pause_ms` says otherwise.
const DEFAULT_PAUSE_MS: u64 = 200;
/// The longest pause `pause_ms` may ask for.
const MAX_PAUSE_MS: u64 = 10_000;

#[wstd::http_server]
async fn main(mut request: Request<Body>) -> Result<Response<Body>, Error> {
    let query = request.uri().query().unwrap_or_default().to_owned();
    let day = request
        .headers()
        .get("day")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = request.body_mut().contents().await?;
    let time = match time_of_day(body) {
        Ok(time) => time,
        Err(error) => {
            let message = format!("The request body is not valid JSON: {error}");
            return json_response(StatusCode::BAD_REQUEST, &json!({ "message": message }));
        }
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let greeting = greeting(
        time.as_deref().unwrap_or("day"),
        last_non_empty(&pairs, "name").unwrap_or("you"),
        last_non_empty(&pairs, "city").unwrap_or("World"),
        day.as_deref().filter(|day| !day.is_empty()),
    );
    if !request.uri().path().ends_with("/stream") {
        return json_response(StatusCode::OK, &json!({ "greeting": greeting }));
    }
    let pause_ms = match last_non_empty(&pairs, "pause_ms").map(str::parse::<u64>) {
        None => DEFAULT_PAUSE_MS,
        Some(Ok(ms)) if ms <= MAX_PAUSE_MS => ms,
        Some(_) => {
            let message = format!("pause_ms must be a whole number from 0 to {MAX_PAUSE_MS}");
            return json_response(StatusCode::BAD_REQUEST, &json!({ "message": message }));
        }
    };
    Ok(Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(Body::from_stream(word_by_word(greeting, pause_ms)))?)
}

/// `text` a word at a time (each with the space after it), `pause_ms` between words.
fn word_by_word(text: String, pause_ms: u64) -> impl futures_lite::Stream<Item = Vec<u8>> {
    let words: Vec<Vec<u8>> = text
        .split_inclusive(' ')
        .map(|word| word.as_bytes().to_vec())
        .collect();
    futures_lite::stream::unfold(
        (words.into_iter(), true),
        move |(mut words, first)| async move {
            let word = words.next()?;
            if !first {
                wstd::task::sleep(Duration::from_millis(pause_ms)).await;
            }
            Some((word, (words, false)))
        },
    )
}

/// The tutorial reads REST API's single-value maps: the last value, ignored when empty.
fn last_non_empty<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// `Good {time}, {name} of {city}.`, and ` Happy {day}!` when a day is given.
fn greeting(time: &str, name: &str, city: &str, day: Option<&str>) -> String {
    let mut greeting = format!("Good {time}, {name} of {city}.");
    if let Some(day) = day {
        greeting.push_str(&format!(" Happy {day}!"));
    }
    greeting
}

/// The `time` field of a JSON body; `None` without a body or a non-empty `time` string.
fn time_of_day(body: &[u8]) -> serde_json::Result<Option<String>> {
    if body.is_empty() {
        return Ok(None);
    }
    let body: Value = serde_json::from_slice(body)?;
    Ok(body
        .get("time")
        .and_then(Value::as_str)
        .filter(|time| !time.is_empty())
        .map(str::to_owned))
}

fn json_response(status: StatusCode, value: &Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(value.to_string().into())?)
}
