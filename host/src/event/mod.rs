//! Lambda proxy events -> the contract's `request`.
//!
//! The front end is detected from the event's marker fields before the event is read in full:
//! `requestContext.elb` is an ALB, `version: "2.0"` an HTTP API (a Function URL on a
//! `lambda-url` domain), `version: "1.0"` with an HTTP API marker (see [`detect`]) an HTTP API
//! in payload format 1.0, and otherwise `httpMethod` or `version: "1.0"` a REST API. Before
//! those, `type: "TOKEN"` or `type: "REQUEST"` with a `methodArn` or `routeArn` is an API Gateway
//! Lambda authorizer's event ([`AuthorizerEvent`]), which is no request: its function's answer
//! goes back as the function returned it.

pub(crate) mod fields;
mod path;
mod v1;
mod v2;

use base64::Engine as _;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::bindings::{Request, Source};
use crate::quotas::{Oversized, RequestLimits, Url};

/// A request ready for the guest, and how its answer must be shaped.
#[derive(Debug)]
pub struct ParsedEvent {
    /// The contract's request, for the guest.
    pub request: Request,
    /// The proxy response shape the front end expects back.
    pub format: ResponseFormat,
}

/// An API Gateway Lambda authorizer's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerEvent {
    /// A REST API `TOKEN` authorizer's: `authorizationToken` and `methodArn`.
    Token,
    /// A REST API `REQUEST` authorizer's, or an HTTP API one's in payload format 1.0: the
    /// request's parts and `methodArn`.
    RequestV1,
    /// An HTTP API `REQUEST` authorizer's in payload format 2.0: `routeArn` and
    /// `identitySource`.
    RequestV2,
}

impl AuthorizerEvent {
    /// Its name in logs: `TOKEN`, `REQUEST 1.0`, `REQUEST 2.0`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Token => "TOKEN",
            Self::RequestV1 => "REQUEST 1.0",
            Self::RequestV2 => "REQUEST 2.0",
        }
    }
}

/// What an invocation's event is.
#[derive(Debug)]
pub enum Incoming {
    /// A proxy request, read (boxed: it is large, and authorizer events are not).
    Proxy(Box<ParsedEvent>),
    /// A Lambda authorizer's event.
    Authorizer(AuthorizerEvent),
}

/// The proxy response JSON a front end expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    /// REST API: `headers` plus `multiValueHeaders`.
    RestApi,
    /// HTTP API and Function URL: comma-joined `headers` and a `cookies` array.
    HttpApi,
    /// ALB: a `statusDescription`, and headers in the style the request came in.
    Alb {
        /// Whether the target group sends `multiValueHeaders`, so expects them back.
        multi_value_headers: bool,
    },
}

/// Why an event could not become a request.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all; the message says where, never what.
    #[error("the event is not valid JSON: {0}")]
    NotJson(String),
    #[error(
        "unsupported event: expected an API Gateway REST API proxy event (`httpMethod` or \
         `version: \"1.0\"`), an HTTP API or Function URL event (`version: \"2.0\"`) or an ALB \
         event (`requestContext.elb`)"
    )]
    /// JSON, but from none of the four front ends.
    Unsupported,
    /// A front end's event with a field of the wrong type.
    #[error("malformed {front_end} event: {message}")]
    Malformed {
        /// The front end the markers named.
        front_end: &'static str,
        /// What is wrong, without the offending value.
        message: String,
    },
    /// The event is well formed but its body is not: the client gets a 400.
    #[error("the request body is marked base64 but is not valid base64: {message}")]
    InvalidBody {
        /// The front end that sent it.
        front_end: Source,
        /// The shape the 400 response takes.
        format: ResponseFormat,
        /// What is wrong with the base64.
        message: String,
    },
    /// A Lambda authorizer's event where a proxy event was expected.
    #[error("an API Gateway {} authorizer event is not a proxy request", .0.name())]
    Authorizer(AuthorizerEvent),
    /// The headers or the URL are larger than the front end lets through: the client gets a
    /// 400.
    #[error("the request's {} are larger than {} allows", part.name(), source_name(*front_end))]
    TooLarge {
        /// The front end whose caps apply.
        front_end: Source,
        /// The shape the 400 response takes.
        format: ResponseFormat,
        /// What is too large.
        part: Oversized,
    },
}

impl Oversized {
    fn name(self) -> &'static str {
        match self {
            Self::Headers => "headers",
            Self::Url => "path, query string and path parameters",
        }
    }

    /// The `message` of the 400 the client gets.
    pub fn client_message(self) -> &'static str {
        match self {
            Self::Headers => "Request header fields too large",
            Self::Url => "Request URI too long",
        }
    }
}

