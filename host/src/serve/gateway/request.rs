//! The way in: an HTTP request becomes the REST API (1.0) or HTTP API (2.0) event API Gateway
//! would send the function.

use std::net::IpAddr;

use base64::Engine as _;
use lambda_wasm_routes::encoding::decode_fully;
use serde_json::{Map, Value, json};

use crate::event::fields;
use crate::serve::api_kind::{ApiKind, PayloadFormat};
use crate::serve::routes::Matched;
use crate::serve::template::intrinsics::LOCAL_ACCOUNT_ID;

/// The API id local events and method ARNs name.
pub const API_ID: &str = "local";

/// An HTTP request as the local API received it; header names in lower case.
#[derive(Debug)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path as received, still percent-encoded.
    pub path: String,
    /// The query string without its `?`.
    pub raw_query: String,
    /// Headers in the order received; values that are not text are left out.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
    /// The address the request came from.
    pub client_ip: IpAddr,
}

impl HttpRequest {
    /// The request hyper received from `client_ip`, with its collected `body`.
    pub fn from_parts(parts: &http::request::Parts, body: Vec<u8>, client_ip: IpAddr) -> Self {
        Self {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            raw_query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: parts
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            body,
            client_ip,
        }
    }

    /// The `host` header, as API Gateway's `domainName`; `localhost` without one.
    pub fn domain_name(&self) -> &str {
        self.header("host").unwrap_or("localhost")
    }

    /// The last value of the header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        fields::last_header(&self.headers, name)
    }
}

/// Where and when the request arrived, as API Gateway records it.
#[derive(Debug)]
pub struct Arrival<'a> {
    /// API Gateway's request id.
    pub request_id: &'a str,
    /// The API's stage.
    pub stage: &'a str,
    /// The host the request was sent to.
    pub domain_name: &'a str,
    /// When it arrived, in epoch milliseconds.
    pub epoch_ms: u64,
}

/// The Lambda event an API of `kind` would send in `payload` format for `request` on
/// `matched`.
pub fn event<T>(
    kind: ApiKind,
    payload: PayloadFormat,
    request: &HttpRequest,
    matched: &Matched<'_, T>,
    arrival: &Arrival<'_>,
) -> Value {
    match (kind, payload) {
        (ApiKind::Rest, _) => rest_api_event(request, matched, arrival),
        (ApiKind::Http, PayloadFormat::V1) => http_api_v1_event(request, matched, arrival),
        (ApiKind::Http, PayloadFormat::V2) => http_api_event(request, matched, arrival),
    }
}

/// An HTTP API's payload format 1.0: a REST API's event with `version`, the route key, and no
/// resource id (AWS's example in "Create AWS Lambda proxy integrations for HTTP APIs").
fn http_api_v1_event<T>(
    request: &HttpRequest,
    matched: &Matched<'_, T>,
    arrival: &Arrival<'_>,
) -> Value {
    let mut event = rest_api_event(request, matched, arrival);
    // HTTP APIs keep a named stage in the path; `$default` is not in it.
    let path = if arrival.stage == "$default" {
        request.path.clone()
    } else {
        format!("/{}{}", arrival.stage, request.path)
    };
    event["version"] = json!("1.0");
    event["resource"] = json!(request.path);
    event["path"] = json!(path);
    let context = &mut event["requestContext"];
    context["routeKey"] = json!(matched.route.key);
    context["resourceId"] = Value::Null;
    context["resourcePath"] = json!(request.path);
    context["path"] = json!(path);
    event
}

fn rest_api_event<T>(
    request: &HttpRequest,
    matched: &Matched<'_, T>,
    arrival: &Arrival<'_>,
) -> Value {
    let query = fields::decode_query(&request.raw_query);
    let (body, is_base64_encoded) = body_field(request, matched);
    let user_agent = fields::last_header(&request.headers, "user-agent");
    json!({
        "resource": matched.route.key,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single_values(&request.headers),
        "multiValueHeaders": multi_values(&request.headers),
        "queryStringParameters": non_empty(single_values(&query)),
        "multiValueQueryStringParameters": non_empty(multi_values(&query)),
        "pathParameters": non_empty(single_values(&matched.path_parameters)),
        "stageVariables": Value::Null,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": API_ID,
            "resourceId": "local",
            "resourcePath": matched.route.key,
            "httpMethod": request.method,
            "path": format!("/{}{}", arrival.stage, request.path),
            "stage": arrival.stage,
            "domainName": arrival.domain_name,
            "domainPrefix": arrival.domain_name.split('.').next(),
            "requestId": arrival.request_id,
            "extendedRequestId": arrival.request_id,
            "requestTimeEpoch": arrival.epoch_ms,
            "protocol": "HTTP/1.1",
            "identity": { "sourceIp": request.client_ip.to_string(), "userAgent": user_agent },
        },
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    })
}

