//! What API Gateway does around a Lambda proxy integration: an HTTP request becomes a REST API
//! (1.0) or HTTP API (2.0) event, and the proxy response becomes the HTTP response.

use std::net::IpAddr;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::routes::{Matched, Payload};
use crate::event::fields;
use crate::response::ProxyResponse;

/// An HTTP request as the local API received it; header names in lower case.
#[derive(Debug)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub client_ip: IpAddr,
}

/// Where and when the request arrived, as API Gateway records it.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub request_id: &'a str,
    pub stage: &'a str,
    pub domain_name: &'a str,
    pub epoch_ms: u64,
}

/// The HTTP response API Gateway sends for a proxy response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The Lambda event API Gateway would send for `request` on `matched`.
pub fn event(
    payload: Payload,
    request: &HttpRequest,
    matched: &Matched<'_>,
    arrival: &Arrival<'_>,
) -> Value {
    match payload {
        Payload::V1 => rest_api_event(request, matched, arrival),
        Payload::V2 => http_api_event(request, matched, arrival),
    }
}

fn rest_api_event(request: &HttpRequest, matched: &Matched<'_>, arrival: &Arrival<'_>) -> Value {
    let query = fields::decode_query(&request.raw_query);
    let (body, is_base64_encoded) = body_field(&request.body);
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
            "accountId": "123456789012",
            "apiId": "local",
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

fn http_api_event(request: &HttpRequest, matched: &Matched<'_>, arrival: &Arrival<'_>) -> Value {
    // HTTP APIs keep a named stage in the path; `$default` is not in it.
    let raw_path = if arrival.stage == "$default" {
        request.path.clone()
    } else {
        format!("/{}{}", arrival.stage, request.path)
    };
    let cookies = fields::cookies_from_headers(&request.headers);
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| name != "cookie")
        .cloned()
        .collect();
    let query = fields::decode_query(&request.raw_query);
    let (body, is_base64_encoded) = body_field(&request.body);
    let mut event = json!({
        "version": "2.0",
        "routeKey": matched.route.key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": comma_joined(&headers),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
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
            Value::Object(comma_joined(&query)),
        );
    }
    if !matched.path_parameters.is_empty() {
        fields.insert(
            "pathParameters".into(),
            Value::Object(single_values(&matched.path_parameters)),
        );
    }
    if let Some(body) = body {
        fields.insert("body".into(), Value::String(body));
    }
    event
}

/// Turns the proxy response into HTTP as API Gateway does: base64 bodies decoded,
/// `multiValueHeaders` and `cookies` sent as repeated headers. API Gateway sets the framing
/// headers itself, so the handler's are dropped.
pub fn http_response(response: ProxyResponse) -> Result<HttpResponse, base64::DecodeError> {
    let (status, mut headers, body, is_base64_encoded) = match response {
        ProxyResponse::RestApi(rest) => {
            let mut headers = rest.headers.0;
            for (name, values) in rest.multi_value_headers.0 {
                headers.extend(values.into_iter().map(|value| (name.clone(), value)));
            }
            (rest.status_code, headers, rest.body, rest.is_base64_encoded)
        }
        ProxyResponse::HttpApi(http) => {
            let mut headers = http.headers.0;
            headers.extend(
                http.cookies
                    .into_iter()
                    .map(|cookie| ("set-cookie".to_owned(), cookie)),
            );
            (http.status_code, headers, http.body, http.is_base64_encoded)
        }
        ProxyResponse::Alb(alb) => {
            let mut headers = alb.headers.map(|headers| headers.0).unwrap_or_default();
            for (name, values) in alb
                .multi_value_headers
                .map(|headers| headers.0)
                .unwrap_or_default()
            {
                headers.extend(values.into_iter().map(|value| (name.clone(), value)));
            }
            (alb.status_code, headers, alb.body, alb.is_base64_encoded)
        }
    };
    headers.retain(|(name, _)| {
        !["content-length", "transfer-encoding", "connection"]
            .iter()
            .any(|framing| name.eq_ignore_ascii_case(framing))
    });
    let body = if is_base64_encoded {
        base64::engine::general_purpose::STANDARD.decode(body)?
    } else {
        body.into_bytes()
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// A JSON error in API Gateway's own words, e.g. `{"message":"Not Found"}`.
pub fn gateway_error(status: u16, message: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: json!({ "message": message }).to_string().into_bytes(),
    }
}

/// Text bodies go as they are; anything else base64-encoded, as HTTP APIs do for binary content.
fn body_field(body: &[u8]) -> (Option<String>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    match std::str::from_utf8(body) {
        Ok(text) => (Some(text.to_owned()), false),
        Err(_) => (
            Some(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    }
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
fn comma_joined(pairs: &[(String, String)]) -> Map<String, Value> {
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
