//! The guest's `response` -> the proxy response JSON of the front end that sent the request.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use base64::Engine as _;
use http::{HeaderName, StatusCode};
use serde::{Serialize, Serializer};

use crate::bindings::Response;
use crate::event::ResponseFormat;
use crate::guest_text;

/// A response the front end would refuse, or the host will not translate; the client gets a
/// 502, as API Gateway gives for a malformed proxy response.
#[derive(Debug, thiserror::Error)]
pub enum InvalidResponse {
    /// A status no front end forwards as the final answer: outside 200-599.
    #[error("status {0} is not a final HTTP status (200-599)")]
    Status(u16),
    /// A header name that is not an HTTP token.
    #[error("invalid header name \"{}\"", guest_text::for_log(.0))]
    HeaderName(String),
    /// A header value with CR, LF or another control character.
    #[error(
        "invalid value for header \"{}\" (control characters other than tab, such as CR, LF, DEL or U+0085, are not allowed)",
        guest_text::for_log(.0)
    )]
    HeaderValue(String),
    /// More headers or cookies than the host translates.
    #[error("the response has {count} {what}, over the host's cap of {cap}")]
    TooMany {
        /// `headers` or `cookies`.
        what: &'static str,
        /// How many the guest gave.
        count: usize,
        /// The cap it went over.
        cap: usize,
    },
    /// A proxy response JSON over the front end's payload limit.
    #[error(
        "the proxy response for the {front_end} is {}{size} bytes, over {limit}",
        if *.exact { "" } else { "at least " }
    )]
    TooLarge {
        /// The front end the response was for.
        front_end: &'static str,
        /// Its size, or a lower bound of it when `exact` is false.
        size: u64,
        /// Whether `size` is the exact size.
        exact: bool,
        /// The limit it went over.
        limit: SizeLimit,
    },
}

/// The most bytes of proxy response JSON a front end takes, and whose limit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// The limit in bytes.
    pub bytes: u64,
    /// Who sets it, for the log: `Lambda's`, `the ALB's`.
    pub set_by: &'static str,
}

impl fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} byte limit", self.set_by, self.bytes)
    }
}

/// Lambda refuses a synchronous response payload over 6 MB (6 MiB, as Lambda counts it).
pub const LAMBDA_LIMIT: SizeLimit = SizeLimit {
    bytes: 6 * 1024 * 1024,
    set_by: "Lambda's",
};

/// An ALB answers 502 for a Lambda response JSON over 1 MB ("lambda-functions" in the ELB
/// guide). AWS does not say whether that MB is 10^6 or 2^20 bytes: the smaller is taken, so
/// the host never reports success for a response the ALB may refuse.
pub const ALB_LIMIT: SizeLimit = SizeLimit {
    bytes: 1_000_000,
    set_by: "the ALB's",
};

/// Far more headers than any real response has; the cap keeps checking and grouping a
/// hostile guest's list bounded in time and memory.
pub const MAX_RESPONSE_HEADERS: usize = 1_000;

/// Far more cookies than any real response sets (browsers keep about 50 per domain).
pub const MAX_RESPONSE_COOKIES: usize = 1_000;

/// The limit of the front end that answers in `format`: an ALB's own, else Lambda's.
pub fn size_limit(format: ResponseFormat) -> SizeLimit {
    match format {
        ResponseFormat::Alb { .. } => ALB_LIMIT,
        ResponseFormat::RestApi | ResponseFormat::HttpApi => LAMBDA_LIMIT,
    }
}

/// The front end's name in log lines.
fn front_end(format: ResponseFormat) -> &'static str {
    match format {
        ResponseFormat::RestApi => "REST API",
        ResponseFormat::HttpApi => "HTTP API or Function URL",
        ResponseFormat::Alb { .. } => "ALB",
    }
}

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
///
/// A response sure to be over the front end's size limit is refused before its body is copied
/// or encoded, so a huge body costs the host no more memory than the guest already gave it.
pub fn encode(
    response: Response,
    format: ResponseFormat,
) -> Result<ProxyResponse, InvalidResponse> {
    let limit = size_limit(format);
    let too_large = |size, exact| InvalidResponse::TooLarge {
        front_end: front_end(format),
        size,
        exact,
        limit,
    };
    check_counts(&response)?;
    let lower_bound = size_lower_bound(&response);
    if lower_bound > limit.bytes {
        return Err(too_large(lower_bound, false));
    }
    let proxy = render(check(response)?, format);
    let size = serialized_size(&proxy);
    if size > limit.bytes {
        return Err(too_large(size, true));
    }
    Ok(proxy)
}

/// Refuses more headers or cookies than the host translates, before looking at any of them.
fn check_counts(response: &Response) -> Result<(), InvalidResponse> {
    for (what, count, cap) in [
        ("headers", response.headers.len(), MAX_RESPONSE_HEADERS),
        ("cookies", response.cookies.len(), MAX_RESPONSE_COOKIES),
    ] {
        if count > cap {
            return Err(InvalidResponse::TooMany { what, count, cap });
        }
    }
    Ok(())
}

