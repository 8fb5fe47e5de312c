//! A Lambda function's result JSON (what an `event-handler` guest returns, e.g. a Python
//! handler's return value) -> the contract's `response`, by the rules API Gateway, ALB and
//! Function URLs apply to a proxy integration's result. [`response::encode`](crate::response)
//! then checks and shapes it exactly as it does a `handler` guest's response.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::bindings::Response;
use crate::event::ResponseFormat;
use crate::guest_text;

/// A result the front end would refuse ("Malformed Lambda proxy response"): the client gets a
/// 502.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed Lambda proxy response: {}", guest_text::for_log(.0))]
pub struct MalformedResult(String);

fn malformed(why: impl Into<String>) -> MalformedResult {
    MalformedResult(why.into())
}

/// The response the front end of `format` makes of the function's `result` JSON.
///
/// REST API, HTTP API payload 1.0 and ALB need an object with `statusCode`; HTTP API payload
/// 2.0 and Function URLs also take any other JSON, as a 200 `application/json` response whose
/// body is that JSON (a string, the string itself).
pub fn to_response(result: &str, format: ResponseFormat) -> Result<Response, MalformedResult> {
    let value: Value = serde_json::from_str(result)
        .map_err(|err| malformed(format!("the result is not JSON: {err}")))?;
    match (value, format) {
        (Value::Object(fields), _) if fields.contains_key("statusCode") => {
            structured(&fields, format)
        }
        (inferred, ResponseFormat::HttpApi) => Ok(inferred_200(inferred, result)),
        _ => Err(malformed("the result has no statusCode")),
    }
}

/// HTTP API 2.0's reading of a result without `statusCode`: the body is the function's JSON as
/// it returned it (its key order and spacing), or the string a string result holds.
fn inferred_200(parsed: Value, raw: &str) -> Response {
    let body = match parsed {
        Value::String(text) => text,
        _ => raw.to_owned(),
    };
    Response {
        status: 200,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        cookies: Vec::new(),
        body: body.into_bytes(),
    }
}

fn structured(
    fields: &Map<String, Value>,
    format: ResponseFormat,
) -> Result<Response, MalformedResult> {
    let status = status_code(&fields["statusCode"])?;
    let v2 = format == ResponseFormat::HttpApi;
    let mut headers = Vec::new();
    // Payload 2.0 has no multiValueHeaders; the others merge them with `headers`, a pair given
    // in both appearing once.
    if !v2 {
        for (name, values) in object(fields, "multiValueHeaders")? {
            let Value::Array(values) = values else {
                return Err(malformed(format!("multiValueHeaders.{name} is not a list")));
            };
            for value in values {
                headers.push((name.clone(), header_value(name, value)?));
            }
        }
    }
    for (name, value) in object(fields, "headers")? {
        let pair = (name.clone(), header_value(name, value)?);
        if !headers.contains(&pair) {
            headers.push(pair);
        }
    }
    let cookies = match fields.get("cookies") {
        Some(Value::Array(cookies)) if v2 => cookies
            .iter()
            .map(|cookie| match cookie {
                Value::String(cookie) => Ok(cookie.clone()),
                _ => Err(malformed("a cookie is not a string")),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Null) | None => Vec::new(),
        Some(_) if v2 => return Err(malformed("cookies is not a list")),
        // Only payload 2.0 has `cookies`; the others ignore the key.
        Some(_) => Vec::new(),
    };
    let base64 = match fields.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(malformed("isBase64Encoded is not a boolean")),
    };
    let body = match fields.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(body)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|err| malformed(format!("the body is not valid base64: {err}")))?,
        Some(Value::String(body)) => body.clone().into_bytes(),
        Some(_) => return Err(malformed("the body is not a string")),
    };
    Ok(Response {
        status,
        headers,
        cookies,
        body,
    })
}

/// `statusCode`: an integer, or a string of one, as API Gateway accepts both.
fn status_code(value: &Value) -> Result<u16, MalformedResult> {
    let status = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    };
    status
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(|| malformed("statusCode is not an HTTP status"))
}

