//! The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as a component.
//!
//! `name` and `city` come from the query string, `day` from the `day` header and `time` from the
//! `time` field of a JSON body; any method is answered.

use serde_json::{Value, json};

wit_bindgen::generate!({ world: "handler", path: "../../wit" });

struct HelloWorld;

impl Guest for HelloWorld {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        let time = match time_of_day(&request.body) {
            Ok(time) => time.unwrap_or_else(|| "day".to_owned()),
            Err(message) => return Ok(json_response(400, &json!({ "message": message }))),
        };
        let name = last_value(&request.query, "name").unwrap_or("you");
        let city = last_value(&request.query, "city").unwrap_or("World");
        let day = last_value(&request.headers, "day");
        let greeting = greeting(&time, name, city, day);
        Ok(json_response(200, &json!({ "greeting": greeting })))
    }
}

export!(HelloWorld);

/// `Good {time}, {name} of {city}.`, and ` Happy {day}!` when a day is given.
fn greeting(time: &str, name: &str, city: &str, day: Option<&str>) -> String {
    let mut greeting = format!("Good {time}, {name} of {city}.");
    if let Some(day) = day {
        greeting.push_str(&format!(" Happy {day}!"));
    }
    greeting
}

/// The `time` field of a JSON body; `None` when there is no body or no non-empty `time` string.
fn time_of_day(body: &[u8]) -> Result<Option<String>, String> {
    if body.is_empty() {
        return Ok(None);
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|err| format!("The request body is not valid JSON: {err}"))?;
    Ok(match body.get("time") {
        Some(Value::String(time)) if !time.is_empty() => Some(time.clone()),
        _ => None,
    })
}

/// The last non-empty value of `name`: REST APIs pass the last of repeated values in their
/// single-value maps, which is what the tutorial's function read.
fn last_value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        cookies: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greets_with_every_part_given() {
        assert_eq!(
            greeting("evening", "John", "Seattle", Some("Thursday")),
            "Good evening, John of Seattle. Happy Thursday!"
        );
    }

    #[test]
    fn leaves_out_the_happy_sentence_without_a_day() {
        assert_eq!(
            greeting("day", "you", "World", None),
            "Good day, you of World."
        );
    }

    #[test]
    fn reads_time_from_a_json_body() {
        assert_eq!(
            time_of_day(br#"{ "time": "evening" }"#),
            Ok(Some("evening".to_owned()))
        );
        assert_eq!(time_of_day(br#"{ "time": "" }"#), Ok(None));
        assert_eq!(time_of_day(b"[1, 2]"), Ok(None));
        assert_eq!(time_of_day(b""), Ok(None));
    }

    #[test]
    fn rejects_a_body_that_is_not_json() {
        let err = time_of_day(b"time=evening").unwrap_err();
        assert!(
            err.starts_with("The request body is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn takes_the_last_non_empty_value() {
        let fields = [("name", "a"), ("name", "b"), ("name", ""), ("city", "c")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(last_value(&fields, "name"), Some("b"));
        assert_eq!(last_value(&fields, "day"), None);
    }
}
