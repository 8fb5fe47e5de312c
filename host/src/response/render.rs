//! A checked response in the shape of the front end that asked: REST API, HTTP API (and
//! Function URL) or ALB, the body base64-encoded when it is not UTF-8; or, streamed, its head in
//! the metadata prelude of a REST API or a Function URL.

use base64::Engine as _;
use http::StatusCode;

use super::check::Checked;
use super::wire::{
    AlbResponse, FunctionUrlPrelude, HttpApiResponse, Ordered, Prelude, ProxyResponse,
    RestApiPrelude, RestApiResponse,
};
use crate::bindings::Source;
use crate::event::ResponseFormat;

pub(super) fn render(response: Checked, format: ResponseFormat) -> ProxyResponse {
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
            let (headers, multi_value_headers) = rest_api_headers(headers, cookies);
            ProxyResponse::RestApi(RestApiResponse {
                status_code: status,
                headers,
                multi_value_headers,
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

/// The head of `response` (whose body is left out) as the metadata prelude of `front_end`: a
/// REST API's headers as in its buffered response, a Function URL's as an HTTP API's.
pub(super) fn prelude(response: Checked, front_end: Source) -> Prelude {
    let Checked {
        status,
        headers,
        cookies,
        ..
    } = response;
    if front_end == Source::RestApi {
        let (headers, multi_value_headers) = rest_api_headers(headers, cookies);
        return Prelude::RestApi(RestApiPrelude {
            status_code: status,
            headers,
            multi_value_headers,
        });
    }
    Prelude::FunctionUrl(FunctionUrlPrelude {
        status_code: status,
        headers: Ordered(join_repeated(headers)),
        cookies,
    })
}

/// A REST API's `headers` (names with one value) and `multiValueHeaders` (names that repeat,
/// and every cookie as `Set-Cookie`): no name in both, or API Gateway would send it twice.
fn rest_api_headers(
    headers: Vec<(String, Vec<String>)>,
    cookies: Vec<String>,
) -> (Ordered<String>, Ordered<Vec<String>>) {
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
    (Ordered(single), Ordered(multi))
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
