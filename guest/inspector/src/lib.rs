//! Answers every request with the request it received, as JSON: what the host made of the
//! event, seen from inside the component (the seeds' "access the headers, query string
//! parameters and body" function). Sets a custom response header, `x-inspected-by`.
//!
//! A route with an `{id}` parameter (`/users/{id}`) must come with it: without, the answer is
//! the seed's 400 `{"error": "User ID is missing in the path."}`.

use base64::Engine as _;
use lambda_wasm_sdk::{Error, Request, Response, Result};
use serde_json::{Value, json};

lambda_wasm_sdk::handler!(inspect);

fn inspect(request: &Request) -> Result<Response> {
    if route_has_id(request) && request.path_param("id").is_none_or(str::is_empty) {
        let body = json!({ "error": "User ID is missing in the path." });
        return Ok(Response::json(400, &body).with_header("x-inspected-by", "inspector"));
    }
    let body = match request.text() {
        Ok(text) => json!({ "text": text }),
        Err(_) => {
            json!({ "base64": base64::engine::general_purpose::STANDARD.encode(request.body()) })
        }
    };
    let context = request.context();
    let authorizer = context
        .authorizer
        .as_deref()
        .map(serde_json::from_str::<Value>);
    let authorizer = authorizer
        .transpose()
        .map_err(|err| Error::internal(format!("authorizer is not JSON: {err}")))?;
    let invocation = request.invocation();
    let report = json!({
        "method": request.method(),
        "path": request.path(),
        "rawPath": request.raw_path(),
        "rawQuery": request.raw_query(),
        "query": request.query_pairs(),
        "pathParameters": request.path_params(),
        "headers": request.headers(),
        "cookies": request.cookies(),
        "body": body,
        // The body parsed as JSON; null when it is empty or not JSON.
        "json": serde_json::from_slice::<Value>(request.body()).ok(),
        "context": {
            "source": context.source.name(),
            "requestId": context.request_id,
            "stage": context.stage,
            "route": context.route,
            "sourceIp": context.source_ip,
            "userAgent": context.user_agent,
            "domainName": context.domain_name,
            "stageVariables": context.stage_variables,
            "authorizer": authorizer,
            "requestTimeEpochMs": context.request_time_epoch_ms,
        },
        "invocation": {
            "requestId": invocation.request_id,
            "functionName": invocation.function_name,
            "functionVersion": invocation.function_version,
            "remainingTimeMs": request.remaining_time_ms(),
            "traceId": invocation.trace_id,
            "tenantId": invocation.tenant_id,
            // Lambda's runtimes give the trace to a handler in its environment too.
            "traceIdVariable": std::env::var("_X_AMZN_TRACE_ID").ok(),
        },
    });
    Ok(Response::json(200, &report).with_header("x-inspected-by", "inspector"))
}

/// Whether the front end's route (`/users/{id}`, `GET /users/{id}`) has an `{id}` parameter.
fn route_has_id(request: &Request) -> bool {
    let route = request.context().route.as_deref().unwrap_or_default();
    route
        .split(['/', ' '])
        .any(|segment| segment == "{id}" || segment == "{id+}")
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Context, Handler, Invocation, Source};

    use super::*;

    fn invocation() -> Invocation {
        Invocation {
            request_id: "lambda-1".to_owned(),
            function_name: "inspector".to_owned(),
            function_version: "$LATEST".to_owned(),
            deadline_epoch_ms: u64::MAX,
            ..Invocation::default()
        }
    }

    fn on_route(route: &str) -> Context {
        Context {
            source: Source::HttpApi,
            route: Some(route.to_owned()),
            ..Context::default()
        }
    }

    #[test]
    fn reports_the_request_it_received() {
        let request = Request::new("POST", "/users/123")
            .with_header("My-Header", "mine")
            .with_query("myparam", "custom")
            .with_path_param("id", "123")
            .with_json(&json!({ "my-field": "value" }))
            .with_context(on_route("POST /users/{id}"))
            .with_invocation(invocation());
        let response = inspect.respond(request);
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("x-inspected-by"), Some("inspector"));
        let seen = response.body_json();
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["path"], "/users/123");
        assert_eq!(seen["headers"][0], json!(["my-header", "mine"]));
        assert_eq!(seen["query"], json!([["myparam", "custom"]]));
        assert_eq!(seen["rawQuery"], "myparam=custom");
        assert_eq!(seen["pathParameters"], json!([["id", "123"]]));
        assert_eq!(seen["json"], json!({ "my-field": "value" }));
        assert_eq!(seen["body"], json!({ "text": r#"{"my-field":"value"}"# }));
        assert_eq!(seen["context"]["source"], "http-api");
        assert_eq!(seen["invocation"]["functionName"], "inspector");
    }

    #[test]
    fn reports_a_binary_body_as_base64_and_no_json() {
        let request = Request::new("PUT", "/blob")
            .with_body(vec![0xff, 0x00])
            .with_invocation(invocation());
        let seen = inspect.respond(request).body_json();
        assert_eq!(seen["body"], json!({ "base64": "/wA=" }));
        assert_eq!(seen["json"], Value::Null);
    }

    #[test]
    fn a_route_with_an_id_but_no_id_is_a_400() {
        for route in ["/users/{id}", "GET /users/{id}"] {
            let request = Request::new("GET", "/users/")
                .with_context(on_route(route))
                .with_invocation(invocation());
            let response = inspect.respond(request);
            assert_eq!(response.status(), 400, "{route}");
            assert_eq!(
                response.body_json(),
                json!({ "error": "User ID is missing in the path." })
            );
        }
    }

    #[test]
    fn routes_without_an_id_need_none() {
        for route in ["/users/{userId}", "$default", "/{proxy+}"] {
            let request = Request::new("GET", "/users")
                .with_context(on_route(route))
                .with_invocation(invocation());
            assert_eq!(inspect.respond(request).status(), 200, "{route}");
        }
    }
}
