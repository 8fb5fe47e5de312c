//! The guest's `response` -> the proxy response JSON of the front end that sent the request.

use base64::Engine as _;
use http::{HeaderName, HeaderValue, StatusCode};
use serde::{Serialize, Serializer};

use crate::bindings::Response;
use crate::event::ResponseFormat;

/// A response the front end would refuse; the client gets a 502, as API Gateway gives for a
/// malformed proxy response.
#[derive(Debug, thiserror::Error)]
pub enum InvalidResponse {
    /// A status code no HTTP client accepts.
    #[error("status {0} is outside 100-599")]
    Status(u16),
    /// A header name that is not an HTTP token.
    #[error("invalid header name {0:?}")]
    HeaderName(String),
    /// A header value with CR, LF or another forbidden byte.
    #[error("invalid value for header {0:?} (control characters such as CR or LF are not allowed)")]
    HeaderValue(String),
    /// A proxy response JSON over Lambda's payload limit.
    #[error("the proxy response is {0} bytes, over Lambda's {MAX_PROXY_RESPONSE} byte limit")]
    TooLarge(u64),
}

/// Lambda refuses a synchronous response payload over 6 MB.
pub const MAX_PROXY_RESPONSE: u64 = 6 * 1024 * 1024;

/// The proxy response JSON, in the shape of one front end.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProxyResponse {
    /// For a REST API.
    RestApi(RestApiResponse),
    /// For an HTTP API or a Function URL.
    HttpApi(HttpApiResponse),
    /// For an ALB target group.
    Alb(AlbResponse),
}

impl ProxyResponse {
    /// The HTTP status the client will see.
    pub fn status(&self) -> u16 {
        match self {
            Self::RestApi(response) => response.status_code,
            Self::HttpApi(response) => response.status_code,
            Self::Alb(response) => response.status_code,
        }
    }
}

/// REST API: single values in `headers`, repeated ones and every `Set-Cookie` in
/// `multiValueHeaders`, no name in both (API Gateway would send it twice).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiResponse {
    /// The HTTP status.
    pub status_code: u16,
    /// Headers by name, in order.
    pub headers: Ordered<String>,
    /// Headers that repeat, and every `Set-Cookie`.
    pub multi_value_headers: Ordered<Vec<String>>,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether `body` is base64.
    pub is_base64_encoded: bool,
}

/// HTTP API and Function URL: repeated headers comma-joined, cookies in `cookies`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApiResponse {
    /// The HTTP status.
    pub status_code: u16,
    /// Headers by name, in order.
    pub headers: Ordered<String>,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether `body` is base64.
    pub is_base64_encoded: bool,
}

/// ALB: a `statusDescription`, and `headers` or `multiValueHeaders` as the request had them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbResponse {
    /// The HTTP status.
    pub status_code: u16,
    /// `200 OK`: the status and its reason.
    pub status_description: String,
    /// Headers by name, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Ordered<String>>,
    /// Headers that repeat, and every `Set-Cookie`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_value_headers: Option<Ordered<Vec<String>>>,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether `body` is base64.
    pub is_base64_encoded: bool,
}

/// A JSON object that keeps its keys in the order given.
#[derive(Debug, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}

/// A response whose status and headers have been checked, headers grouped by name.
struct Checked {
    status: u16,
    headers: Vec<(String, Vec<String>)>,
    cookies: Vec<String>,
    body: Vec<u8>,
}

/// Checks the guest's response and shapes it for `format`.
pub fn encode(
    response: Response,
    format: ResponseFormat,
) -> Result<ProxyResponse, InvalidResponse> {
    let proxy = render(check(response)?, format);
    let size = serialized_size(&proxy);
    if size > MAX_PROXY_RESPONSE {
        return Err(InvalidResponse::TooLarge(size));
    }
    Ok(proxy)
}

/// The length of the JSON Lambda will send, counted without building it.
fn serialized_size(response: &ProxyResponse) -> u64 {
    struct Counter(u64);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serializing these plain structs cannot fail; if it did, the response could not be sent.
    match serde_json::to_writer(&mut counter, response) {
        Ok(()) => counter.0,
        Err(_) => u64::MAX,
    }
}

