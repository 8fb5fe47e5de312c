//! The routes of a local API: those of a SAM template's API, or a catch-all, each with the
//! settings of the API it belongs to and what it invokes. Which route answers a request, and its
//! path parameters, is `lambda-wasm-routes`' choice, the one the guest SDK's `Router` makes too.

use std::sync::Arc;

use lambda_wasm_routes::{DEFAULT_ROUTE, Method, Pattern, Routes};

use super::api_kind::ApiKind;
use super::template::ApiSettings;

/// One route of a local API, as the events it sends name it, and what it invokes (`T`).
#[derive(Debug, Clone)]
pub struct Route<T> {
    /// The REST API resource (`/users/{userId}`) or HTTP API route key (`GET /users/{id}`,
    /// `$default`).
    pub key: String,
    /// The settings of the API the route belongs to.
    pub api: Arc<ApiSettings>,
    /// What the route invokes.
    pub target: T,
}

/// A route to add to a table.
#[derive(Debug)]
pub struct RouteEntry<T> {
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the HTTP API `$default` route.
    pub path: Option<String>,
    /// The settings of the API it belongs to.
    pub api: Arc<ApiSettings>,
    /// What it invokes.
    pub target: T,
}

/// The route a request matched, with the values of its path parameters.
#[derive(Debug)]
pub struct Matched<'a, T> {
    /// The route.
    pub route: &'a Route<T>,
    /// The values of the route's `{name}` and `{name+}`, in the pattern's order.
    pub path_parameters: Vec<(String, String)>,
}

/// The routes of one local API.
#[derive(Debug)]
pub struct RouteTable<T> {
    routes: Routes<Route<T>>,
    /// The APIs with CORS, by the paths whose preflights they answer.
    preflights: Routes<Arc<ApiSettings>>,
}

impl<T: Clone> RouteTable<T> {
    /// Every path goes to `target`: `/` and `/{proxy+}` on a REST API, `$default` on an HTTP
    /// API.
    pub fn catch_all(kind: ApiKind, target: T) -> Self {
        let api = Arc::new(ApiSettings::default());
        let entries = kind.catch_all_paths().iter().map(|path| RouteEntry {
            method: None,
            path: path.map(str::to_owned),
            api: api.clone(),
            target: target.clone(),
        });
        Self::new(kind, entries).expect("the catch-all paths are valid patterns")
    }

    /// The table of `entries` on an API of `kind`; a pattern API Gateway refuses is an error
    /// naming it.
    pub fn new(
        kind: ApiKind,
        entries: impl IntoIterator<Item = RouteEntry<T>>,
    ) -> anyhow::Result<Self> {
        let mut routes = Routes::new();
        let mut preflights = Routes::new();
        for RouteEntry {
            method,
            path,
            api,
            target,
        } in entries
        {
            let with_cors = api.cors.is_some().then(|| api.clone());
            if let (Some(api), ApiKind::Http) = (&with_cors, kind) {
                preflights.set_default(api.clone());
            }
            let Some(path) = path else {
                routes.set_default(Route {
                    key: DEFAULT_ROUTE.to_owned(),
                    api,
                    target,
                });
                continue;
            };
            let pattern = Pattern::parse(&path)?;
            if let Some(api) = with_cors {
                preflights.add(Method::Any, pattern.clone(), api);
            }
            let method = Method::new(method.as_deref().unwrap_or("ANY"));
            let key = kind.route_key(Some(method.as_str()), pattern.as_str());
            routes.add(method, pattern, Route { key, api, target });
        }
        Ok(Self { routes, preflights })
    }

    /// Whether the table has no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The route API Gateway picks for `method` on `path`; `None` when it answers itself (no
    /// route, or none for this method).
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_, T>> {
        let (route, path_parameters) = self.routes.find(method, path).found()?;
        Some(Matched {
            route,
            path_parameters,
        })
    }

