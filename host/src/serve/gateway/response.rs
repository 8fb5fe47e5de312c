//! The way out: the function's proxy response, or API Gateway's own error, becomes the HTTP
//! response the client gets.

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;

use crate::response::{self, ProxyResponse};
use crate::serve::api_kind::GatewayError;

/// The HTTP response API Gateway sends for a proxy response.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers in order, repeated names repeated.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: Vec<u8>,
}

/// Turns the proxy response into HTTP as API Gateway does: base64 bodies decoded when
/// `decode_base64` (else sent as the base64 text, as a REST API does for a request whose
/// `Accept` is not a binary media type), `multiValueHeaders` and `cookies` sent as repeated
/// headers. API Gateway sets the framing headers itself, so the handler's are dropped.
pub fn http_response(
    response: ProxyResponse,
    decode_base64: bool,
) -> Result<HttpResponse, base64::DecodeError> {
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
    let body = if is_base64_encoded && decode_base64 {
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

/// API Gateway's own JSON error, e.g. 403 `{"message":"Missing Authentication Token"}`.
pub fn gateway_error(error: GatewayError) -> HttpResponse {
    let message = response::message(error.status, error.message);
    HttpResponse {
        status: message.status,
        headers: message.headers,
        body: message.body,
    }
}

/// API Gateway's 400 for a request its validator refuses (`BAD_REQUEST_PARAMETERS`,
/// `BAD_REQUEST_BODY`), with the error type header it sends with them.
pub fn bad_request(message: &str) -> HttpResponse {
    let answer = response::message(400, message);
    let mut headers = answer.headers;
    headers.push((
        "x-amzn-errortype".to_owned(),
        "BadRequestException".to_owned(),
    ));
    HttpResponse {
        status: answer.status,
        headers,
        body: answer.body,
    }
}

impl HttpResponse {
    /// Replaces the function's CORS headers by the API's, as an HTTP API with CORS does.
    pub fn set_cors_headers(&mut self, cors: Vec<(String, String)>) {
        self.headers.retain(|(name, _)| {
            !name
                .get(..15)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("access-control-"))
        });
        self.headers.extend(cors);
    }

    /// The hyper response, with API Gateway's request id header.
    pub fn into_hyper(self, request_id: &str) -> hyper::Response<Full<Bytes>> {
        let mut builder = hyper::Response::builder()
            .status(self.status)
            .header("x-amzn-requestid", request_id);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::from(self.body)))
            .unwrap_or_else(|err| {
                tracing::error!("building the HTTP response failed: {err}");
                let fallback = response::message(502, "Internal server error");
                let mut response = hyper::Response::new(Full::new(Bytes::from(fallback.body)));
                *response.status_mut() = http::StatusCode::BAD_GATEWAY;
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                response
            })
    }
}
