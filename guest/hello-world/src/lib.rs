//! The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as a component.
//!
//! `name` and `city` come from the query string, `day` from the `day` header and `time` from the
//! `time` field of a JSON body; any method is answered.

use lambda_wasm_sdk::{Request, Response, Result};
use serde_json::{Value, json};

lambda_wasm_sdk::handler!(hello);

fn hello(request: &Request) -> Result<Response> {
    let time = time_of_day(request)?;
    // The tutorial reads REST API's single-value maps: the last value, ignored when empty.
    let name = request
        .query("name")
        .filter(|v| !v.is_empty())
        .unwrap_or("you");
    let city = request
        .query("city")
        .filter(|v| !v.is_empty())
        .unwrap_or("World");
    let day = request.header("day").filter(|v| !v.is_empty());
    let greeting = greeting(time.as_deref().unwrap_or("day"), name, city, day);
    Ok(Response::json(200, &json!({ "greeting": greeting })))
}

/// `Good {time}, {name} of {city}.`, and ` Happy {day}!` when a day is given.
fn greeting(time: &str, name: &str, city: &str, day: Option<&str>) -> String {
    let mut greeting = format!("Good {time}, {name} of {city}.");
    if let Some(day) = day {
        greeting.push_str(&format!(" Happy {day}!"));
    }
    greeting
}

/// The `time` field of a JSON body; `None` without a body or a non-empty `time` string, a 400
/// when the body is not JSON.
fn time_of_day(request: &Request) -> Result<Option<String>> {
    if request.body().is_empty() {
        return Ok(None);
    }
    let body: Value = request.json()?;
    Ok(body
        .get("time")
        .and_then(Value::as_str)
        .filter(|time| !time.is_empty())
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::Handler;

    use super::*;

    fn greeting_for(request: Request) -> String {
        let response = hello.respond(request);
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        response.body_json()["greeting"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn greets_with_every_part_of_the_tutorial_request() {
        let request = Request::new("POST", "/helloworld")
            .with_query("name", "John")
            .with_query("city", "Seattle")
            .with_header("Day", "Thursday")
            .with_json(&json!({ "time": "evening" }));
        assert_eq!(
            greeting_for(request),
            "Good evening, John of Seattle. Happy Thursday!"
        );
    }

    #[test]
    fn defaults_everything_that_is_missing_or_empty() {
        let request = Request::new("GET", "/helloworld")
            .with_query("name", "")
            .with_header("day", "")
            .with_json(&json!({ "time": "" }));
        assert_eq!(greeting_for(request), "Good day, you of World.");
        let request = Request::new("GET", "/").with_json(&json!([1, 2]));
        assert_eq!(greeting_for(request), "Good day, you of World.");
    }

    #[test]
    fn takes_the_last_of_repeated_query_values() {
        let request = Request::new("GET", "/")
            .with_query("name", "a")
            .with_query("name", "b");
        assert_eq!(greeting_for(request), "Good day, b of World.");
    }

    #[test]
    fn a_body_that_is_not_json_is_a_400() {
        let response = hello.respond(Request::new("POST", "/").with_body("time=evening"));
        assert_eq!(response.status(), 400);
        let message = response.body_json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with("The request body is not valid JSON"),
            "{message}"
        );
    }
}
