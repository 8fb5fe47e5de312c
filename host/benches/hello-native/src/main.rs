//! The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial as a native Rust
//! function on `lambda_http`, with the same answers as the `hello-world` component
//! (guest/hello-world): the baseline the Lambda sandbox runs beside the components. `make
//! native-baseline` installs it as an OS-only function's `bootstrap` (the binary keeps the
//! crate's name: a second `bootstrap` would overwrite the host's in the workspace's target).
//!
//! `name` and `city` come from the query string, `day` from the `day` header and `time` from the
//! `time` field of a JSON body; any method is answered.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, RequestExt as _, Response, run, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(hello)).await
}

async fn hello(request: Request) -> Result<Response<Body>, Error> {
    let time = match time_of_day(request.body()) {
        Ok(time) => time,
        Err(message) => {
            return json_response(StatusCode::BAD_REQUEST, &json!({ "message": message }));
        }
    };
    let query = request.query_string_parameters();
    // The tutorial reads REST API's single-value maps: the last value, ignored when empty.
    let last = |name: &str| {
        query
            .all(name)
            .and_then(|values| values.last().copied())
            .filter(|value| !value.is_empty())
    };
    let day = request
        .headers()
        .get("day")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty());
    let greeting = greeting(
        time.as_deref().unwrap_or("day"),
        last("name").unwrap_or("you"),
        last("city").unwrap_or("World"),
        day,
    );
    json_response(StatusCode::OK, &json!({ "greeting": greeting }))
}

/// `Good {time}, {name} of {city}.`, and ` Happy {day}!` when a day is given.
fn greeting(time: &str, name: &str, city: &str, day: Option<&str>) -> String {
    let mut greeting = format!("Good {time}, {name} of {city}.");
    if let Some(day) = day {
        greeting.push_str(&format!(" Happy {day}!"));
    }
    greeting
}

/// The `time` field of a JSON body; `None` without a body or a non-empty `time` string. A body
/// that is blank or not JSON is refused with the component's message (the guest SDK's
/// `Request::json`).
fn time_of_day(body: &Body) -> Result<Option<String>, String> {
    let bytes: &[u8] = body.as_ref();
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("The request body is empty: expected JSON.".to_owned());
    }
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|err| format!("The request body is not valid JSON: {err}"))?;
    Ok(body
        .get("time")
        .and_then(Value::as_str)
        .filter(|time| !time.is_empty())
        .map(str::to_owned))
}

fn json_response(status: StatusCode, body: &Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_has_every_part_of_the_tutorial_request() {
        assert_eq!(
            greeting("evening", "John", "Seattle", Some("Thursday")),
            "Good evening, John of Seattle. Happy Thursday!"
        );
        assert_eq!(
            greeting("day", "you", "World", None),
            "Good day, you of World."
        );
    }

    #[test]
    fn the_time_comes_from_a_json_body_and_bad_bodies_are_refused() {
        let time = |body: &str| time_of_day(&Body::from(body.to_owned()));
        assert_eq!(time(""), Ok(None));
        assert_eq!(
            time(r#"{"time":"evening"}"#),
            Ok(Some("evening".to_owned()))
        );
        assert_eq!(time(r#"{"time":""}"#), Ok(None));
        assert_eq!(time("[1, 2]"), Ok(None));
        assert_eq!(
            time("  "),
            Err("The request body is empty: expected JSON.".to_owned())
        );
        assert!(
            time("time=evening")
                .unwrap_err()
                .starts_with("The request body is not valid JSON: ")
        );
    }
}