impl EventError {
    fn malformed(source: Source, err: &serde_json::Error) -> Self {
        Self::Malformed {
            front_end: source_name(source),
            message: without_echoed_values(err),
        }
    }

    /// A short stable name for logs and Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotJson(_) => "InvalidJson",
            Self::Unsupported => "UnsupportedEvent",
            Self::Malformed { .. } => "MalformedEvent",
            Self::InvalidBody { .. } => "InvalidBody",
            Self::TooLarge { .. } => "RequestTooLarge",
            Self::Authorizer(_) => "AuthorizerEvent",
        }
    }
}

/// Reads a Lambda proxy event and translates it into the guest's request. An authorizer's
/// event is [`EventError::Authorizer`].
pub fn parse(event: &[u8]) -> Result<ParsedEvent, EventError> {
    match read(event)? {
        Incoming::Proxy(parsed) => Ok(*parsed),
        Incoming::Authorizer(kind) => Err(EventError::Authorizer(kind)),
    }
}

/// Reads a Lambda event: a proxy request translated into the guest's request, or a Lambda
/// authorizer's event.
pub fn read(event: &[u8]) -> Result<Incoming, EventError> {
    let parsed = match classify(event)? {
        Front::Authorizer(kind) => return Ok(Incoming::Authorizer(kind)),
        Front::Proxy(source @ (Source::RestApi | Source::HttpApi), PayloadFormat::V1) => {
            v1::rest_api(event, source)
        }
        Front::Proxy(Source::Alb, _) => v1::alb(event),
        Front::Proxy(source, _) => v2::http_api_or_function_url(event, source),
    };
    parsed.map(|parsed| Incoming::Proxy(Box::new(parsed)))
}

/// Who sent an event: a front end in a payload format, or an authorizer's caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Front {
    Proxy(Source, PayloadFormat),
    Authorizer(AuthorizerEvent),
}

/// The payload format version of an API Gateway or Function URL event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayloadFormat {
    V1,
    V2,
}

/// The few fields that tell the front ends apart; serde skips the rest without allocating.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Markers {
    #[serde(default)]
    version: Option<String>,
    /// An authorizer's `TOKEN` or `REQUEST`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    method_arn: Option<IgnoredAny>,
    #[serde(default)]
    route_arn: Option<IgnoredAny>,
    #[serde(default)]
    http_method: Option<IgnoredAny>,
    #[serde(default)]
    request_context: Option<ContextMarkers>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextMarkers {
    #[serde(default)]
    elb: Option<IgnoredAny>,
    #[serde(default)]
    domain_name: Option<String>,
    #[serde(default)]
    route_key: Option<IgnoredAny>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    api_id: Option<IgnoredAny>,
    #[serde(default)]
    resource_id: Option<IgnoredAny>,
}

impl ContextMarkers {
    /// Whether a payload format 1.0 event came from an HTTP API rather than a REST API. REST
    /// API events from AWS carry no `version` at all (the SAM CLI adds `"1.0"` to its local
    /// ones); an HTTP API's say `"1.0"` and have one of: a `routeKey` (REST APIs have
    /// resources, not route keys), the `$default` stage (REST stage names are letters, digits,
    /// `-` and `_`), or an `apiId` with a null `resourceId` (AWS's payload format 1.0 example
    /// for HTTP APIs; a REST API's requests always name their resource's id).
    fn sent_by_http_api(&self) -> bool {
        self.route_key.is_some()
            || self.stage.as_deref() == Some("$default")
            || (self.api_id.is_some() && self.resource_id.is_none())
    }
}

