//! Payload format 1.0: API Gateway REST API proxy events and ALB target group events.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::fields::{self, MultiStringMap, StringMap};
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

/// Translates a REST API proxy event.
pub fn rest_api(event: &[u8]) -> Result<ParsedEvent, EventError> {
    let event: Event = serde_json::from_slice(event)
        .map_err(|err| EventError::malformed(Source::RestApi, &err))?;
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
    let path = event.path.unwrap_or_else(|| "/".to_owned());
    let request = Request {
        method: method(event.http_method),
        // `requestContext.path` is the path as the client sent it, with the stage or base path.
        raw_path: context.path.unwrap_or_else(|| path.clone()),
        path,
        raw_query: fields::encode_query(&query),
        query,
        path_parameters: event.path_parameters.0,
        cookies: fields::cookies_from_headers(&headers),
        body: decode_body(event.body, event.is_base64_encoded, format)?,
        context: RequestContext {
            source: Source::RestApi,
            request_id: context.request_id,
            stage: context.stage,
            route: event.resource.or(context.resource_path),
            source_ip: identity.source_ip,
            user_agent: identity
                .user_agent
                .or_else(|| fields::last_header(&headers, "user-agent").map(str::to_owned)),
            domain_name: context
                .domain_name
                .or_else(|| fields::last_header(&headers, "host").map(str::to_owned)),
            stage_variables: event.stage_variables.0,
            authorizer: context.authorizer.map(|raw| raw.get().to_owned()),
            request_time_epoch_ms: context.request_time_epoch,
        },
        headers,
    };
    within_limits(request, format)
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
    let path = event.path.unwrap_or_else(|| "/".to_owned());
    let request = Request {
        method: method(event.http_method),
        raw_path: path.clone(),
        path,
        query: fields::decode_query(&raw_query),
        raw_query,
        path_parameters: Vec::new(),
        cookies: fields::cookies_from_headers(&headers),
        body: decode_body(event.body, event.is_base64_encoded, format)?,
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
