//! Payload format 2.0: API Gateway HTTP API events and Lambda Function URL events.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::fields::{self, StringMap};
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
    let routed_path = context.http.path.unwrap_or_else(|| raw_path.clone());
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
        path: strip_stage(&routed_path, context.stage.as_deref()).to_owned(),
        raw_path,
        raw_query,
        query,
        path_parameters: event.path_parameters.0,
        cookies: event.cookies.unwrap_or_default(),
        body: decode_body(event.body, event.is_base64_encoded, format)?,
        context: RequestContext {
            source,
            request_id: context.request_id,
            stage: context.stage,
            route: event.route_key,
            source_ip: context.http.source_ip,
            user_agent: context
                .http
                .user_agent
                .or_else(|| fields::last_header(&headers, "user-agent").map(str::to_owned)),
            domain_name: context
                .domain_name
                .or_else(|| fields::last_header(&headers, "host").map(str::to_owned)),
            stage_variables: event.stage_variables.0,
            authorizer: context.authorizer.map(|raw| raw.get().to_owned()),
            request_time_epoch_ms: context.time_epoch,
        },
        headers,
    };
    within_limits(request, format)
}

/// HTTP APIs keep a named stage in the path (`/Prod/users` on stage `Prod`); routes and
/// handlers see the path without it. `$default` is never in the path.
fn strip_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != "$default") else {
        return path;
    };
    match path
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(stage))
    {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_stage;

    #[test]
    fn strips_a_named_stage_prefix_only() {
        assert_eq!(strip_stage("/Prod/my/path", Some("Prod")), "/my/path");
        assert_eq!(strip_stage("/Prod", Some("Prod")), "/");
        assert_eq!(strip_stage("/Production/x", Some("Prod")), "/Production/x");
        assert_eq!(strip_stage("/my/path", Some("$default")), "/my/path");
        assert_eq!(strip_stage("/$default/x", Some("$default")), "/$default/x");
        assert_eq!(strip_stage("/my/path", None), "/my/path");
    }
}