/// Which front end sent `event`, in which payload format, or which authorizer event it is.
///
/// Anything that is not one JSON document (empty, not UTF-8, cut short, trailing data) is
/// `NotJson`; JSON of another shape, however deeply nested, is `Unsupported`.
fn classify(event: &[u8]) -> Result<Front, EventError> {
    // serde_json checks UTF-8 only in the strings it reads, not in those it skips.
    std::str::from_utf8(event)
        .map_err(|err| EventError::NotJson(format!("the event is not UTF-8: {err}")))?;
    let markers: Markers = serde_json::from_slice(event).map_err(|err| {
        if !err.is_data() {
            return EventError::NotJson(without_echoed_values(&err));
        }
        // Reading the markers can stop at the first value of the wrong type (an array, a
        // string); the rest of the document decides whether it was JSON at all.
        match serde_json::from_slice::<IgnoredAny>(event) {
            Err(err) => EventError::NotJson(without_echoed_values(&err)),
            Ok(_) => EventError::Unsupported,
        }
    })?;
    if let Some(kind) = authorizer(&markers) {
        return Ok(Front::Authorizer(kind));
    }
    let context = markers.request_context;
    if context
        .as_ref()
        .is_some_and(|context| context.elb.is_some())
    {
        return Ok(Front::Proxy(Source::Alb, PayloadFormat::V1));
    }
    let source = match markers.version.as_deref() {
        Some("2.0") => {
            let domain = context
                .and_then(|context| context.domain_name)
                .unwrap_or_default();
            // Function URLs are served on `<url-id>.lambda-url.<region>.on.aws`.
            if domain.contains(".lambda-url.") {
                return Ok(Front::Proxy(Source::FunctionUrl, PayloadFormat::V2));
            }
            return Ok(Front::Proxy(Source::HttpApi, PayloadFormat::V2));
        }
        Some("1.0") if context.is_some_and(|context| context.sent_by_http_api()) => Source::HttpApi,
        Some("1.0") => Source::RestApi,
        None if markers.http_method.is_some() => Source::RestApi,
        _ => return Err(EventError::Unsupported),
    };
    Ok(Front::Proxy(source, PayloadFormat::V1))
}

/// The authorizer event `markers` are of: a `type` of `TOKEN` or `REQUEST` beside the ARN API
/// Gateway asks about (`methodArn`; `routeArn` in HTTP API payload format 2.0). No proxy event
/// has either ARN.
fn authorizer(markers: &Markers) -> Option<AuthorizerEvent> {
    let arn = markers.method_arn.is_some() || markers.route_arn.is_some();
    match (markers.kind.as_deref()?, markers.version.as_deref()) {
        ("TOKEN", _) if arn => Some(AuthorizerEvent::Token),
        ("REQUEST", Some("2.0")) if markers.route_arn.is_some() => Some(AuthorizerEvent::RequestV2),
        ("REQUEST", _) if arn => Some(AuthorizerEvent::RequestV1),
        _ => None,
    }
}

/// The translated request, if its headers and URL are within its front end's caps.
fn within_limits(request: Request, format: ResponseFormat) -> Result<ParsedEvent, EventError> {
    let source = request.context.source;
    // PayloadFormat 1.0 cookies are read from the `cookie` headers; 2.0 moves them out of the headers.
    let cookies_apart: &[String] = match format {
        ResponseFormat::HttpApi => &request.cookies,
        ResponseFormat::RestApi | ResponseFormat::Alb { .. } => &[],
    };
    let url = Url {
        path: &request.raw_path,
        raw_query: &request.raw_query,
        path_parameters: &request.path_parameters,
    };
    RequestLimits::of(source)
        .check(&request.headers, cookies_apart, url)
        .map_err(|part| EventError::TooLarge {
            front_end: source,
            format,
            part,
        })?;
    Ok(ParsedEvent { request, format })
}

/// The body as bytes, base64-decoded where the front end encoded it.
fn decode_body(
    body: Option<String>,
    base64: Option<bool>,
    front_end: Source,
    format: ResponseFormat,
) -> Result<Vec<u8>, EventError> {
    let body = body.unwrap_or_default();
    if base64 != Some(true) {
        return Ok(body.into_bytes());
    }
    base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|err| EventError::InvalidBody {
            front_end,
            format,
            message: err.to_string(),
        })
}

/// The front end's name in logs and error messages: `REST API`, `HTTP API`, ...
pub fn source_name(source: Source) -> &'static str {
    match source {
        Source::RestApi => "REST API",
        Source::HttpApi => "HTTP API",
        Source::Alb => "ALB",
        Source::FunctionUrl => "Function URL",
    }
}

