//! A route table: which of its routes answers a request, by API Gateway's rules, or why none
//! does.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::pattern::{Params, Pattern, segments};

/// The route key of an HTTP API's catch-all route, which answers what no other route matches.
pub const DEFAULT_ROUTE: &str = "$default";

/// The method a route answers: every method (`ANY`), or one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// `ANY`: every method the API has no route of its own for.
    Any,
    /// One method, upper case: `GET`.
    Only(String),
}

impl Method {
    /// `ANY` (or OpenAPI's `x-amazon-apigateway-any-method`), in any case, is [`Method::Any`];
    /// any other name is that method, upper-cased.
    pub fn new(name: &str) -> Method {
        let name = name.to_ascii_uppercase();
        match name.as_str() {
            "ANY" | "X-AMAZON-APIGATEWAY-ANY-METHOD" => Method::Any,
            _ => Method::Only(name),
        }
    }

    /// Whether a request with `method` takes a route of this method; names compare without case.
    pub fn allows(&self, method: &str) -> bool {
        match self {
            Method::Any => true,
            Method::Only(name) => name.eq_ignore_ascii_case(method),
        }
    }

    /// `ANY`, or the method's name.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Any => "ANY",
            Method::Only(name) => name,
        }
    }
}

/// Routes by method and [`Pattern`], each carrying a `T` (a handler, a route key), and
/// optionally the HTTP API [`$default`](DEFAULT_ROUTE) route.
///
/// [`Routes::find`] picks, among the routes whose method allows the request's and whose pattern
/// matches its path, the one with the most specific pattern ([`Pattern::specificity_cmp`]),
/// then the one for the request's own method over `ANY`, then the one added first. This is the
/// order of API Gateway's HTTP API routing ("full match for a route and method", then "a route
/// and method with a greedy path variable", then `$default`) and of a REST API's resource tree,
/// where the most specific resource is chosen before its method.
///
/// One REST API rule is not followed: its docs say a proxy resource does not stand for its
/// non-proxy siblings, so that with `/{proxy+}` and `/parent/{proxy+}`, a request for `/parent`
/// matches neither. Here it goes to `/{proxy+}`, as it would on an HTTP API.
#[derive(Clone, Debug)]
pub struct Routes<T> {
    routes: Vec<Route<T>>,
    default: Option<T>,
}

#[derive(Clone, Debug)]
struct Route<T> {
    method: Method,
    pattern: Pattern,
    value: T,
}

/// What [`Routes::find`] found for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<'a, T> {
    /// The route's value, with the values of its pattern's parameters (none for `$default`).
    Found {
        /// What the chosen route carries.
        value: &'a T,
        /// The path parameters, in the pattern's order.
        params: Params,
    },
    /// Routes match the path, but none allows the method; no `$default` route.
    MethodNotAllowed {
        /// The methods of the routes that match the path, sorted, each once.
        allowed: Vec<&'a str>,
    },
    /// No route matches the path, and there is no `$default` route.
    NotFound,
}

impl<T> Routes<T> {
    /// No routes: every request is [`Lookup::NotFound`].
    pub fn new() -> Self {
        Routes {
            routes: Vec::new(),
            default: None,
        }
    }

    /// Adds a route for `method` on `pattern`. Of two equally specific routes, the one added
    /// first answers.
    pub fn add(&mut self, method: Method, pattern: Pattern, value: T) {
        self.routes.push(Route {
            method,
            pattern,
            value,
        });
    }

    /// Sets the [`$default`](DEFAULT_ROUTE) route, which answers every request no other route
    /// takes, whatever its method; it replaces an earlier one.
    pub fn set_default(&mut self, value: T) {
        self.default = Some(value);
    }

    /// Whether there is no route at all, `$default` included.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty() && self.default.is_none()
    }

    /// The route that answers `method` on `path` (a path without its query string), with its
    /// path parameters; or why none does.
    pub fn find(&self, method: &str, path: &str) -> Lookup<'_, T> {
        let parts: Vec<&str> = segments(path).collect();
        let mut chosen: Option<(&Route<T>, Params)> = None;
        let mut allowed = Vec::new();
        for route in &self.routes {
            let Some(params) = route.pattern.match_segments(&parts) else {
                continue;
            };
            if !route.method.allows(method) {
                allowed.push(route.method.as_str());
            } else if chosen.as_ref().is_none_or(|(best, _)| route.outranks(best)) {
                chosen = Some((route, params));
            }
        }
        match (chosen, &self.default) {
            (Some((route, params)), _) => Lookup::Found {
                value: &route.value,
                params,
            },
            (None, Some(default)) => Lookup::Found {
                value: default,
                params: Params::new(),
            },
            (None, None) if allowed.is_empty() => Lookup::NotFound,
            (None, None) => {
                allowed.sort_unstable();
                allowed.dedup();
                Lookup::MethodNotAllowed { allowed }
            }
        }
    }
}

impl<T> Default for Routes<T> {
    fn default() -> Self {
        Routes::new()
    }
}

impl<T> Route<T> {
    /// Strictly more specific than `other`, which matches the same request: ties keep the
    /// route added first.
    fn outranks(&self, other: &Route<T>) -> bool {
        let own_method = |route: &Route<T>| matches!(route.method, Method::Only(_));
        let order = self
            .pattern
            .specificity_cmp(&other.pattern)
            .then_with(|| own_method(self).cmp(&own_method(other)));
        order == Ordering::Greater
    }
}