/// A size the proxy response JSON cannot be under, from the raw lengths: a body that is not
/// UTF-8 goes as base64 (4 bytes for every 3, rounded up), and JSON escaping only ever grows
/// text, headers and cookies.
fn size_lower_bound(response: &Response) -> u64 {
    let body = response.body.len() as u64;
    let body = if std::str::from_utf8(&response.body).is_ok() {
        body
    } else {
        body.div_ceil(3) * 4
    };
    let headers: u64 = response
        .headers
        .iter()
        .map(|(name, value)| (name.len() + value.len()) as u64)
        .sum();
    let cookies: u64 = response.cookies.iter().map(|c| c.len() as u64).sum();
    body + headers + cookies
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
    if !(200..=599).contains(&response.status) {
        return Err(InvalidResponse::Status(response.status));
    }
    let mut cookies = response.cookies;
    if !cookies.iter().all(|cookie| is_field_value(cookie)) {
        return Err(InvalidResponse::HeaderValue("set-cookie".to_owned()));
    }
    let mut headers: Vec<(String, Vec<String>)> = Vec::with_capacity(response.headers.len());
    // Lower-case name -> its place in `headers`: grouping stays linear in the number of headers.
    let mut index: HashMap<String, usize> = HashMap::with_capacity(response.headers.len());
    for (name, value) in response.headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(InvalidResponse::HeaderName(name));
        }
        if !is_field_value(&value) {
            return Err(InvalidResponse::HeaderValue(name));
        }
        // Cookies need their own channel: v2 would comma-join them, which breaks `Expires`.
        if name.eq_ignore_ascii_case("set-cookie") {
            cookies.push(value);
            continue;
        }
        match index.entry(name.to_ascii_lowercase()) {
            Entry::Occupied(place) => headers[*place.get()].1.push(value),
            Entry::Vacant(place) => {
                place.insert(headers.len());
                headers.push((name, vec![value]));
            }
        }
    }
    Ok(Checked {
        status: response.status,
        headers,
        cookies,
        body: response.body,
    })
}

