//! The hello-world handler compiled natively into the host: the floor the component is
//! measured against, on the same event -> request -> response path.

use std::time::Instant;

use lambda_wasm_host::bindings::{Request, Response};
use lambda_wasm_host::component::{CallStats, Event, Outcome};
use lambda_wasm_host::pipeline::{Handle, LambdaContext};
use serde_json::{Value, json};

/// `guest/hello-world`'s logic, on the host's types.
pub struct NativeHelloWorld;

impl Handle for NativeHelloWorld {
    async fn handle(&self, event: Event<'_>, _: LambdaContext) -> Outcome {
        let started = Instant::now();
        let result = Ok(hello(event.request));
        Outcome {
            result,
            stats: CallStats {
                run: started.elapsed(),
                ..CallStats::default()
            },
        }
    }
}

fn hello(request: &Request) -> Response {
    let time = if request.body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(body) => body
                .get("time")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            Err(err) => {
                return json_response(
                    400,
                    &json!({ "message": format!("The request body is not valid JSON: {err}") }),
                );
            }
        }
    };
    let last = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .rev()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.clone())
    };
    let name = last(&request.query, "name").unwrap_or_else(|| "you".to_owned());
    let city = last(&request.query, "city").unwrap_or_else(|| "World".to_owned());
    let mut greeting = format!(
        "Good {}, {name} of {city}.",
        time.as_deref().unwrap_or("day")
    );
    if let Some(day) = last(&request.headers, "day") {
        greeting.push_str(&format!(" Happy {day}!"));
    }
    json_response(200, &json!({ "greeting": greeting }))
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        cookies: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}
