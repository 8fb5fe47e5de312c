//! The proxy response JSON as each front end reads it, and the metadata prelude of a streamed
//! response, serialised with their keys in order.

use serde::{Serialize, Serializer};

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

/// The head of a streamed response, as the front end reads it from the start of the stream (the
/// `application/vnd.awslambda.http-integration-response` content type): this JSON, then eight
/// NUL bytes, then the body as it is, never base64.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Prelude {
    /// For a REST API integration in `STREAM` mode.
    RestApi(RestApiPrelude),
    /// For a Function URL in `RESPONSE_STREAM` mode.
    FunctionUrl(FunctionUrlPrelude),
}

impl Prelude {
    /// The HTTP status the client will see.
    pub fn status(&self) -> u16 {
        match self {
            Self::RestApi(prelude) => prelude.status_code,
            Self::FunctionUrl(prelude) => prelude.status_code,
        }
    }
}

/// A REST API's metadata: its response's `headers` and `multiValueHeaders`, as in its buffered
/// response ("Set up a Lambda proxy integration with payload response streaming in API Gateway").
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiPrelude {
    /// The HTTP status.
    pub status_code: u16,
    /// Headers by name, in order.
    pub headers: Ordered<String>,
    /// Headers that repeat, and every `Set-Cookie`.
    pub multi_value_headers: Ordered<Vec<String>>,
}

/// A Function URL's metadata: what `lambda_runtime`'s `MetadataPrelude` and Node.js's
/// `awslambda.HttpResponseStream.from` send: comma-joined `headers` and the `cookies`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionUrlPrelude {
    /// The HTTP status.
    pub status_code: u16,
    /// Headers by name, in order.
    pub headers: Ordered<String>,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
}

/// A JSON object that keeps its keys in the order given.
#[derive(Debug, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}