/// A short JSON error, `{"message": "..."}` as API Gateway's own errors are.
pub fn error(format: ResponseFormat, status: u16, message: &str) -> ProxyResponse {
    let checked = Checked {
        status,
        headers: vec![(
            "content-type".to_owned(),
            vec!["application/json".to_owned()],
        )],
        cookies: Vec::new(),
        body: serde_json::json!({ "message": message })
            .to_string()
            .into_bytes(),
    };
    render(checked, format)
}

fn check(response: Response) -> Result<Checked, InvalidResponse> {
    if !(100..=599).contains(&response.status) {
        return Err(InvalidResponse::Status(response.status));
    }
    let mut cookies = response.cookies;
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in response.headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(InvalidResponse::HeaderName(name));
        }
        if HeaderValue::from_str(&value).is_err() {
            return Err(InvalidResponse::HeaderValue(name));
        }
        // Cookies need their own channel: v2 would comma-join them, which breaks `Expires`.
        if name.eq_ignore_ascii_case("set-cookie") {
            cookies.push(value);
        } else if let Some((_, values)) = headers
            .iter_mut()
            .find(|(known, _)| known.eq_ignore_ascii_case(&name))
        {
            values.push(value);
        } else {
            headers.push((name, vec![value]));
        }
    }
    if cookies
        .iter()
        .any(|cookie| HeaderValue::from_str(cookie).is_err())
    {
        return Err(InvalidResponse::HeaderValue("set-cookie".to_owned()));
    }
    Ok(Checked {
        status: response.status,
        headers,
        cookies,
        body: response.body,
    })
}

fn render(response: Checked, format: ResponseFormat) -> ProxyResponse {
    let Checked {
        status,
        headers,
        mut cookies,
        body,
    } = response;
    let (body, is_base64_encoded) = match String::from_utf8(body) {
        Ok(text) => (text, false),
        Err(binary) => (
            base64::engine::general_purpose::STANDARD.encode(binary.as_bytes()),
            true,
        ),
    };
    match format {
        ResponseFormat::RestApi => {
            let (single, mut multi): (Vec<_>, Vec<_>) = headers
                .into_iter()
                .partition(|(_, values)| values.len() == 1);
            let single = single
                .into_iter()
                .filter_map(|(name, mut values)| Some((name, values.pop()?)))
                .collect();
            if !cookies.is_empty() {
                multi.push(("Set-Cookie".to_owned(), cookies));
            }
            ProxyResponse::RestApi(RestApiResponse {
                status_code: status,
                headers: Ordered(single),
                multi_value_headers: Ordered(multi),
                body,
                is_base64_encoded,
            })
        }
        ResponseFormat::HttpApi => ProxyResponse::HttpApi(HttpApiResponse {
            status_code: status,
            headers: Ordered(join_repeated(headers)),
            cookies,
            body,
            is_base64_encoded,
        }),
        ResponseFormat::Alb {
            multi_value_headers,
        } => {
            let (headers, multi_value_headers) = if multi_value_headers {
                let mut multi = headers;
                if !cookies.is_empty() {
                    multi.push(("Set-Cookie".to_owned(), cookies));
                }
                (None, Some(Ordered(multi)))
            } else {
                let mut single = join_repeated(headers);
                // Without multi-value headers an ALB passes one value per name; like ALB itself,
                // keep the last.
                if cookies.len() > 1 {
                    tracing::warn!(
                        dropped = cookies.len() - 1,
                        "the ALB target group has multi-value headers off: only the last Set-Cookie is sent"
                    );
                }
                if let Some(cookie) = cookies.pop() {
                    single.push(("Set-Cookie".to_owned(), cookie));
                }
                (Some(Ordered(single)), None)
            };
            ProxyResponse::Alb(AlbResponse {
                status_code: status,
                status_description: status_description(status),
                headers,
                multi_value_headers,
                body,
                is_base64_encoded,
            })
        }
    }
}

/// One header per name, repeated values joined with `, ` as HTTP allows.
fn join_repeated(headers: Vec<(String, Vec<String>)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, values)| (name, values.join(", ")))
        .collect()
}

