//! The request a handler reads: headers (any case), query and path parameters, cookies, the body
//! as text or JSON, the front end's context and the Lambda invocation.

use std::cell::OnceCell;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::context::{Context, Invocation};
use crate::error::{Error, Result};

/// One HTTP request as the front end received it.
///
/// Repeated names keep every value in order; the single-value accessors (`header`, `query`,
/// `path_param`) return the last value, as API Gateway's single-value maps do.
///
/// The `with_*` methods build requests for tests: `Request::new("GET", "/users/1")
/// .with_path_param("userId", "1")`.
#[derive(Clone, Debug, Default)]
pub struct Request {
    // Crate-visible so that `bindings` builds a request from the host's in one step.
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) raw_path: String,
    pub(crate) raw_query: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) path_params: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) cookies: Vec<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) context: Context,
    /// Set by `with_invocation`, else asked of the host on first use.
    pub(crate) invocation: OnceCell<Invocation>,
    /// The host's `invocation` interface; `None` in a request a test built.
    pub(crate) host: Option<HostInvocation>,
}

/// The host's `invocation` functions, reached through these pointers only: a request the host
/// sent has them, one a test built has not, so a test binary never imports the interface (which
/// the wasmtime CLI running the tests does not provide).
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostInvocation {
    pub context: fn() -> Invocation,
    pub remaining_time_ms: fn() -> u64,
}

impl Request {
    /// A request with no headers, query or body, for tests: `Request::new("GET", "/users")`.
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            raw_path: path.to_owned(),
            ..Request::default()
        }
    }

    /// Adds a header; the name is lower-cased as the host does.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Adds a query parameter, to `query_pairs` and to the raw query string.
    pub fn with_query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        let mut raw = form_urlencoded::Serializer::new(std::mem::take(&mut self.raw_query));
        raw.append_pair(name, value);
        self.raw_query = raw.finish();
        self
    }

    /// Adds a path parameter, as the front end's route would.
    pub fn with_path_param(mut self, name: &str, value: &str) -> Self {
        self.set_path_param(name, value);
        self
    }

    /// Adds a cookie, `name=value`.
    pub fn with_cookie(mut self, cookie: &str) -> Self {
        self.cookies.push(cookie.to_owned());
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the body to `value` as JSON and `content-type` to `application/json`.
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized (a map whose keys are not strings).
    pub fn with_json(self, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).expect("a test request body serializes to JSON");
        self.with_header("content-type", "application/json")
            .with_body(body)
    }

    /// Sets the front end's context.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Sets the Lambda invocation, which the host provides outside tests.
    pub fn with_invocation(mut self, invocation: Invocation) -> Self {
        self.invocation = OnceCell::from(invocation);
        self.host = None;
        self
    }

    /// The HTTP method, upper case.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as routed: the stage prefix removed, e.g. `/users/42`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as the front end received it, stage prefix included where there was one.
    pub fn raw_path(&self) -> &str {
        &self.raw_path
    }

    /// The query string without the `?`, percent-encoded as on the wire.
    pub fn raw_query(&self) -> &str {
        &self.raw_query
    }

    /// The last value of the header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        last_value(&self.headers, name, true)
    }

    /// Every value of the header `name`, whatever its case, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        values(&self.headers, name, true)
    }

    /// All headers in order, names lower case.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The last value of the query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        last_value(&self.query, name, false)
    }

    /// Every value of the query parameter `name`, in order.
    pub fn query_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        values(&self.query, name, false)
    }

    /// All decoded query parameters in order; a repeated name appears once per value.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The path parameter `name`: `userId` of the route `/users/{userId}`, `proxy` of
    /// `/{proxy+}`. The front end's route and the `Router`'s both set them.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        last_value(&self.path_params, name, false)
    }

    /// All path parameters.
    pub fn path_params(&self) -> &[(String, String)] {
        &self.path_params
    }

    /// The value of the cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().rev().find_map(|cookie| {
            let (key, value) = cookie.split_once('=')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    /// The request cookies, each `name=value`.
    pub fn cookies(&self) -> &[String] {
        &self.cookies
    }

    /// The body bytes (the host has already decoded base64).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as UTF-8 text; a 400 error when it is not.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body)
            .map_err(|_| Error::bad_request("The request body is not valid UTF-8 text."))
    }

    /// The body parsed as JSON into `T` (a `serde_json::Value` or your own `Deserialize` type).
    ///
    /// A body that is empty, not JSON, or not the shape of `T` is a 400 error saying which, e.g.
    /// `The request body is not valid JSON: expected value at line 1 column 1`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::bad_request(
                "The request body is empty: expected JSON.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|err| {
            Error::bad_request(match err.classify() {
                Category::Data => {
                    format!("The request body does not have the expected shape: {err}")
                }
                Category::Io | Category::Syntax | Category::Eof => {
                    format!("The request body is not valid JSON: {err}")
                }
            })
        })
    }

    /// What the front end says about the request: source, ids, stage, route, client.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The Lambda invocation: request id, function name and version, deadline. A request built
    /// with `Request::new` has an empty one unless given one with `with_invocation`.
    pub fn invocation(&self) -> &Invocation {
        self.invocation.get_or_init(|| match self.host {
            Some(host) => (host.context)(),
            None => Invocation::default(),
        })
    }

    /// Milliseconds left before Lambda stops the invocation; 0 once the deadline has passed.
    pub fn remaining_time_ms(&self) -> u64 {
        match self.host {
            Some(host) => (host.remaining_time_ms)(),
            None => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis());
                let now = u64::try_from(now).unwrap_or(u64::MAX);
                self.invocation().deadline_epoch_ms.saturating_sub(now)
            }
        }
    }

    /// Sets a path parameter, replacing one of the same name.
    pub(crate) fn set_path_param(&mut self, name: &str, value: &str) {
        self.path_params.retain(|(key, _)| key != name);
        self.path_params.push((name.to_owned(), value.to_owned()));
    }
}

