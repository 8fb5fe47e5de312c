//! The routes API Gateway would match: a catch-all, or the `Api` / `HttpApi` events of a SAM
//! template, matched as API Gateway does (the most specific path wins, then a method over `ANY`).

use std::path::Path;

use anyhow::{Context as _, bail};
use yaml_rust2::{Yaml, YamlLoader};

/// The proxy event format a local API sends: REST API (1.0) or HTTP API (2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Payload {
    /// REST API, payload format 1.0 (SAM `Api` events).
    V1,
    /// HTTP API, payload format 2.0 (SAM `HttpApi` events).
    V2,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter(String),
    /// `{name+}`: the rest of the path, at least one segment.
    Greedy(String),
}

/// One route: a method (`None` for `ANY`) on a path pattern.
#[derive(Debug, Clone)]
pub struct Route {
    method: Option<String>,
    /// `None` is the HTTP API `$default` route, which matches every request.
    segments: Option<Vec<Segment>>,
    /// The REST API resource (`/users/{userId}`) or HTTP API route key (`GET /users/{id}`).
    pub key: String,
}

/// The route a request matched, with the values of its path parameters.
#[derive(Debug)]
pub struct Matched<'a> {
    pub route: &'a Route,
    pub path_parameters: Vec<(String, String)>,
}

/// The routes of one local API.
#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Every path goes to the component: `/` and `/{proxy+}` on a REST API, `$default` on an
    /// HTTP API.
    pub fn catch_all(payload: Payload) -> Self {
        let routes = match payload {
            Payload::V1 => vec![
                Route::new(None, "/", |_, path| path.to_owned()),
                Route::new(None, "/{proxy+}", |_, path| path.to_owned()),
            ],
            Payload::V2 => vec![Route {
                method: None,
                segments: None,
                key: "$default".to_owned(),
            }],
        };
        Self { routes }
    }

    /// The routes of the `Api` (for `V1`) or `HttpApi` (for `V2`) events of the template's
    /// functions, or only of `function` when given.
    pub fn from_template(
        template: &Path,
        payload: Payload,
        function: Option<&str>,
    ) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(template)
            .with_context(|| format!("reading {}", template.display()))?;
        let routes = routes_of_template(&text, payload, function)
            .with_context(|| format!("reading routes from {}", template.display()))?;
        if routes.is_empty() {
            let kind = match payload {
                Payload::V1 => "Api",
                Payload::V2 => "HttpApi",
            };
            bail!(
                "{} has no {kind} events{}",
                template.display(),
                function
                    .map(|f| format!(" on function {f}"))
                    .unwrap_or_default()
            );
        }
        Ok(Self { routes })
    }

    /// The most specific route for `method` on `path`, as API Gateway picks it.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let path_segments: Vec<&str> = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        self.routes
            .iter()
            .filter(|route| {
                route
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
            })
            .filter_map(|route| Some((route, route.match_path(&path_segments)?)))
            .min_by_key(|(route, _)| route.specificity())
            .map(|(route, path_parameters)| Matched {
                route,
                path_parameters,
            })
    }
}