    /// The API settings whose CORS answers a preflight (an `OPTIONS` request) for `path`: a
    /// REST API's, for a path it has a route on; an HTTP API's, for any path.
    pub fn preflight(&self, path: &str) -> Option<&ApiSettings> {
        let (api, _) = self.preflights.find("OPTIONS", path).found()?;
        Some(api)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::serve::template::Template;

    const TEMPLATE: &str = r#"
Resources:
  Users:
    Type: AWS::Serverless::Function
    Properties:
      Handler: users.wasm
      Events:
        List:
          Type: Api
          Properties:
            Path: /users
            Method: get
        Create:
          Type: Api
          Properties:
            Path: /users
            Method: post
        One:
          Type: Api
          Properties:
            Path: /users/{userId}
            Method: get
        Me:
          Type: Api
          Properties:
            Path: /users/me
            Method: get
        Files:
          Type: Api
          Properties:
            Path: /files/{proxy+}
            Method: ANY
        Http:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: GET
        Default:
          Type: HttpApi
  Table:
    Type: AWS::DynamoDB::Table
    Properties: { TableName: !Sub "${AWS::StackName}-users" }
"#;

    fn entries(
        text: &str,
        kind: ApiKind,
        function: Option<&str>,
    ) -> anyhow::Result<Vec<RouteEntry<String>>> {
        let template = Template::parse(text, PathBuf::from("."), &[], "us-east-1")?;
        Ok(template
            .routes_of_kind(kind, function)
            .into_iter()
            .map(|(route, api)| RouteEntry {
                method: route.method,
                path: route.path,
                api,
                target: route.function,
            })
            .collect())
    }

    fn table(text: &str, kind: ApiKind) -> anyhow::Result<RouteTable<String>> {
        RouteTable::new(kind, entries(text, kind, None)?)
    }

    fn find<T: Clone>(
        table: &RouteTable<T>,
        method: &str,
        path: &str,
    ) -> Option<(String, Vec<(String, String)>)> {
        table
            .find(method, path)
            .map(|m| (m.route.key.clone(), m.path_parameters))
    }

    fn params(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rest_routes_match_the_most_specific_resource() {
        let table = table(TEMPLATE, ApiKind::Rest).unwrap();
        assert_eq!(
            find(&table, "GET", "/users"),
            Some(("/users".into(), vec![]))
        );
        assert_eq!(
            find(&table, "GET", "/users/42"),
            Some(("/users/{userId}".into(), params(&[("userId", "42")])))
        );
        assert_eq!(
            find(&table, "GET", "/users/me"),
            Some(("/users/me".into(), vec![]))
        );
        assert_eq!(
            find(&table, "PUT", "/files/a/b.txt"),
            Some(("/files/{proxy+}".into(), params(&[("proxy", "a/b.txt")])))
        );
        assert_eq!(
            find(&table, "DELETE", "/users/42"),
            None,
            "no DELETE on the resource"
        );
        assert_eq!(
            find(&table, "GET", "/files"),
            None,
            "a greedy parameter needs a segment"
        );
        assert_eq!(find(&table, "GET", "/nowhere"), None);
    }

    // API Gateway ignores empty segments; the guest SDK's router, on the same crate, does too.
    #[test]
    fn empty_segments_and_trailing_slashes_do_not_count() {
        let table = table(TEMPLATE, ApiKind::Rest).unwrap();
        assert_eq!(
            find(&table, "GET", "/users//42/"),
            Some(("/users/{userId}".into(), params(&[("userId", "42")])))
        );
    }

    #[test]
    fn http_api_routes_have_route_keys_and_a_default() {
        let table = table(TEMPLATE, ApiKind::Http).unwrap();
        assert_eq!(
            find(&table, "GET", "/items/7"),
            Some(("GET /items/{id}".into(), params(&[("id", "7")])))
        );
        assert_eq!(
            find(&table, "POST", "/items/7"),
            Some(("$default".into(), vec![]))
        );
    }

    #[test]
    fn route_keys_spell_methods_in_capitals_and_drop_a_trailing_slash() {
        let template = r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        A: { Type: HttpApi, Properties: { Path: /a/, Method: get } }
        B: { Type: HttpApi, Properties: { Path: /b, Method: x-amazon-apigateway-any-method } }
"#;
        let table = table(template, ApiKind::Http).unwrap();
        assert_eq!(find(&table, "GET", "/a"), Some(("GET /a".into(), vec![])));
        assert_eq!(find(&table, "PUT", "/b"), Some(("ANY /b".into(), vec![])));
    }

    // API Gateway refuses a greedy parameter that is not the last segment.
    #[test]
    fn a_pattern_api_gateway_refuses_is_an_error_naming_it() {
        let template = r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Bad: { Type: Api, Properties: { Path: "/{proxy+}/more", Method: get } }
"#;
        let error = format!("{:#}", table(template, ApiKind::Rest).unwrap_err());
        assert!(
            error.contains("route pattern `/{proxy+}/more` has `more` after the greedy"),
            "{error}"
        );
    }

    #[test]
    fn catch_all_sends_every_path_to_the_component() {
        let rest = RouteTable::catch_all(ApiKind::Rest, ());
        assert_eq!(find(&rest, "GET", "/"), Some(("/".into(), vec![])));
        assert_eq!(
            find(&rest, "POST", "/a/b"),
            Some(("/{proxy+}".into(), params(&[("proxy", "a/b")])))
        );
        let http = RouteTable::catch_all(ApiKind::Http, ());
        assert_eq!(
            find(&http, "PATCH", "/x"),
            Some(("$default".into(), vec![]))
        );
    }

    #[test]
    fn routes_can_be_limited_to_one_function() {
        assert!(
            entries(TEMPLATE, ApiKind::Rest, Some("Table"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            entries(TEMPLATE, ApiKind::Rest, Some("Users"))
                .unwrap()
                .len(),
            5
        );
    }
}
