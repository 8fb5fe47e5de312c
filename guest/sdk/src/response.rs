//! Response builders: JSON with a status, text, bytes; headers, cookies and CORS on top.

use std::fmt;

use serde::Serialize;

/// The handler's answer: a status, headers in order, `Set-Cookie` values and a body.
///
/// ```
/// use lambda_wasm_sdk::{Cookie, Response};
/// use serde_json::json;
///
/// let response = Response::json(201, &json!({ "id": 3 }))
///     .with_header("location", "/users/3")
///     .with_cookie(Cookie::new("seen", "1").path("/").http_only())
///     .with_cors("*");
/// assert_eq!(response.header("Location"), Some("/users/3"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) cookies: Vec<String>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A response with `status`, no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `body` as JSON, `content-type: application/json`.
    ///
    /// A body that cannot be serialized (a map whose keys are not strings) is a bug in the
    /// handler: the response is then a 500 and the error goes to the log.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(body) => Response::bytes(status, "application/json", body),
            Err(err) => {
                let error = crate::Error::from(err);
                error.log();
                error.to_response()
            }
        }
    }

    /// `body` as `text/plain; charset=utf-8`.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::bytes(status, "text/plain; charset=utf-8", body.into())
    }

    /// `body` as it is, with its `content_type`. The host base64-encodes it for the front end
    /// when it is not UTF-8.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            body: body.into(),
            ..Response::new(status)
        }
        .with_header("content-type", content_type)
    }

    /// The head of a stream of server-sent events ([`crate::sse`]): 200,
    /// `content-type: text/event-stream`, and `cache-control: no-cache`, so that no cache in
    /// between holds the events back.
    pub fn event_stream() -> Self {
        Response::new(200)
            .with_header("content-type", "text/event-stream")
            .with_header("cache-control", "no-cache")
    }

    /// Adds a header; adding a name twice sends it twice.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a cookie: a [`Cookie`] or a whole `Set-Cookie` value, `id=1; Path=/; HttpOnly`.
    pub fn with_cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookies.push(cookie.into());
        self
    }

    /// Lets browsers on `origin` (or `*`, any origin) read the response:
    /// `access-control-allow-origin`, and `vary: origin` when the answer depends on it.
    pub fn with_cors(self, origin: &str) -> Self {
        cors_headers(origin).fold(self, |response, (name, value)| {
            response.with_header(name, value)
        })
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The last value of the header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::request::last_value(&self.headers, name, true)
    }

    /// All headers in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The `Set-Cookie` values.
    pub fn cookies(&self) -> &[String] {
        &self.cookies
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text, if it is UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body parsed as JSON, for tests; `Value::Null` when it is not JSON.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// Adds `name: value` unless the response already has a header of that name.
    pub(crate) fn with_default_header(self, name: &str, value: &str) -> Self {
        if self.header(name).is_some() {
            self
        } else {
            self.with_header(name, value)
        }
    }
}

/// The headers that let browsers on `origin` (or `*`) read a response: the allowed origin, and
/// `vary: origin` unless any origin gets the same answer, so that caches keep one per origin.
pub(crate) fn cors_headers(origin: &str) -> impl Iterator<Item = (&'static str, &str)> {
    let vary = (origin != "*").then_some(("vary", "origin"));
    [("access-control-allow-origin", origin)]
        .into_iter()
        .chain(vary)
}

/// A `Set-Cookie` value: `Cookie::new("id", "1").path("/").max_age(3600).http_only()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    attributes: Vec<String>,
}

impl Cookie {
    /// `name=value`, no attributes.
    pub fn new(name: &str, value: &str) -> Self {
        Cookie {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes: Vec::new(),
        }
    }

    fn attribute(mut self, attribute: String) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// `Path=path`.
    pub fn path(self, path: &str) -> Self {
        self.attribute(format!("Path={path}"))
    }

    /// `Domain=domain`.
    pub fn domain(self, domain: &str) -> Self {
        self.attribute(format!("Domain={domain}"))
    }

    /// `Max-Age=seconds`; 0 deletes the cookie.
    pub fn max_age(self, seconds: u64) -> Self {
        self.attribute(format!("Max-Age={seconds}"))
    }

    /// `SameSite=Strict|Lax|None`.
    pub fn same_site(self, policy: &str) -> Self {
        self.attribute(format!("SameSite={policy}"))
    }

    /// `HttpOnly`: scripts cannot read it.
    pub fn http_only(self) -> Self {
        self.attribute("HttpOnly".to_owned())
    }

    /// `Secure`: sent over HTTPS only.
    pub fn secure(self) -> Self {
        self.attribute("Secure".to_owned())
    }
}

impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        for attribute in &self.attributes {
            write!(f, "; {attribute}")?;
        }
        Ok(())
    }
}

impl From<Cookie> for String {
    fn from(cookie: Cookie) -> Self {
        cookie.to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_sets_the_status_body_and_content_type() {
        let response = Response::json(201, &json!({ "id": 3 }));
        assert_eq!(response.status(), 201);
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(response.body_text(), Some(r#"{"id":3}"#));
        assert_eq!(response.body_json(), json!({ "id": 3 }));
    }

    #[test]
    fn json_that_cannot_be_serialized_is_a_500() {
        let body = std::collections::HashMap::from([((1, 2), "tuple keys")]);
        let response = Response::json(200, &body);
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.body_json(),
            json!({ "message": "Internal Server Error" })
        );
    }

    #[test]
    fn text_and_bytes_carry_their_content_type() {
        let text = Response::text(200, "hi");
        assert_eq!(
            text.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(text.body(), b"hi");
        let bytes = Response::bytes(200, "image/png", vec![0x89, b'P']);
        assert_eq!(bytes.header("content-type"), Some("image/png"));
        assert_eq!(bytes.body(), [0x89, b'P']);
        assert_eq!(bytes.body_text(), None);
    }

    #[test]
    fn headers_repeat_and_are_found_whatever_their_case() {
        let response = Response::new(204)
            .with_header("X-Trace", "a")
            .with_header("x-trace", "b");
        assert_eq!(response.header("x-TRACE"), Some("b"));
        assert_eq!(response.headers().len(), 2);
        assert!(response.body().is_empty());
    }

    #[test]
    fn cookies_are_built_with_their_attributes() {
        let response = Response::new(200)
            .with_cookie(
                Cookie::new("id", "1")
                    .path("/")
                    .domain("example.com")
                    .max_age(60)
                    .same_site("Lax")
                    .http_only()
                    .secure(),
            )
            .with_cookie("plain=yes");
        assert_eq!(
            response.cookies(),
            [
                "id=1; Path=/; Domain=example.com; Max-Age=60; SameSite=Lax; HttpOnly; Secure",
                "plain=yes"
            ]
        );
    }

    #[test]
    fn cors_allows_the_origin_and_varies_on_it_unless_any() {
        let any = Response::new(200).with_cors("*");
        assert_eq!(any.header("access-control-allow-origin"), Some("*"));
        assert_eq!(any.header("vary"), None);
        let one = Response::new(200).with_cors("https://example.com");
        assert_eq!(
            one.header("access-control-allow-origin"),
            Some("https://example.com")
        );
        assert_eq!(one.header("vary"), Some("origin"));
    }

    #[test]
    fn default_headers_do_not_override_the_handlers_own() {
        let response = Response::text(200, "x")
            .with_default_header("Content-Type", "application/json")
            .with_default_header("x-api", "1");
        assert_eq!(
            response.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(response.header("x-api"), Some("1"));
    }
}
