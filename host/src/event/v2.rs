//! Payload format 2.0: API Gateway HTTP API events and Lambda Function URL events.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::fields::{self, StringMap};
use super::path::{self, Sent};
use super::{EventError, ParsedEvent, ResponseFormat, decode_body, within_limits};
use crate::bindings::{Request, RequestContext, Source};

/// The fields of a 2.0 event the contract needs; everything else is skipped unread.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(default)]
    route_key: Option<String>,
    #[serde(default)]
    raw_path: Option<String>,
    #[serde(default)]
    raw_query_string: Option<String>,
    #[serde(default)]
    cookies: Option<Vec<String>>,
    #[serde(default)]
    headers: StringMap,
    #[serde(default)]
    query_string_parameters: StringMap,
    #[serde(default)]
    path_parameters: StringMap,
    #[serde(default)]
    stage_variables: StringMap,
    request_context: Context,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    domain_name: Option<String>,
    #[serde(default)]
    time_epoch: Option<u64>,
    #[serde(default)]
    authorizer: Option<Box<RawValue>>,
    http: Http,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Http {
    method: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    source_ip: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
}

/// Translates an HTTP API (`source` = `http-api`) or Function URL (`function-url`) event.
pub fn http_api_or_function_url(event: &[u8], source: Source) -> Result<ParsedEvent, EventError> {
    let event: Event =
        serde_json::from_slice(event).map_err(|err| EventError::malformed(source, &err))?;
    let format = ResponseFormat::HttpApi;
    let context = event.request_context;
    let raw_path = event
        .raw_path
        .or_else(|| context.http.path.clone())
        .unwrap_or_else(|| "/".to_owned());
    let routed = routed_path(
        source,
        event.route_key.as_deref(),
        event.path_parameters,
        &raw_path,
        context.http.path.as_deref(),
        context.stage.as_deref(),
    );
    let raw_query = event.raw_query_string.unwrap_or_default();
    // `queryStringParameters` joins repeated keys with commas, so the raw query string is the
    // only faithful source; the map is the fallback for hand-written events that lack it.
    let query = if raw_query.is_empty() {
        event.query_string_parameters.0
    } else {
        fields::decode_query(&raw_query)
    };
    let headers: Vec<(String, String)> = event
        .headers
        .0
        .into_iter()
        .map(|(name, value)| (fields::header_name(name), value))
        .collect();
    let request = Request {
        method: context.http.method.to_ascii_uppercase(),
        path: routed.path,
        raw_path,
        raw_query,
        query,
        path_parameters: routed.parameters,
        cookies: event.cookies.unwrap_or_default(),
        body: decode_body(event.body, event.is_base64_encoded, source, format)?,
        context: RequestContext {
            source,
            request_id: context.request_id,
            stage: context.stage,
            route: event.route_key,
            source_ip: context.http.source_ip,
            user_agent: fields::or_header(context.http.user_agent, &headers, "user-agent"),
            domain_name: fields::or_header(context.domain_name, &headers, "host"),
            stage_variables: event.stage_variables.0,
            authorizer: context.authorizer.map(|raw| raw.get().to_owned()),
            request_time_epoch_ms: context.time_epoch,
        },
        headers,
    };
    within_limits(request, format)
}

/// An HTTP API sends `rawPath`, `requestContext.http.path` and `pathParameters` decoded,
/// routed on the path of its route key (`GET /pets/{id}`). A Function URL has no routes and
/// keeps `rawPath` as the client encoded it (its `http.path` is decoded): the encoded form is
/// the one that tells a `%2F` from a `/`.
fn routed_path(
    source: Source,
    route_key: Option<&str>,
    parameters: StringMap,
    raw_path: &str,
    http_path: Option<&str>,
    stage: Option<&str>,
) -> path::Routed {
    if source == Source::FunctionUrl {
        return path::routed(None, parameters.0, raw_path, Sent::Encoded);
    }
    path::http_api(
        route_key,
        parameters.0,
        http_path.unwrap_or(raw_path),
        stage,
    )
}
