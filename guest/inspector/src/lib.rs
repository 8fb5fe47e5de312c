//! Answers every request with the request it received, as JSON: what the host made of the
//! event, seen from inside the component. Sets a custom response header.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::lambda_wasm::proxy::invocation;
use crate::lambda_wasm::proxy::types::Source;

wit_bindgen::generate!({ world: "handler", path: "../../wit" });

struct Inspector;

impl Guest for Inspector {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        let body = match String::from_utf8(request.body) {
            Ok(text) => json!({ "text": text }),
            Err(binary) => {
                json!({ "base64": base64::engine::general_purpose::STANDARD.encode(binary.as_bytes()) })
            }
        };
        let context = &request.context;
        let invocation = invocation::context();
        let report = json!({
            "method": request.method,
            "path": request.path,
            "rawPath": request.raw_path,
            "rawQuery": request.raw_query,
            "query": request.query,
            "pathParameters": request.path_parameters,
            "headers": request.headers,
            "cookies": request.cookies,
            "body": body,
            "context": {
                "source": source_name(context.source),
                "requestId": context.request_id,
                "stage": context.stage,
                "route": context.route,
                "sourceIp": context.source_ip,
                "userAgent": context.user_agent,
                "domainName": context.domain_name,
                "stageVariables": context.stage_variables,
                "authorizer": context.authorizer.as_deref().map(serde_json::from_str::<Value>).transpose()
                    .map_err(|err| HandlerError { message: format!("authorizer is not JSON: {err}") })?,
                "requestTimeEpochMs": context.request_time_epoch_ms,
            },
            "invocation": {
                "requestId": invocation.request_id,
                "functionName": invocation.function_name,
                "functionVersion": invocation.function_version,
                "remainingTimeMs": invocation::remaining_time_ms(),
            },
        });
        Ok(Response {
            status: 200,
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("x-inspected-by".to_owned(), "inspector".to_owned()),
            ],
            cookies: Vec::new(),
            body: report.to_string().into_bytes(),
        })
    }
}

export!(Inspector);

fn source_name(source: Source) -> &'static str {
    match source {
        Source::RestApi => "rest-api",
        Source::HttpApi => "http-api",
        Source::Alb => "alb",
        Source::FunctionUrl => "function-url",
    }
}
