//! The routes of a local API: the `Api` or `HttpApi` events of a SAM template, or a catch-all,
//! each with the settings of the API it belongs to. Which route answers a request, and its path
//! parameters, is `lambda-wasm-routes`' choice, the one the guest SDK's `Router` makes too.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use lambda_wasm_routes::{DEFAULT_ROUTE, Method, Pattern, Routes};

use super::api_kind::ApiKind;
use super::template::{ApiSettings, DeclaredRoute, routes_of_template};
use crate::pipeline::InvokeMode;

/// One route of a local API, as the events it sends name it.
#[derive(Debug, Clone)]
pub struct Route {
    /// The REST API resource (`/users/{userId}`) or HTTP API route key (`GET /users/{id}`,
    /// `$default`).
    pub key: String,
    /// The settings of the API the route belongs to.
    pub api: Arc<ApiSettings>,
    /// How the function answers on this route: a REST API integration's
    /// `responseTransferMode`, a Function URL's `InvokeMode`.
    pub invoke_mode: InvokeMode,
}

/// The route a request matched, with the values of its path parameters.
#[derive(Debug)]
pub struct Matched<'a> {
    /// The route.
    pub route: &'a Route,
    /// The values of the route's `{name}` and `{name+}`, in the pattern's order.
    pub path_parameters: Vec<(String, String)>,
}

/// The routes of one local API.
#[derive(Debug)]
pub struct RouteTable {
    routes: Routes<Route>,
    /// The APIs with CORS, by the paths whose preflights they answer.
    preflights: Routes<Arc<ApiSettings>>,
}

impl RouteTable {
    /// Every path goes to the component: `/` and `/{proxy+}` on a REST API, `$default` on an
    /// HTTP API; the function answering as `invoke_mode` says.
    pub fn catch_all(payload: ApiKind, invoke_mode: InvokeMode) -> Self {
        let api = Arc::new(ApiSettings::default());
        let declared = payload.catch_all_paths().iter().map(|path| DeclaredRoute {
            method: None,
            path: path.map(str::to_owned),
            api: api.clone(),
            invoke_mode: None,
        });
        Self::new(payload, declared, invoke_mode).expect("the catch-all paths are valid patterns")
    }

    /// The routes of the `Api` (for `V1`) or `HttpApi` (for `V2`) events of the template's
    /// functions, or only of `function` when given; the function answering as `invoke_mode`
    /// says where the template does not say otherwise.
    pub fn from_template(
        template: &Path,
        payload: ApiKind,
        function: Option<&str>,
        invoke_mode: InvokeMode,
    ) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(template)
            .with_context(|| format!("reading {}", template.display()))?;
        let table = routes_of_template(&text, payload, function)
            .and_then(|declared| Self::new(payload, declared, invoke_mode))
            .with_context(|| format!("reading routes from {}", template.display()))?;
        if table.routes.is_empty() {
            bail!(
                "{} has no {} events{}",
                template.display(),
                payload.sam_event_type(),
                function
                    .map(|f| format!(" on function {f}"))
                    .unwrap_or_default()
            );
        }
        Ok(table)
    }

    /// The route API Gateway picks for `method` on `path`; `None` when it answers itself (no
    /// route, or none for this method).
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
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

    /// The table of `declared`, each route answering as it declares, else as `invoke_mode`.
    fn new(
        payload: ApiKind,
        declared: impl IntoIterator<Item = DeclaredRoute>,
        invoke_mode: InvokeMode,
    ) -> anyhow::Result<Self> {
        let mut routes = Routes::new();
        let mut preflights = Routes::new();
        for DeclaredRoute {
            method,
            path,
            api,
            invoke_mode: declared_mode,
        } in declared
        {
            let invoke_mode = declared_mode.unwrap_or(invoke_mode);
            let with_cors = api.cors.is_some().then(|| api.clone());
            if let (Some(api), ApiKind::Http) = (&with_cors, payload) {
                preflights.set_default(api.clone());
            }
            let Some(path) = path else {
                routes.set_default(Route {
                    key: DEFAULT_ROUTE.to_owned(),
                    api,
                    invoke_mode,
                });
                continue;
            };
            let pattern = Pattern::parse(&path)?;
            if let Some(api) = with_cors {
                preflights.add(Method::Any, pattern.clone(), api);
            }
            let method = Method::new(method.as_deref().unwrap_or("ANY"));
            let key = payload.route_key(Some(method.as_str()), pattern.as_str());
            routes.add(
                method,
                pattern,
                Route {
                    key,
                    api,
                    invoke_mode,
                },
            );
        }
        Ok(Self { routes, preflights })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn table(text: &str, payload: ApiKind) -> anyhow::Result<RouteTable> {
        RouteTable::new(
            payload,
            routes_of_template(text, payload, None)?,
            InvokeMode::Buffered,
        )
    }

    fn find(
        table: &RouteTable,
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
        let rest = RouteTable::catch_all(ApiKind::Rest, InvokeMode::Buffered);
        assert_eq!(find(&rest, "GET", "/"), Some(("/".into(), vec![])));
        assert_eq!(
            find(&rest, "POST", "/a/b"),
            Some(("/{proxy+}".into(), params(&[("proxy", "a/b")])))
        );
        let http = RouteTable::catch_all(ApiKind::Http, InvokeMode::Buffered);
        assert_eq!(
            find(&http, "PATCH", "/x"),
            Some(("$default".into(), vec![]))
        );
    }

    #[test]
    fn an_api_event_that_streams_makes_its_route_stream_and_the_others_follow_the_default() {
        let template = r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Clock: { Type: Api, Properties: { Path: /clock, Method: get, ResponseTransferMode: RESPONSE_STREAM } }
        Whole: { Type: Api, Properties: { Path: /whole, Method: get, ResponseTransferMode: BUFFERED } }
        Plain: { Type: Api, Properties: { Path: /plain, Method: get } }
"#;
        let mode = |default, path| {
            let declared = routes_of_template(template, ApiKind::Rest, None).unwrap();
            let table = RouteTable::new(ApiKind::Rest, declared, default).unwrap();
            table.find("GET", path).unwrap().route.invoke_mode
        };
        for default in [InvokeMode::Buffered, InvokeMode::ResponseStream] {
            assert_eq!(mode(default, "/clock"), InvokeMode::ResponseStream);
            assert_eq!(mode(default, "/whole"), InvokeMode::Buffered);
            assert_eq!(mode(default, "/plain"), default);
        }
        let bad = template.replace("BUFFERED", "SOMETIMES");
        let error = routes_of_template(&bad, ApiKind::Rest, None).unwrap_err();
        assert!(
            error.to_string().contains("ResponseTransferMode"),
            "{error}"
        );
    }

    #[test]
    fn routes_can_be_limited_to_one_function() {
        assert!(
            routes_of_template(TEMPLATE, ApiKind::Rest, Some("Table"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            routes_of_template(TEMPLATE, ApiKind::Rest, Some("Users"))
                .unwrap()
                .len(),
            5
        );
    }
}
