//! The guest's `response` -> the proxy response JSON of the front end that sent the request:
//! [`check`](self::check) it, [`render`](self::render) it in the front end's shape, within the
//! front end's size limit ([`size`](self::size), `crate::quotas`). A streamed response's head
//! goes the same way into its metadata [`prelude`].

mod check;
mod invalid;
mod render;
mod size;
mod wire;

use serde_json::json;

use self::check::Checked;
pub use self::invalid::InvalidResponse;
pub use self::wire::{
    AlbResponse, FunctionUrlPrelude, HttpApiResponse, Ordered, Prelude, ProxyResponse,
    RestApiPrelude, RestApiResponse,
};
use crate::bindings::{Response, Source};
use crate::event::ResponseFormat;
use crate::quotas::{REST_STREAMING_PRELUDE_LIMIT, response_limit};

/// What ends the metadata prelude of a streamed response: eight NUL bytes, then the body.
pub const PRELUDE_DELIMITER: [u8; 8] = [0; 8];

/// Checks the guest's response and shapes it for `format`, the shape `front_end` expects.
///
/// A response sure to be over the front end's size limit is refused before its body is copied
/// or encoded, so a huge body costs the host no more memory than the guest already gave it.
pub fn encode(
    response: Response,
    front_end: Source,
    format: ResponseFormat,
) -> Result<ProxyResponse, InvalidResponse> {
    let limit = response_limit(format);
    let too_large = |size, exact| InvalidResponse::TooLarge {
        front_end,
        size,
        exact,
        limit,
    };
    check::counts(&response)?;
    let lower_bound = size::lower_bound(&response);
    if lower_bound > limit.bytes {
        return Err(too_large(lower_bound, false));
    }
    let proxy = render::render(check::check(response)?, format);
    let size = size::serialized(&proxy);
    if size > limit.bytes {
        return Err(too_large(size, true));
    }
    Ok(proxy)
}

/// Whether `front_end` can take a streamed response: a REST API (an integration in `STREAM`
/// mode) and a Function URL (`RESPONSE_STREAM`) can; an HTTP API and an ALB read the whole
/// proxy response JSON, so they get it buffered whatever the invoke mode.
pub fn streams(front_end: Source) -> bool {
    matches!(front_end, Source::RestApi | Source::FunctionUrl)
}

/// Checks the head of a streamed response for `front_end` (`head`'s body is ignored) and shapes
/// it as the front end's metadata prelude, by the same rules as [`encode`]'s headers. A REST
/// API's prelude over its 16 KB is refused.
pub fn prelude(head: Response, front_end: Source) -> Result<Prelude, InvalidResponse> {
    check::counts(&head)?;
    let head = Response {
        body: Vec::new(),
        ..head
    };
    let prelude = render::prelude(check::check(head)?, front_end);
    if front_end == Source::RestApi {
        let size = size::serialized(&prelude) + PRELUDE_DELIMITER.len() as u64;
        if size > REST_STREAMING_PRELUDE_LIMIT.bytes {
            return Err(InvalidResponse::TooLarge {
                front_end,
                size,
                exact: true,
                limit: REST_STREAMING_PRELUDE_LIMIT,
            });
        }
    }
    Ok(prelude)
}

/// The bytes that open a streamed response: the prelude's JSON and its delimiter.
pub fn prelude_bytes(prelude: &Prelude) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    let mut bytes = serde_json::to_vec(prelude).unwrap_or_default();
    bytes.extend_from_slice(&PRELUDE_DELIMITER);
    bytes
}

/// API Gateway's own error, `{"message": "..."}` as JSON: the shape of every error the host or
/// the local gateway answers itself.
pub fn message(status: u16, text: &str) -> Response {
    Response {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        cookies: Vec::new(),
        body: json!({ "message": text }).to_string().into_bytes(),
    }
}