fn matches(key: &str, name: &str, ignore_case: bool) -> bool {
    if ignore_case {
        key.eq_ignore_ascii_case(name)
    } else {
        key == name
    }
}

fn values<'a>(
    fields: &'a [(String, String)],
    name: &'a str,
    ignore_case: bool,
) -> impl Iterator<Item = &'a str> {
    fields
        .iter()
        .filter(move |(key, _)| matches(key, name, ignore_case))
        .map(|(_, value)| value.as_str())
}

pub(crate) fn last_value<'a>(
    fields: &'a [(String, String)],
    name: &str,
    ignore_case: bool,
) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(key, _)| matches(key, name, ignore_case))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn finds_headers_whatever_their_case() {
        let request = Request::new("GET", "/")
            .with_header("Content-Type", "application/json")
            .with_header("accept", "text/html")
            .with_header("Accept", "application/json");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(request.header("Accept"), Some("application/json"));
        assert_eq!(
            request.header_values("ACCEPT").collect::<Vec<_>>(),
            ["text/html", "application/json"]
        );
        assert_eq!(request.header("day"), None);
    }

    #[test]
    fn query_parameters_keep_every_value_and_answer_the_last() {
        let request = Request::new("GET", "/")
            .with_query("tag", "a b")
            .with_query("tag", "c&d")
            .with_query("page", "2");
        assert_eq!(request.query("tag"), Some("c&d"));
        assert_eq!(
            request.query_values("tag").collect::<Vec<_>>(),
            ["a b", "c&d"]
        );
        assert_eq!(request.query("Tag"), None, "query names are case-sensitive");
        assert_eq!(request.raw_query(), "tag=a+b&tag=c%26d&page=2");
    }

    #[test]
    fn path_parameters_are_looked_up_by_name() {
        let request = Request::new("GET", "/users/42").with_path_param("userId", "42");
        assert_eq!(request.path_param("userId"), Some("42"));
        assert_eq!(request.path_param("id"), None);
        assert_eq!(
            request.path_params(),
            [("userId".to_owned(), "42".to_owned())]
        );
    }

    #[test]
    fn cookies_are_looked_up_by_name() {
        let request = Request::new("GET", "/")
            .with_cookie("session=abc")
            .with_cookie("theme=dark=blue");
        assert_eq!(request.cookie("session"), Some("abc"));
        assert_eq!(request.cookie("theme"), Some("dark=blue"));
        assert_eq!(request.cookie("missing"), None);
    }

    #[test]
    fn parses_a_json_body() {
        let request = Request::new("POST", "/").with_json(&json!({ "name": "Ann" }));
        let body: Value = request.json().unwrap();
        assert_eq!(body["name"], "Ann");
        assert_eq!(request.header("content-type"), Some("application/json"));
    }

    #[test]
    fn a_body_that_is_not_json_is_a_400_that_says_so() {
        let error = Request::new("POST", "/")
            .with_body("name=Ann")
            .json::<Value>()
            .unwrap_err();
        assert_eq!(error.status(), 400);
        assert!(
            error
                .message()
                .starts_with("The request body is not valid JSON: "),
            "{}",
            error.message()
        );
    }

    #[test]
    fn an_empty_body_is_a_400_that_asks_for_json() {
        let error = Request::new("POST", "/").json::<Value>().unwrap_err();
        assert_eq!(error.status(), 400);
        assert_eq!(error.message(), "The request body is empty: expected JSON.");
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_a_400_that_names_the_problem() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct NewUser {
            name: String,
        }
        let error = Request::new("POST", "/")
            .with_body(r#"{"email":"a@b.c"}"#)
            .json::<NewUser>()
            .unwrap_err();
        assert_eq!(error.status(), 400);
        assert!(
            error.message().contains("missing field `name`"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_body_that_is_not_utf8_is_a_400_as_text() {
        let request = Request::new("POST", "/").with_body(vec![0xff, 0xfe]);
        assert_eq!(request.text().unwrap_err().status(), 400);
        assert_eq!(request.body(), [0xff, 0xfe]);
    }

    #[test]
    fn a_given_invocation_is_used_instead_of_the_host() {
        let request = Request::new("GET", "/").with_invocation(Invocation {
            request_id: "id-1".to_owned(),
            function_name: "users".to_owned(),
            function_version: "$LATEST".to_owned(),
            deadline_epoch_ms: u64::MAX,
            ..Invocation::default()
        });
        assert_eq!(request.invocation().function_name, "users");
        assert!(request.remaining_time_ms() > 0);
    }

    #[test]
    fn a_test_request_without_an_invocation_has_an_empty_one() {
        let request = Request::new("GET", "/");
        assert_eq!(request.invocation(), &Invocation::default());
        assert_eq!(request.remaining_time_ms(), 0);
    }
}
