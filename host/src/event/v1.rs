//! Payload format 1.0: API Gateway REST API proxy events, HTTP API events in payload format 1.0,
//! and ALB target group events.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::fields::{self, MultiStringMap, StringMap};
use super::path::{self, Sent};
use super::{EventError, ParsedEvent, ResponseFormat, decode_body, within_limits};
use crate::bindings::{Request, RequestContext, Source};

/// The fields of a 1.0 event the contract needs; everything else is skipped unread.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    http_method: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    headers: StringMap,
    #[serde(default)]
    multi_value_headers: MultiStringMap,
    #[serde(default)]
    query_string_parameters: StringMap,
    #[serde(default)]
    multi_value_query_string_parameters: MultiStringMap,
    #[serde(default)]
    path_parameters: StringMap,
    #[serde(default)]
    stage_variables: StringMap,
    #[serde(default)]
    request_context: Option<Context>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    resource_path: Option<String>,
    #[serde(default)]
    route_key: Option<String>,
    #[serde(default)]
    domain_name: Option<String>,
    #[serde(default)]
    request_time_epoch: Option<u64>,
    #[serde(default)]
    identity: Option<Identity>,
    #[serde(default)]
    authorizer: Option<Box<RawValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    #[serde(default)]
    source_ip: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
}

/// Translates a REST API proxy event, or (`source` = `http-api`) an HTTP API event in payload
/// format 1.0: the same fields, the same response shape.
pub fn rest_api(event: &[u8], source: Source) -> Result<ParsedEvent, EventError> {
    let event: Event =
        serde_json::from_slice(event).map_err(|err| EventError::malformed(source, &err))?;
    let format = ResponseFormat::RestApi;
    let headers = fields::merge(
        event.headers,
        event.multi_value_headers,
        fields::header_name,
    );
    let query = fields::merge(
        event.query_string_parameters,
        event.multi_value_query_string_parameters,
        String::from,
    );
    let context = event.request_context.unwrap_or_default();
    let identity = context.identity.unwrap_or_default();
    let received = event.path.unwrap_or_else(|| "/".to_owned());
    let route = match source {
        Source::HttpApi => context.route_key.or(event.resource),
        _ => event.resource.or(context.resource_path),
    };
    let routed = routed_path(
        source,
        route.as_deref(),
        event.path_parameters,
        &received,
        context.stage.as_deref(),
    );
    let request = Request {
        method: method(event.http_method),
        // `requestContext.path` is the path as the client sent it, with the stage or base path.
        raw_path: context.path.unwrap_or(received),
        path: routed.path,
        raw_query: fields::encode_query(&query),
        query,
        path_parameters: routed.parameters,
        cookies: fields::cookies_from_headers(&headers),
        body: decode_body(event.body, event.is_base64_encoded, source, format)?,
        context: RequestContext {
            source,
            request_id: context.request_id,
            stage: context.stage,
            route,
            source_ip: identity.source_ip,
            user_agent: fields::or_header(identity.user_agent, &headers, "user-agent"),
            domain_name: fields::or_header(context.domain_name, &headers, "host"),
            stage_variables: event.stage_variables.0,
            authorizer: context.authorizer.map(|raw| raw.get().to_owned()),
            request_time_epoch_ms: context.request_time_epoch,
        },
        headers,
    };
    within_limits(request, format)
}

/// REST APIs send `path` and `pathParameters` percent-encoded, as the client did; HTTP APIs
/// decode both and, like in payload format 2.0, may keep a named stage in the path.
fn routed_path(
    source: Source,
    route: Option<&str>,
    parameters: StringMap,
    received: &str,
    stage: Option<&str>,
) -> path::Routed {
    match source {
        Source::HttpApi => path::http_api(route, parameters.0, received, stage),
        _ => path::routed(route, parameters.0, received, Sent::Encoded),
    }
}

/// Translates an ALB target group event. ALB passes query parameters percent-encoded as on the
/// wire, and answers in the header style (single or multi-value) the event arrived in.
pub fn alb(event: &[u8]) -> Result<ParsedEvent, EventError> {
    let event: Event =
        serde_json::from_slice(event).map_err(|err| EventError::malformed(Source::Alb, &err))?;
    let format = ResponseFormat::Alb {
        multi_value_headers: !event.multi_value_headers.0.is_empty(),
    };
    let headers = fields::merge(
        event.headers,
        event.multi_value_headers,
        fields::header_name,
    );
    let encoded_query = fields::merge(
        event.query_string_parameters,
        event.multi_value_query_string_parameters,
        String::from,
    );
    let raw_query = encoded_query
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    let raw_path = event.path.unwrap_or_else(|| "/".to_owned());
    // ALB forwards the path as the client encoded it and has no routes with parameters.
    let routed = path::routed(None, Vec::new(), &raw_path, Sent::Encoded);
    let request = Request {
        method: method(event.http_method),
        raw_path,
        path: routed.path,
        query: fields::decode_query(&raw_query),
        raw_query,
        path_parameters: Vec::new(),
        cookies: fields::cookies_from_headers(&headers),
        body: decode_body(event.body, event.is_base64_encoded, Source::Alb, format)?,
        context: RequestContext {
            source: Source::Alb,
            request_id: None,
            stage: None,
            route: None,
            source_ip: fields::last_header(&headers, "x-forwarded-for")
                .and_then(|forwarded| forwarded.split(',').next())
                .map(|client| client.trim().to_owned()),
            user_agent: fields::last_header(&headers, "user-agent").map(str::to_owned),
            domain_name: fields::last_header(&headers, "host").map(str::to_owned),
            stage_variables: Vec::new(),
            authorizer: None,
            request_time_epoch_ms: None,
        },
        headers,
    };
    within_limits(request, format)
}

fn method(method: String) -> String {
    method.to_ascii_uppercase()
}