/// Whether `value` may go out as a header value. RFC 9110 (5.5) allows a horizontal tab inside
/// a field value, and API Gateway, ALB and hyper pass it, so tab is kept; every other control
/// character is refused: CR and LF would split the header, and NUL, DEL or a C1 control such
/// as U+0085 (NEL, a line break to some parsers) have no place in a header either.
fn is_field_value(value: &str) -> bool {
    !value.chars().any(|c| c.is_control() && c != '\t')
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
                Err(InvalidResponse::TooLarge { .. })
            ),
            "5 MiB of binary is over 6 MB as base64"
        );
        let bad_cookie = response(&[], &["a=1\nb=2"], b"");
        assert!(matches!(
            encode(bad_cookie, ResponseFormat::HttpApi),
            Err(InvalidResponse::HeaderValue(_))
        ));
    }

    fn refusal(response: Response, format: ResponseFormat) -> InvalidResponse {
        match encode(response, format) {
            Ok(proxy) => panic!("accepted: status {}", proxy.status()),
            Err(invalid) => invalid,
        }
    }

    const ALB: ResponseFormat = ResponseFormat::Alb {
        multi_value_headers: false,
    };

    #[test]
    fn only_final_statuses_are_forwarded() {
        for status in [0, 99, 100, 101, 103, 199, 600, 999] {
            let mut guest = response(&[], &[], b"");
            guest.status = status;
            for format in [ResponseFormat::RestApi, ResponseFormat::HttpApi, ALB] {
                assert!(
                    matches!(refusal(guest.clone(), format), InvalidResponse::Status(s) if s == status),
                    "{status} {format:?}"
                );
            }
        }
        for status in [200, 204, 301, 404, 599] {
            let mut guest = response(&[], &[], b"");
            guest.status = status;
            assert_eq!(
                encoded(guest, ResponseFormat::RestApi)["statusCode"],
                status
            );
        }
    }

    #[test]
    fn tab_is_kept_in_a_header_value() {
        let guest = response(&[("x-list", "a\tb")], &["c=1;\tPath=/"], b"");
        let json = encoded(guest, ResponseFormat::HttpApi);
        assert_eq!(json["headers"]["x-list"], "a\tb");
        assert_eq!(json["cookies"], json!(["c=1;\tPath=/"]));
    }

    #[test]
    fn every_other_control_character_in_a_header_or_cookie_is_refused() {
        for value in [
            "a\rb", "a\nb", "a\0b", "a\u{1b}b", "a\u{7f}b", "a\u{85}b", "a\u{9f}b",
        ] {
            for format in [ResponseFormat::RestApi, ResponseFormat::HttpApi, ALB] {
                let header = response(&[("x-value", value)], &[], b"");
                assert!(
                    matches!(refusal(header, format), InvalidResponse::HeaderValue(name) if name == "x-value"),
                    "{value:?} in a header, {format:?}"
                );
                let cookie = response(&[], &[value], b"");
                assert!(
                    matches!(refusal(cookie, format), InvalidResponse::HeaderValue(_)),
                    "{value:?} in a cookie, {format:?}"
                );
            }
        }
    }

    #[test]
    fn an_alb_response_over_its_one_mb_limit_is_refused_though_api_gateway_takes_it() {
        let body = vec![b'x'; ALB_LIMIT.bytes as usize];
        let invalid = refusal(response(&[], &[], &body), ALB);
        assert!(
            matches!(invalid, InvalidResponse::TooLarge { limit, .. } if limit == ALB_LIMIT),
            "{invalid}"
        );
        let message = invalid.to_string();
        assert!(
            message.contains("for the ALB")
                && message.contains("over the ALB's 1000000 byte limit"),
            "{message}"
        );
        for format in [ResponseFormat::RestApi, ResponseFormat::HttpApi] {
            let json = encoded(response(&[], &[], &body), format);
            assert_eq!(json["statusCode"], 200, "{format:?}");
        }
    }

    #[test]
    fn a_body_sure_to_be_over_the_limit_is_refused_from_its_raw_length() {
        // 4.8 MiB of binary is 6.4 MiB as base64: refused before it is encoded.
        let binary = response(&[], &[], &vec![0xff; 4_800 << 10]);
        let invalid = refusal(binary, ResponseFormat::RestApi);
        assert!(
            matches!(invalid, InvalidResponse::TooLarge { exact: false, limit, .. } if limit == LAMBDA_LIMIT),
            "{invalid:?}"
        );
        assert!(
            invalid
                .to_string()
                .contains("at least 6553600 bytes, over Lambda's 6291456 byte limit"),
            "{invalid}"
        );
    }

    #[test]
    fn a_text_body_that_escaping_takes_over_the_limit_is_counted_exactly() {
        // 4 MiB of quotes is under the limit raw and 8 MiB once JSON escapes each one.
        let quotes = response(&[], &[], &vec![b'"'; 4 << 20]);
        let invalid = refusal(quotes, ResponseFormat::HttpApi);
        assert!(
            matches!(invalid, InvalidResponse::TooLarge { exact: true, size, .. } if size > 8 << 20),
            "{invalid:?}"
        );
    }

    #[test]
    fn headers_and_cookies_over_their_caps_are_refused_naming_the_cap() {
        let names: Vec<String> = (0..=MAX_RESPONSE_HEADERS)
            .map(|i| format!("x-{i}"))
            .collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|name| (name.as_str(), "v")).collect();
        let invalid = refusal(response(&headers, &[], b""), ResponseFormat::RestApi);
        assert_eq!(
            invalid.to_string(),
            "the response has 1001 headers, over the host's cap of 1000"
        );
        let at_cap = response(&headers[1..], &[], b"");
        assert_eq!(encoded(at_cap, ResponseFormat::RestApi)["statusCode"], 200);

        let cookies = vec!["a=1"; MAX_RESPONSE_COOKIES + 1];
        let invalid = refusal(response(&[], &cookies, b""), ResponseFormat::HttpApi);
        assert_eq!(
            invalid.to_string(),
            "the response has 1001 cookies, over the host's cap of 1000"
        );
    }

    #[test]
    fn many_headers_group_by_name_in_any_case_in_first_seen_order() {
        let names: Vec<String> = (0..500)
            .map(|i| format!("x-{i}"))
            .chain((0..500).rev().map(|i| format!("X-{i}")))
            .collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|name| (name.as_str(), "v")).collect();
        let ProxyResponse::RestApi(rest) =
            encode(response(&headers, &[], b""), ResponseFormat::RestApi).unwrap()
        else {
            panic!("not a REST API response")
        };
        assert!(rest.headers.0.is_empty());
        let grouped: Vec<(String, Vec<String>)> = rest.multi_value_headers.0;
        assert_eq!(grouped.len(), 500);
        for (i, (name, values)) in grouped.iter().enumerate() {
            assert_eq!(
                (name.as_str(), values.len()),
                (format!("x-{i}").as_str(), 2)
            );
        }
    }

    #[test]
    fn a_hostile_header_name_reaches_the_log_escaped_and_bounded() {
        let name = format!("x\r\nINFO forged{}", "y".repeat(1 << 20));
        let invalid = refusal(response(&[(&name, "v")], &[], b""), ResponseFormat::RestApi);
        let message = invalid.to_string();
        assert!(message.contains(r"x\r\nINFO forged"), "{message}");
        assert!(!message.contains(['\r', '\n']));
        assert!(
            message.len() < 2 * guest_text::MAX_LOGGED_CHARS,
            "{} bytes",
            message.len()
        );
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