/// The object at `key`, empty when absent or null.
fn object<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<impl Iterator<Item = (&'a String, &'a Value)>, MalformedResult> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None.into_iter().flatten()),
        Some(Value::Object(entries)) => Ok(Some(entries.iter()).into_iter().flatten()),
        Some(_) => Err(malformed(format!("{key} is not an object"))),
    }
}

/// A header value: a string, or a number or boolean as its JSON text.
fn header_value(name: &str, value: &Value) -> Result<String, MalformedResult> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
        _ => Err(malformed(format!(
            "the value of header {name} is not a string"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST: ResponseFormat = ResponseFormat::RestApi;
    const V2: ResponseFormat = ResponseFormat::HttpApi;

    #[test]
    fn a_structured_result_keeps_status_headers_and_body() {
        let result = r#"{"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-N": 3},
            "body": "made"}"#;
        let response = to_response(result, REST).unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(
            response.headers,
            [
                ("Content-Type".to_owned(), "text/plain".to_owned()),
                ("X-N".to_owned(), "3".to_owned())
            ]
        );
        assert_eq!(response.body, b"made");
    }

    #[test]
    fn multi_value_headers_merge_with_headers_and_a_pair_in_both_appears_once() {
        let result = r#"{"statusCode": 200, "headers": {"a": "1", "b": "2"},
            "multiValueHeaders": {"a": ["1", "3"]}}"#;
        let response = to_response(result, REST).unwrap();
        let pairs: Vec<_> = response
            .headers
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        assert_eq!(pairs, ["a=1", "a=3", "b=2"]);
        // Payload 2.0 has no multiValueHeaders.
        let response = to_response(result, V2).unwrap();
        assert_eq!(response.headers.len(), 2);
    }

    #[test]
    fn a_base64_body_is_decoded_and_cookies_count_only_in_payload_2() {
        let result = r#"{"statusCode": "200", "isBase64Encoded": true, "body": "AP8=",
            "cookies": ["a=1"]}"#;
        let response = to_response(result, V2).unwrap();
        assert_eq!((response.status, response.body), (200, vec![0, 255]));
        assert_eq!(response.cookies, ["a=1"]);
        assert!(to_response(result, REST).unwrap().cookies.is_empty());
    }

    #[test]
    fn http_api_2_infers_a_200_for_a_result_without_status_code() {
        let response = to_response(r#"{"message": "hi", "a": 1}"#, V2).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, br#"{"message": "hi", "a": 1}"#);
        assert_eq!(response.headers[0].1, "application/json");
        assert_eq!(to_response(r#""plain""#, V2).unwrap().body, b"plain");
        assert_eq!(to_response("null", V2).unwrap().body, b"null");
    }

    #[test]
    fn malformed_results_are_refused() {
        let alb = ResponseFormat::Alb {
            multi_value_headers: false,
        };
        for (result, format) in [
            (r#"{"message": "hi"}"#, REST),
            (r#""plain""#, alb),
            ("not json", V2),
            (r#"{"statusCode": 70000}"#, REST),
            (r#"{"statusCode": "OK"}"#, V2),
            (r#"{"statusCode": 200, "body": {"a": 1}}"#, REST),
            (r#"{"statusCode": 200, "headers": ["a"]}"#, REST),
            (r#"{"statusCode": 200, "headers": {"a": null}}"#, REST),
            (
                r#"{"statusCode": 200, "multiValueHeaders": {"a": "1"}}"#,
                REST,
            ),
            (
                r#"{"statusCode": 200, "isBase64Encoded": true, "body": "%%"}"#,
                REST,
            ),
            (r#"{"statusCode": 200, "isBase64Encoded": "yes"}"#, REST),
            (r#"{"statusCode": 200, "cookies": [1]}"#, V2),
        ] {
            assert!(to_response(result, format).is_err(), "{result}");
        }
    }
}