impl Route {
    fn new(method: Option<String>, path: &str, key: impl Fn(Option<&str>, &str) -> String) -> Self {
        let segments = path
            .trim_start_matches('/')
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => match name.strip_suffix('+') {
                        Some(greedy) => Segment::Greedy(greedy.to_owned()),
                        None => Segment::Parameter(name.to_owned()),
                    },
                    None => Segment::Literal(segment.to_owned()),
                },
            )
            .collect();
        let key = key(method.as_deref(), path);
        Self {
            method,
            segments: Some(segments),
            key,
        }
    }

    fn match_path(&self, path: &[&str]) -> Option<Vec<(String, String)>> {
        let Some(segments) = &self.segments else {
            return Some(Vec::new());
        };
        let mut parameters = Vec::new();
        for (index, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Literal(literal) => (path.get(index)? == literal).then_some(())?,
                Segment::Parameter(name) => {
                    parameters.push((name.clone(), (*path.get(index)?).to_owned()))
                }
                Segment::Greedy(name) => {
                    let rest = path.get(index..).filter(|rest| !rest.is_empty())?;
                    parameters.push((name.clone(), rest.join("/")));
                    return Some(parameters);
                }
            }
        }
        (segments.len() == path.len()).then_some(parameters)
    }

    /// Smaller is more specific: literal segments before parameters before greedy ones, a
    /// method before `ANY`, `$default` last.
    fn specificity(&self) -> (Vec<u8>, bool) {
        let rank = match &self.segments {
            Some(segments) => segments
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(_) => 0,
                    Segment::Parameter(_) => 1,
                    Segment::Greedy(_) => 2,
                })
                .collect(),
            None => vec![u8::MAX],
        };
        (rank, self.method.is_none())
    }
}

fn routes_of_template(
    text: &str,
    payload: Payload,
    function: Option<&str>,
) -> anyhow::Result<Vec<Route>> {
    let documents = YamlLoader::load_from_str(text).context("not valid YAML")?;
    let Some(resources) = documents.first().and_then(|doc| doc["Resources"].as_hash()) else {
        bail!("no Resources");
    };
    let wanted = match payload {
        Payload::V1 => "Api",
        Payload::V2 => "HttpApi",
    };
    let mut routes = Vec::new();
    for (name, resource) in resources {
        let is_function = resource["Type"].as_str() == Some("AWS::Serverless::Function");
        if !is_function || function.is_some_and(|function| name.as_str() != Some(function)) {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_hash() else {
            continue;
        };
        for event in events
            .values()
            .filter(|event| event["Type"].as_str() == Some(wanted))
        {
            routes.push(route_of_event(&event["Properties"], payload)?);
        }
    }
    Ok(routes)
}

fn route_of_event(properties: &Yaml, payload: Payload) -> anyhow::Result<Route> {
    let path = properties["Path"].as_str();
    let method = properties["Method"].as_str().map(str::to_ascii_uppercase);
    let method =
        method.filter(|method| method != "ANY" && method != "X-AMAZON-APIGATEWAY-ANY-METHOD");
    match (payload, path) {
        (Payload::V1, Some(path)) => Ok(Route::new(method, path, |_, path| path.to_owned())),
        (Payload::V1, None) => bail!("an Api event has no Path"),
        // An HttpApi event without a path is the API's `$default` route.
        (Payload::V2, None) => Ok(Route {
            method: None,
            segments: None,
            key: "$default".to_owned(),
        }),
        (Payload::V2, Some(path)) => Ok(Route::new(method, path, |method, path| {
            format!("{} {path}", method.unwrap_or("ANY"))
        })),
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
        let table = RouteTable {
            routes: routes_of_template(TEMPLATE, Payload::V1, None).unwrap(),
        };
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

    #[test]
    fn http_api_routes_have_route_keys_and_a_default() {
        let table = RouteTable {
            routes: routes_of_template(TEMPLATE, Payload::V2, None).unwrap(),
        };
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
    fn catch_all_sends_every_path_to_the_component() {
        let rest = RouteTable::catch_all(Payload::V1);
        assert_eq!(find(&rest, "GET", "/"), Some(("/".into(), vec![])));
        assert_eq!(
            find(&rest, "POST", "/a/b"),
            Some(("/{proxy+}".into(), params(&[("proxy", "a/b")])))
        );
        let http = RouteTable::catch_all(Payload::V2);
        assert_eq!(
            find(&http, "PATCH", "/x"),
            Some(("$default".into(), vec![]))
        );
    }

    #[test]
    fn routes_can_be_limited_to_one_function() {
        assert!(
            routes_of_template(TEMPLATE, Payload::V1, Some("Table"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            routes_of_template(TEMPLATE, Payload::V1, Some("Users"))
                .unwrap()
                .len(),
            5
        );
    }
}