/// serde_json quotes offending strings (`invalid type: string "…"`); events carry tokens and
/// personal data, so the quote is dropped from anything logged or returned.
fn without_echoed_values(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let Some(start) = message.find(" \"") else {
        return message;
    };
    match message.rfind("\", expected") {
        Some(end) if end > start => format!("{}{}", &message[..start], &message[end + 1..]),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(event: &[u8]) -> Result<Source, EventError> {
        match classify(event)? {
            Front::Proxy(source, _) => Ok(source),
            Front::Authorizer(kind) => panic!("an authorizer event: {kind:?}"),
        }
    }

    #[test]
    fn authorizer_events_are_told_by_their_type_and_arn() {
        let cases = [
            (
                r#"{"type": "TOKEN", "authorizationToken": "t", "methodArn": "arn"}"#,
                AuthorizerEvent::Token,
            ),
            (
                r#"{"type": "REQUEST", "methodArn": "arn", "httpMethod": "GET", "requestContext": {}}"#,
                AuthorizerEvent::RequestV1,
            ),
            (
                r#"{"version": "1.0", "type": "REQUEST", "methodArn": "arn", "identitySource": "a"}"#,
                AuthorizerEvent::RequestV1,
            ),
            (
                r#"{"version": "2.0", "type": "REQUEST", "routeArn": "arn", "requestContext": {"http": {}}}"#,
                AuthorizerEvent::RequestV2,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(
                classify(event.as_bytes()).unwrap(),
                Front::Authorizer(expected),
                "{event}"
            );
        }
        // A `type` alone, without the ARN API Gateway asks about, is no authorizer event.
        let proxy = r#"{"type": "REQUEST", "httpMethod": "GET"}"#;
        assert_eq!(detect(proxy.as_bytes()).unwrap(), Source::RestApi);
        let error = parse(cases[0].0.as_bytes()).unwrap_err();
        assert!(matches!(
            error,
            EventError::Authorizer(AuthorizerEvent::Token)
        ));
    }

    #[test]
    fn detects_each_front_end_from_its_markers() {
        let cases = [
            (r#"{"httpMethod": "GET"}"#, Source::RestApi),
            (
                r#"{"version": "1.0", "requestContext": {}}"#,
                Source::RestApi,
            ),
            (
                r#"{"version": "2.0", "requestContext": {"domainName": "a.execute-api.x"}}"#,
                Source::HttpApi,
            ),
            (
                r#"{"version": "2.0", "requestContext": {"domainName": "a.lambda-url.eu-west-2.on.aws"}}"#,
                Source::FunctionUrl,
            ),
            (
                r#"{"httpMethod": "GET", "requestContext": {"elb": {}}}"#,
                Source::Alb,
            ),
            (
                r#"{"version": "1.0", "requestContext": {"routeKey": "GET /x", "stage": "prod"}}"#,
                Source::HttpApi,
            ),
            (
                r#"{"version": "1.0", "requestContext": {"stage": "$default"}}"#,
                Source::HttpApi,
            ),
            (
                r#"{"version": "1.0", "requestContext": {"apiId": "a", "resourceId": null}}"#,
                Source::HttpApi,
            ),
            (
                r#"{"version": "1.0", "requestContext": {"apiId": "a", "resourceId": "r1", "stage": "Prod"}}"#,
                Source::RestApi,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(detect(event.as_bytes()).unwrap(), expected, "{event}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_proxy_event() {
        for event in [
            r#"{}"#,
            r#"{"version": "3.0"}"#,
            r#"{"Records": []}"#,
            "[]",
            r#""text""#,
        ] {
            assert!(
                matches!(detect(event.as_bytes()), Err(EventError::Unsupported)),
                "{event}"
            );
        }
        assert!(matches!(detect(b"{not json"), Err(EventError::NotJson(_))));
    }

    #[test]
    fn what_is_not_one_json_document_is_not_json_however_it_starts() {
        let unclosed_array = format!(r#"["{}"#, "[".repeat(10));
        let not_json: [&[u8]; 7] = [
            b"",
            b"   ",
            b"\xff\xfe",
            b"{\"httpMethod\": \"GET\", \"x\": \"\xc3\x28\"}",
            b"{\"httpMethod\": \"GET\"} trailing",
            unclosed_array.as_bytes(),
            b"[1, 2",
        ];
        for event in not_json {
            let result = detect(event);
            assert!(
                matches!(result, Err(EventError::NotJson(_))),
                "{}: {result:?}",
                String::from_utf8_lossy(&event[..event.len().min(40)])
            );
            assert_eq!(result.unwrap_err().kind(), "InvalidJson");
        }
    }

    #[test]
    fn json_of_another_shape_is_unsupported_however_deep() {
        // serde_json skips unread values without a depth limit: deep JSON is still JSON.
        let deep_object = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for event in [
            "null",
            "\"GET\"",
            "42",
            "[{\"httpMethod\": \"GET\"}]",
            "true",
            &deep_object,
            &deep_array,
        ] {
            let result = detect(event.as_bytes());
            assert!(
                matches!(result, Err(EventError::Unsupported)),
                "{}: {result:?}",
                &event[..event.len().min(40)]
            );
        }
    }

    #[test]
    fn malformed_messages_do_not_quote_the_event() {
        let err = serde_json::from_str::<u64>(r#""secret-token""#).unwrap_err();
        let message = without_echoed_values(&err);
        assert!(!message.contains("secret-token"), "{message}");
        assert!(message.contains("expected u64"), "{message}");
    }
}
