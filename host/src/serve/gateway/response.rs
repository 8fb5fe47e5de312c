//! The way out: the function's proxy response, its streamed response, or API Gateway's own
//! error, becomes the HTTP response the client gets.

use base64::Engine as _;
use http_body_util::{Either, Full};
use hyper::body::Bytes;

use crate::pipeline::{StreamedBody, StreamedResponse};
use crate::response::{self, Prelude, ProxyResponse};
use crate::serve::api_kind::GatewayError;

/// The body of a response the local API sends: whole, or streamed as the function writes it (a
/// stream that ends early closes the connection before the body's end, which an HTTP client
/// reports as an incomplete body).
pub type ServeBody = Either<Full<Bytes>, StreamedBody>;

/// The HTTP response API Gateway sends for a proxy response.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers in order, repeated names repeated.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: HttpBody,
}

/// A response's body: whole, or still being written.
pub enum HttpBody {
    /// The whole body.
    Whole(Vec<u8>),
    /// The body as the function writes it.
    Streamed(StreamedBody),
}

impl std::fmt::Debug for HttpBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Whole(body) => f.debug_tuple("Whole").field(&body.len()).finish(),
            Self::Streamed(_) => f.write_str("Streamed"),
        }
    }
}

/// Turns the proxy response into HTTP as API Gateway does: base64 bodies decoded when
/// `decode_base64` (else sent as the base64 text, as a REST API does for a request whose
/// `Accept` is not a binary media type), `multiValueHeaders` and `cookies` sent as repeated
/// headers. API Gateway sets the framing headers itself, so the handler's are dropped.
pub fn http_response(
    response: ProxyResponse,
    decode_base64: bool,
) -> Result<HttpResponse, base64::DecodeError> {
    let (status, headers, body, is_base64_encoded) = match response {
        ProxyResponse::RestApi(rest) => (
            rest.status_code,
            http_headers(rest.headers.0, rest.multi_value_headers.0, Vec::new()),
            rest.body,
            rest.is_base64_encoded,
        ),
        ProxyResponse::HttpApi(http) => (
            http.status_code,
            http_headers(http.headers.0, Vec::new(), http.cookies),
            http.body,
            http.is_base64_encoded,
        ),
        ProxyResponse::Alb(alb) => (
            alb.status_code,
            http_headers(
                alb.headers.map(|headers| headers.0).unwrap_or_default(),
                alb.multi_value_headers
                    .map(|headers| headers.0)
                    .unwrap_or_default(),
                Vec::new(),
            ),
            alb.body,
            alb.is_base64_encoded,
        ),
    };
    let body = if is_base64_encoded && decode_base64 {
        base64::engine::general_purpose::STANDARD.decode(body)?
    } else {
        body.into_bytes()
    };
    Ok(HttpResponse {
        status,
        headers,
        body: HttpBody::Whole(body),
    })
}

/// Turns a streamed response into HTTP as API Gateway does: the prelude's headers as a proxy
/// response's, the body's parts sent as they come (never base64).
pub fn streamed_response(streamed: StreamedResponse) -> HttpResponse {
    let (status, headers) = match streamed.prelude {
        Prelude::RestApi(rest) => (
            rest.status_code,
            http_headers(rest.headers.0, rest.multi_value_headers.0, Vec::new()),
        ),
        Prelude::FunctionUrl(url) => (
            url.status_code,
            http_headers(url.headers.0, Vec::new(), url.cookies),
        ),
    };
    HttpResponse {
        status,
        headers,
        body: HttpBody::Streamed(streamed.body),
    }
}

/// A proxy response's headers as HTTP sends them: single values, then each value of a
/// multi-value header, then a `set-cookie` per cookie. API Gateway sets the framing headers
/// itself, so the handler's are dropped.
fn http_headers(
    single: Vec<(String, String)>,
    multi: Vec<(String, Vec<String>)>,
    cookies: Vec<String>,
) -> Vec<(String, String)> {
    let mut headers = single;
    for (name, values) in multi {
        headers.extend(values.into_iter().map(|value| (name.clone(), value)));
    }
    headers.extend(
        cookies
            .into_iter()
            .map(|cookie| ("set-cookie".to_owned(), cookie)),
    );
    headers.retain(|(name, _)| {
        !["content-length", "transfer-encoding", "connection"]
            .iter()
            .any(|framing| name.eq_ignore_ascii_case(framing))
    });
    headers
}

/// API Gateway's own JSON error, e.g. 403 `{"message":"Missing Authentication Token"}`.
pub fn gateway_error(error: GatewayError) -> HttpResponse {
    let message = response::message(error.status, error.message);
    HttpResponse {
        status: message.status,
        headers: message.headers,
        body: HttpBody::Whole(message.body),
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
        body: HttpBody::Whole(answer.body),
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
    pub fn into_hyper(self, request_id: &str) -> hyper::Response<ServeBody> {
        let mut builder = hyper::Response::builder()
            .status(self.status)
            .header("x-amzn-requestid", request_id);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let body = match self.body {
            HttpBody::Whole(body) => Either::Left(Full::new(Bytes::from(body))),
            HttpBody::Streamed(body) => Either::Right(body),
        };
        builder.body(body).unwrap_or_else(|err| {
            tracing::error!("building the HTTP response failed: {err}");
            let fallback = response::message(502, "Internal server error");
            let mut response =
                hyper::Response::new(Either::Left(Full::new(Bytes::from(fallback.body))));
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            response
        })
    }
}