/// `200 OK`, as ALB wants it.
fn status_description(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn response(headers: &[(&str, &str)], cookies: &[&str], body: &[u8]) -> Response {
        Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            cookies: cookies.iter().map(|c| c.to_string()).collect(),
            body: body.to_vec(),
        }
    }

    fn encoded(response: Response, format: ResponseFormat) -> Value {
        serde_json::to_value(encode(response, format).unwrap()).unwrap()
    }

    #[test]
    fn rest_api_puts_repeated_headers_and_cookies_only_in_multi_value_headers() {
        let guest = response(
            &[
                ("Content-Type", "text/plain"),
                ("Vary", "a"),
                ("vary", "b"),
                ("Set-Cookie", "h=1"),
            ],
            &["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"],
            b"hi",
        );
        assert_eq!(
            encoded(guest, ResponseFormat::RestApi),
            json!({
                "statusCode": 200,
                "headers": { "Content-Type": "text/plain" },
                "multiValueHeaders": {
                    "Vary": ["a", "b"],
                    "Set-Cookie": ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "h=1"],
                },
                "body": "hi",
                "isBase64Encoded": false,
            })
        );
    }

    #[test]
    fn http_api_joins_repeated_headers_and_lists_cookies() {
        let guest = response(&[("vary", "a"), ("Vary", "b")], &["a=1", "b=2"], b"{}");
        assert_eq!(
            encoded(guest, ResponseFormat::HttpApi),
            json!({
                "statusCode": 200,
                "headers": { "vary": "a, b" },
                "cookies": ["a=1", "b=2"],
                "body": "{}",
                "isBase64Encoded": false,
            })
        );
    }

    #[test]
    fn binary_bodies_are_base64_encoded() {
        let guest = response(&[], &[], &[0, 255, 16, 128]);
        let json = encoded(guest, ResponseFormat::HttpApi);
        assert_eq!(json["body"], "AP8QgA==");
        assert_eq!(json["isBase64Encoded"], true);
    }

    #[test]
    fn alb_answers_in_the_header_style_of_the_request() {
        let guest = || response(&[("x", "1"), ("x", "2")], &["a=1", "b=2"], b"ok");
        let multi = encoded(
            guest(),
            ResponseFormat::Alb {
                multi_value_headers: true,
            },
        );
        assert_eq!(multi["statusDescription"], "200 OK");
        assert_eq!(
            multi["multiValueHeaders"],
            json!({ "x": ["1", "2"], "Set-Cookie": ["a=1", "b=2"] })
        );
        assert!(multi.get("headers").is_none());

        let single = encoded(
            guest(),
            ResponseFormat::Alb {
                multi_value_headers: false,
            },
        );
        assert_eq!(
            single["headers"],
            json!({ "x": "1, 2", "Set-Cookie": "b=2" })
        );
        assert!(single.get("multiValueHeaders").is_none());
    }

    #[test]
    fn refuses_what_a_front_end_would_refuse() {
        let mut bad_status = response(&[], &[], b"");
        bad_status.status = 600;
        assert!(matches!(
            encode(bad_status, ResponseFormat::RestApi),
            Err(InvalidResponse::Status(600))
        ));
        let crlf = response(&[("x-injected", "a\r\nSet-Cookie: evil=1")], &[], b"");
        assert!(matches!(
            encode(crlf, ResponseFormat::RestApi),
            Err(InvalidResponse::HeaderValue(_))
        ));
        let bad_name = response(&[("bad name", "x")], &[], b"");
        assert!(matches!(
            encode(bad_name, ResponseFormat::HttpApi),
            Err(InvalidResponse::HeaderName(_))
        ));
        let huge = response(&[], &[], &vec![0xff; 5 << 20]);
        assert!(
            matches!(
                encode(huge, ResponseFormat::HttpApi),
                Err(InvalidResponse::TooLarge(_))
            ),
            "5 MiB of binary is over 6 MB as base64"
        );
        let bad_cookie = response(&[], &["a=1\nb=2"], b"");
        assert!(matches!(
            encode(bad_cookie, ResponseFormat::HttpApi),
            Err(InvalidResponse::HeaderValue(_))
        ));
    }

    #[test]
    fn errors_are_short_json_in_the_front_ends_shape() {
        let json = serde_json::to_value(error(
            ResponseFormat::Alb {
                multi_value_headers: false,
            },
            502,
            "Bad Gateway",
        ))
        .unwrap();
        assert_eq!(json["statusCode"], 502);
        assert_eq!(json["statusDescription"], "502 Bad Gateway");
        assert_eq!(json["body"], r#"{"message":"Bad Gateway"}"#);
    }
}
