//! A handler that dispatches by method and route pattern: the handlers, the 404, 405 and
//! fallback answers, error responses and default headers. Which route answers is
//! `lambda-wasm-routes`' choice, the one `bootstrap serve` makes too.

use lambda_wasm_routes::encoding::unescape_param;
use lambda_wasm_routes::{Lookup, Method, Pattern, Routes};

use crate::response::cors_headers;
use crate::{Error, Handler, Request, Response, Result};

type BoxedHandler = Box<dyn Fn(&Request) -> Result<Response>>;
type ErrorResponder = Box<dyn Fn(&Error) -> Response>;

/// Handlers by method and route pattern, with API Gateway's rules: `/users/{userId}` takes one
/// segment, a greedy `/{proxy+}` the rest of the path, the most specific pattern wins, then a
/// route for the request's method over `ANY`. Empty segments of the path do not count:
/// `/users//7/` is `/users/7`.
///
/// A path no route matches is a 404, a path matched for other methods only a 405 with `allow`;
/// a handler's `Err` is answered by [`Router::on_error`] (by default its status and
/// `{"message": ..}`), and 5xx errors go to the host's log.
///
/// ```
/// use lambda_wasm_sdk::{Request, Response, Result, Router};
/// use serde_json::json;
///
/// fn get_user(request: &Request) -> Result<Response> {
///     let id = request.path_param("userId").unwrap_or_default();
///     Ok(Response::json(200, &json!({ "id": id })))
/// }
///
/// let router = Router::new().get("/users/{userId}", get_user).with_cors("*");
/// let response = router.handle(Request::new("GET", "/users/7"));
/// assert_eq!(response.body_json(), json!({ "id": "7" }));
/// assert_eq!(router.handle(Request::new("DELETE", "/users/7")).status(), 405);
/// ```
#[derive(Default)]
pub struct Router {
    /// The fallback, when there is one, is the table's `$default` route.
    routes: Routes<BoxedHandler>,
    on_error: Option<ErrorResponder>,
    headers: Vec<(String, String)>,
}

impl Router {
    /// A router with no routes: everything is a 404.
    pub fn new() -> Self {
        Router::default()
    }

    /// Routes `method` (`GET`, ..., or `ANY`) on `pattern` to `handler`.
    ///
    /// # Panics
    ///
    /// When `pattern` is not a route pattern API Gateway accepts (`/users/{userId}`,
    /// `/files/{path+}`); the message says what is wrong with it.
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        let pattern = Pattern::parse(pattern).unwrap_or_else(|problem| panic!("{problem}"));
        self.routes
            .add(Method::new(method), pattern, Box::new(handler));
        self
    }

    /// Routes `GET` on `pattern`.
    pub fn get(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("GET", pattern, handler)
    }

    /// Routes `POST` on `pattern`.
    pub fn post(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("POST", pattern, handler)
    }

    /// Routes `PUT` on `pattern`.
    pub fn put(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("PUT", pattern, handler)
    }

    /// Routes `PATCH` on `pattern`.
    pub fn patch(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("PATCH", pattern, handler)
    }

    /// Routes `DELETE` on `pattern`.
    pub fn delete(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("DELETE", pattern, handler)
    }

    /// Routes every method on `pattern`; a route for the request's own method wins over it.
    pub fn any(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("ANY", pattern, handler)
    }

    /// Answers what no route matches (instead of the 404 and 405).
    pub fn fallback(mut self, handler: impl Fn(&Request) -> Result<Response> + 'static) -> Self {
        self.routes.set_default(Box::new(handler));
        self
    }

    /// Makes the response for an error: a handler's `Err`, the 404 and the 405.
    pub fn on_error(mut self, respond: impl Fn(&Error) -> Response + 'static) -> Self {
        self.on_error = Some(Box::new(respond));
        self
    }

    /// Adds `name: value` to every response that does not set that header itself, errors included.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds the headers of [`Response::with_cors`] to every response that does not set them.
    pub fn with_cors(self, origin: &str) -> Self {
        cors_headers(origin).fold(self, |router, (name, value)| {
            router.with_header(name, value)
        })
    }

    /// Answers `request`: the matching route's handler, else the fallback, else 404 or 405.
    pub fn handle(&self, mut request: Request) -> Response {
        let response = match self.routes.find(request.method(), request.path()) {
            Lookup::Found { value, params } => {
                // The path keeps a `/` or `%` that is data as `%2F`, `%25` (see `path` in the
                // WIT), so the route matched on API Gateway's segments; values are decoded.
                for (name, value) in &params {
                    request.set_path_param(name, &unescape_param(value));
                }
                self.respond(value, &request)
            }
            Lookup::MethodNotAllowed { allowed } => self
                .error_response(&Error::new(405, "Method Not Allowed"))
                .with_header("allow", &allowed.join(", ")),
            Lookup::NotFound => self.error_response(&Error::not_found("Not Found")),
        };
        self.headers
            .iter()
            .fold(response, |response, (name, value)| {
                response.with_default_header(name, value)
            })
    }

    fn respond(&self, handler: &BoxedHandler, request: &Request) -> Response {
        handler(request).unwrap_or_else(|error| {
            error.log();
            self.error_response(&error)
        })
    }

    fn error_response(&self, error: &Error) -> Response {
        match &self.on_error {
            Some(respond) => respond(error),
            None => error.to_response(),
        }
    }
}