/// [`message`] as the proxy response of `format`.
pub fn error(format: ResponseFormat, status: u16, text: &str) -> ProxyResponse {
    let Response {
        status,
        headers,
        cookies,
        body,
    } = message(status, text);
    let checked = Checked {
        status,
        headers: headers
            .into_iter()
            .map(|(name, value)| (name, vec![value]))
            .collect(),
        cookies,
        body,
    };
    render::render(checked, format)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::guest_text;
    use crate::quotas::{ALB_LIMIT, LAMBDA_LIMIT, MAX_RESPONSE_COOKIES, MAX_RESPONSE_HEADERS};

    /// The front end that answers in `format` (for HTTP API's shape, an HTTP API).
    fn front_end(format: ResponseFormat) -> Source {
        match format {
            ResponseFormat::RestApi => Source::RestApi,
            ResponseFormat::HttpApi => Source::HttpApi,
            ResponseFormat::Alb { .. } => Source::Alb,
        }
    }

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
        serde_json::to_value(encode(response, front_end(format), format).unwrap()).unwrap()
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
            encode(
                bad_status,
                front_end(ResponseFormat::RestApi),
                ResponseFormat::RestApi
            ),
            Err(InvalidResponse::Status(600))
        ));
        let crlf = response(&[("x-injected", "a\r\nSet-Cookie: evil=1")], &[], b"");
        assert!(matches!(
            encode(
                crlf,
                front_end(ResponseFormat::RestApi),
                ResponseFormat::RestApi
            ),
            Err(InvalidResponse::HeaderValue(_))
        ));
        let bad_name = response(&[("bad name", "x")], &[], b"");
        assert!(matches!(
            encode(
                bad_name,
                front_end(ResponseFormat::HttpApi),
                ResponseFormat::HttpApi
            ),
            Err(InvalidResponse::HeaderName(_))
        ));
        let huge = response(&[], &[], &vec![0xff; 5 << 20]);
        assert!(
            matches!(
                encode(
                    huge,
                    front_end(ResponseFormat::HttpApi),
                    ResponseFormat::HttpApi
                ),
                Err(InvalidResponse::TooLarge { .. })
            ),
            "5 MiB of binary is over 6 MB as base64"
        );
        let bad_cookie = response(&[], &["a=1\nb=2"], b"");
        assert!(matches!(
            encode(
                bad_cookie,
                front_end(ResponseFormat::HttpApi),
                ResponseFormat::HttpApi
            ),
            Err(InvalidResponse::HeaderValue(_))
        ));
    }

    fn refusal(response: Response, format: ResponseFormat) -> InvalidResponse {
        match encode(response, front_end(format), format) {
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
        let ProxyResponse::RestApi(rest) = encode(
            response(&headers, &[], b""),
            front_end(ResponseFormat::RestApi),
            ResponseFormat::RestApi,
        )
        .unwrap() else {
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
    fn a_streamed_head_is_the_front_ends_prelude_json_then_eight_nuls() {
        let head = || {
            response(
                &[("content-type", "text/plain"), ("vary", "a"), ("Vary", "b")],
                &["a=1; Path=/"],
                b"the body is not in the prelude",
            )
        };
        let url = prelude(head(), Source::FunctionUrl).unwrap();
        assert_eq!(url.status(), 200);
        assert_eq!(
            prelude_bytes(&url),
            [
                br#"{"statusCode":200,"headers":{"content-type":"text/plain","vary":"a, b"},"cookies":["a=1; Path=/"]}"#.as_slice(),
                &[0; 8],
            ]
            .concat()
        );
        let rest = prelude(head(), Source::RestApi).unwrap();
        assert_eq!(
            prelude_bytes(&rest),
            [
                br#"{"statusCode":200,"headers":{"content-type":"text/plain"},"multiValueHeaders":{"vary":["a","b"],"Set-Cookie":["a=1; Path=/"]}}"#.as_slice(),
                &[0; 8],
            ]
            .concat()
        );
    }

    #[test]
    fn only_rest_apis_and_function_urls_stream() {
        assert!(streams(Source::RestApi) && streams(Source::FunctionUrl));
        assert!(!streams(Source::HttpApi) && !streams(Source::Alb));
    }

    #[test]
    fn a_streamed_head_is_checked_as_a_whole_response_is() {
        let mut bad_status = response(&[], &[], b"");
        bad_status.status = 103;
        assert!(matches!(
            prelude(bad_status, Source::FunctionUrl),
            Err(InvalidResponse::Status(103))
        ));
        let crlf = response(&[("x", "a\r\nb")], &[], b"");
        assert!(matches!(
            prelude(crlf, Source::RestApi),
            Err(InvalidResponse::HeaderValue(_))
        ));
    }

    #[test]
    fn a_rest_api_prelude_past_its_16_kb_is_refused_and_a_function_urls_is_not() {
        // Two headers of 8 KB: 16 KB of values, over once the JSON and the NULs are counted.
        let value = "v".repeat(8 << 10);
        let big = || response(&[("x-a", &value), ("x-b", &value)], &[], b"");
        let invalid = prelude(big(), Source::RestApi).unwrap_err();
        assert!(
            matches!(invalid, InvalidResponse::TooLarge { limit, .. } if limit == REST_STREAMING_PRELUDE_LIMIT),
            "{invalid}"
        );
        assert!(prelude(big(), Source::FunctionUrl).is_ok());
        let fits = "v".repeat(16_000);
        assert!(prelude(response(&[("x-a", &fits)], &[], b""), Source::RestApi).is_ok());
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