fn http_api_event<T>(
    request: &HttpRequest,
    matched: &Matched<'_, T>,
    arrival: &Arrival<'_>,
) -> Value {
    // HTTP APIs keep a named stage in the path; `$default` is not in it.
    let wire_path = if arrival.stage == "$default" {
        request.path.clone()
    } else {
        format!("/{}{}", arrival.stage, request.path)
    };
    // HTTP APIs decode the path and its parameters; routing happened on the encoded path.
    let raw_path = decoded(&wire_path);
    let path_parameters: Vec<(String, String)> = matched
        .path_parameters
        .iter()
        .map(|(name, value)| (name.clone(), decoded(value)))
        .collect();
    let cookies = fields::cookies_from_headers(&request.headers);
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| name != "cookie")
        .cloned()
        .collect();
    let query = fields::decode_query(&request.raw_query);
    let (body, is_base64_encoded) = body_field(request, matched);
    let mut event = json!({
        "version": "2.0",
        "routeKey": matched.route.key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": http_api_map(&headers),
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": arrival.domain_name,
            "domainPrefix": arrival.domain_name.split('.').next(),
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip.to_string(),
                "userAgent": fields::last_header(&request.headers, "user-agent").unwrap_or_default(),
            },
            "requestId": arrival.request_id,
            "routeKey": matched.route.key,
            "stage": arrival.stage,
            "timeEpoch": arrival.epoch_ms,
        },
        "isBase64Encoded": is_base64_encoded,
    });
    // HTTP APIs leave out what is empty rather than sending nulls.
    let fields = event.as_object_mut().expect("an object literal");
    if !cookies.is_empty() {
        fields.insert("cookies".into(), json!(cookies));
    }
    if !query.is_empty() {
        fields.insert(
            "queryStringParameters".into(),
            Value::Object(http_api_map(&query)),
        );
    }
    if !path_parameters.is_empty() {
        fields.insert(
            "pathParameters".into(),
            Value::Object(single_values(&path_parameters)),
        );
    }
    if let Some(body) = body {
        fields.insert("body".into(), Value::String(body));
    }
    event
}

/// `wire` percent-decoded as an HTTP API decodes paths, `%2F` included. Bytes that do not decode
/// to UTF-8 leave it encoded: AWS does not document that case, and JSON needs text.
fn decoded(wire: &str) -> String {
    decode_fully(wire).unwrap_or_else(|| wire.to_owned())
}

/// The body as the API sends it: base64-encoded when its binary media types say so (see
/// [`BinaryMediaTypes`](crate::serve::binary::BinaryMediaTypes)), else as text.
fn body_field<T>(request: &HttpRequest, matched: &Matched<'_, T>) -> (Option<String>, bool) {
    let body = &request.body;
    if body.is_empty() {
        return (None, false);
    }
    let binary = &matched.route.api.binary;
    if binary.encode_request(request.header("content-type"), body) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(body);
        return (Some(encoded), true);
    }
    // A REST API passes a body that is not of a binary media type as text; bytes that are not
    // UTF-8 cannot survive that, and become U+FFFD here.
    (Some(String::from_utf8_lossy(body).into_owned()), false)
}

/// `{name: last value}`, as REST APIs fill their single-value maps.
fn single_values(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect()
}

fn multi_values(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        let values = map
            .entry(name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = values {
            values.push(Value::String(value.clone()));
        }
    }
    map
}

/// `{name: "a,b"}`, as HTTP APIs join repeated headers and query parameters.
fn http_api_map(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        match map.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    map
}

fn non_empty(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}