impl Handler for Router {
    fn respond(&self, request: Request) -> Response {
        self.handle(request)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn named(name: &'static str) -> impl Fn(&Request) -> Result<Response> {
        move |request| {
            Ok(Response::json(
                200,
                &json!({ "route": name, "params": request.path_params() }),
            ))
        }
    }

    fn router() -> Router {
        Router::new()
            .get("/users", named("list"))
            .post("/users", named("create"))
            .get("/users/{userId}", named("get"))
            .get("/users/me", named("me"))
            .any("/{proxy+}", named("proxy"))
    }

    fn route_of(router: &Router, method: &str, path: &str) -> serde_json::Value {
        router.handle(Request::new(method, path)).body_json()["route"].clone()
    }

    #[test]
    fn routes_by_method_and_path() {
        let router = router();
        assert_eq!(route_of(&router, "GET", "/users"), "list");
        assert_eq!(route_of(&router, "POST", "/users"), "create");
        assert_eq!(route_of(&router, "GET", "/users/42"), "get");
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let router = router();
        assert_eq!(route_of(&router, "GET", "/users/me"), "me");
        assert_eq!(route_of(&router, "GET", "/users/42/posts"), "proxy");
        assert_eq!(route_of(&router, "DELETE", "/users/42"), "proxy");
    }

    #[test]
    fn sets_the_path_parameters_of_the_route() {
        let response = router().handle(Request::new("GET", "/users/42"));
        assert_eq!(response.body_json()["params"], json!([["userId", "42"]]));
        let response = router().handle(Request::new("PUT", "/a/b/c"));
        assert_eq!(response.body_json()["params"], json!([["proxy", "a/b/c"]]));
    }

    #[test]
    fn an_encoded_slash_in_the_path_stays_inside_its_parameter() {
        let router = router();
        let response = router.handle(Request::new("GET", "/users/a%2Fb 100%25"));
        assert_eq!(
            response.body_json(),
            json!({ "route": "get", "params": [["userId", "a/b 100%"]] })
        );
        let response = router.handle(Request::new("GET", "/files/a%2Fb/c"));
        assert_eq!(
            response.body_json()["params"],
            json!([["proxy", "files/a/b/c"]])
        );
    }

    // The router matches as `bootstrap serve` does: both are `lambda-wasm-routes`.
    #[test]
    fn empty_segments_and_trailing_slashes_do_not_count() {
        let router = router();
        let response = router.handle(Request::new("GET", "/users//42//"));
        assert_eq!(
            response.body_json(),
            json!({ "route": "get", "params": [["userId", "42"]] })
        );
        assert_eq!(route_of(&router, "GET", "/users/"), "list");
    }

    #[test]
    fn a_method_route_wins_over_any() {
        let router = Router::new()
            .any("/users", named("any"))
            .get("/users", named("get"));
        assert_eq!(route_of(&router, "GET", "/users"), "get");
        assert_eq!(route_of(&router, "POST", "/users"), "any");
    }

    #[test]
    fn an_unknown_path_is_a_404() {
        let response = Router::new()
            .get("/users", named("list"))
            .handle(Request::new("GET", "/orders"));
        assert_eq!(response.status(), 404);
        assert_eq!(response.body_json(), json!({ "message": "Not Found" }));
    }

    #[test]
    fn a_known_path_with_another_method_is_a_405_saying_what_is_allowed() {
        let router = Router::new()
            .post("/users", named("create"))
            .get("/users", named("list"));
        let response = router.handle(Request::new("DELETE", "/users"));
        assert_eq!(response.status(), 405);
        assert_eq!(response.header("allow"), Some("GET, POST"));
        assert_eq!(
            response.body_json(),
            json!({ "message": "Method Not Allowed" })
        );
    }

    #[test]
    fn the_fallback_answers_what_no_route_matches() {
        let router = Router::new()
            .get("/users", named("list"))
            .fallback(|_| Err(Error::not_found("Route not found")));
        for (method, path) in [("GET", "/orders"), ("DELETE", "/users")] {
            let response = router.handle(Request::new(method, path));
            assert_eq!(response.status(), 404);
            assert_eq!(
                response.body_json(),
                json!({ "message": "Route not found" })
            );
        }
    }

    #[test]
    fn errors_become_responses_through_on_error() {
        let router = Router::new()
            .get("/fails", |_| Err(Error::internal("disk on fire")))
            .on_error(|error| Response::json(error.status(), &json!({ "error": error.message() })));
        let response = router.handle(Request::new("GET", "/fails"));
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.body_json(),
            json!({ "error": "Internal Server Error" })
        );
        let response = router.handle(Request::new("GET", "/missing"));
        assert_eq!(response.body_json(), json!({ "error": "Not Found" }));
    }

    #[test]
    fn default_headers_go_on_every_response() {
        let router = Router::new()
            .get("/users", |_| {
                Ok(Response::text(200, "ok").with_header("x-api", "own"))
            })
            .with_cors("*")
            .with_header("x-api", "default");
        for path in ["/users", "/missing"] {
            let response = router.handle(Request::new("GET", path));
            assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        }
        let ok = router.handle(Request::new("GET", "/users"));
        assert_eq!(ok.header("x-api"), Some("own"));
        assert_eq!(ok.headers().len(), 3);
    }

    #[test]
    fn cors_for_a_named_origin_varies_on_the_origin_and_for_any_does_not() {
        let handler = |_: &Request| Ok(Response::text(200, "ok"));
        let any = Router::new().get("/", handler).with_cors("*");
        let response = any.handle(Request::new("GET", "/"));
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        assert_eq!(response.header("vary"), None);
        let one = Router::new()
            .get("/", handler)
            .with_cors("https://example.com");
        for path in ["/", "/missing"] {
            let response = one.handle(Request::new("GET", path));
            assert_eq!(
                response.header("access-control-allow-origin"),
                Some("https://example.com")
            );
            assert_eq!(response.header("vary"), Some("origin"));
        }
    }
}