impl<'a, T> Lookup<'a, T> {
    /// The found route's value and parameters, if one was found.
    pub fn found(self) -> Option<(&'a T, Params)> {
        match self {
            Lookup::Found { value, params } => Some((value, params)),
            Lookup::MethodNotAllowed { .. } | Lookup::NotFound => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::borrow::ToOwned;
    use alloc::vec;

    use super::*;

    /// A table whose values are the HTTP API route keys, `GET /pets/{proxy+}`.
    fn table(routes: &[&str]) -> Routes<String> {
        let mut table = Routes::new();
        for key in routes {
            match key.split_once(' ') {
                Some((method, path)) => {
                    let pattern = Pattern::parse(path).unwrap();
                    table.add(Method::new(method), pattern, (*key).to_owned());
                }
                None => table.set_default((*key).to_owned()),
            }
        }
        table
    }

    fn route(table: &Routes<String>, method: &str, path: &str) -> Option<(String, Params)> {
        let (key, params) = table.find(method, path).found()?;
        Some((key.clone(), params))
    }

    fn found(key: &str, params: &[(&str, &str)]) -> Option<(String, Params)> {
        let params = params
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Some((key.to_owned(), params))
    }

    // The example of "Routing API requests" on the HTTP API routes page, as the awsdocs GitHub
    // archive has it (doc_source/http-api-develop-routes.md): `GET /pets/dog/1` "fully matches"
    // `GET /pets/dog/{id}`.
    #[test]
    fn routes_the_http_api_routing_example_as_documented() {
        let routes = table(&[
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
        ]);
        assert_eq!(
            route(&routes, "GET", "/pets/dog/1"),
            found("GET /pets/dog/{id}", &[("id", "1")])
        );
        assert_eq!(
            route(&routes, "GET", "/pets/cat/1"),
            found("GET /pets/{proxy+}", &[("proxy", "cat/1")])
        );
        assert_eq!(
            route(&routes, "POST", "/test/5"),
            found("ANY /{proxy+}", &[("proxy", "test/5")])
        );
    }

    // A greedy variable needs a segment, so only `$default` takes the root here.
    #[test]
    fn the_default_route_takes_what_nothing_else_matches() {
        let routes = table(&["GET /items/{id}", "ANY /files/{proxy+}", "$default"]);
        assert_eq!(route(&routes, "GET", "/"), found("$default", &[]));
        assert_eq!(route(&routes, "PATCH", "/files"), found("$default", &[]));
        assert_eq!(
            route(&routes, "POST", "/items/7"),
            found("$default", &[]),
            "a path matched for other methods only"
        );
        assert_eq!(
            route(&routes, "GET", "/items/7"),
            found("GET /items/{id}", &[("id", "7")])
        );
    }

    // "Set up API resources" (REST): "a method request against a specific resource takes
    // precedence over a method request against a generic resource at the same level of the
    // resource hierarchy", with the page's proxy resources.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
    #[test]
    fn a_specific_resource_takes_precedence_over_a_generic_one() {
        let routes = table(&[
            "ANY /{proxy+}",
            "ANY /parent/{proxy+}",
            "ANY /parent/{child}/{proxy+}",
        ]);
        assert_eq!(
            route(&routes, "GET", "/parent/a"),
            found("ANY /parent/{proxy+}", &[("proxy", "a")])
        );
        assert_eq!(
            route(&routes, "GET", "/parent/a/b/c"),
            found(
                "ANY /parent/{child}/{proxy+}",
                &[("child", "a"), ("proxy", "b/c")]
            )
        );
        assert_eq!(
            route(&routes, "GET", "/other/a"),
            found("ANY /{proxy+}", &[("proxy", "other/a")])
        );
        // By its docs a REST API would not take `/{proxy+}` here (see `Routes`); this one does.
        assert_eq!(
            route(&routes, "GET", "/parent"),
            found("ANY /{proxy+}", &[("proxy", "parent")])
        );
    }

    #[test]
    fn a_route_for_the_method_beats_any_on_the_same_pattern() {
        let routes = table(&["ANY /users", "GET /users"]);
        assert_eq!(route(&routes, "GET", "/users"), found("GET /users", &[]));
        assert_eq!(route(&routes, "POST", "/users"), found("ANY /users", &[]));
    }

    #[test]
    fn a_more_specific_path_beats_a_route_for_the_method() {
        let routes = table(&["GET /users/{id}", "ANY /users/me"]);
        assert_eq!(
            route(&routes, "GET", "/users/me"),
            found("ANY /users/me", &[])
        );
    }

    // Two routes equally specific for a path: the one declared first answers, wherever it is used.
    #[test]
    fn among_equally_specific_routes_the_first_added_answers() {
        let routes = table(&["GET /users/{id}", "GET /users/{name}"]);
        assert_eq!(
            route(&routes, "GET", "/users/ann"),
            found("GET /users/{id}", &[("id", "ann")])
        );
    }

    #[test]
    fn a_path_matched_for_other_methods_only_says_which_are_allowed() {
        let routes = table(&[
            "POST /users",
            "GET /users",
            "GET /users/{id}",
            "POST /users",
        ]);
        assert_eq!(
            routes.find("DELETE", "/users"),
            Lookup::MethodNotAllowed {
                allowed: vec!["GET", "POST"]
            }
        );
        assert_eq!(routes.find("GET", "/orders"), Lookup::NotFound);
        assert!(Routes::<()>::new().is_empty());
        assert!(!routes.is_empty());
    }

    #[test]
    fn methods_compare_without_case_and_any_has_two_spellings() {
        assert_eq!(Method::new("get"), Method::Only("GET".to_owned()));
        assert_eq!(Method::new("any"), Method::Any);
        assert_eq!(Method::new("x-amazon-apigateway-any-method"), Method::Any);
        assert!(Method::new("GET").allows("get"));
        assert!(!Method::new("GET").allows("POST"));
        assert!(Method::Any.allows("PATCH"));
        assert_eq!(Method::Any.as_str(), "ANY");
    }
}
