//! A SAM template as `serve` reads it: its functions ([`functions`]), its APIs ([`apis`]) with
//! their OpenAPI definitions ([`openapi`]), the routes its functions' events declare
//! ([`events`]), how the two meet on one API ([`merge`]), and the authorizers guarding them
//! ([`auth`]). YAML with its short-form intrinsics is read by [`yaml`], and the intrinsics are
//! resolved by [`intrinsics`].
//!
//! The model is the template's, not a route table's: an [`Api`] owns its [`Route`]s, each
//! naming the function it invokes, the event format the function gets, the authorizer it runs
//! behind and the request validator that checks it.

pub mod apis;
pub mod auth;
mod events;
pub mod functions;
pub mod intrinsics;
mod merge;
pub mod openapi;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};

use self::apis::ReadApi;
pub use self::apis::{Api, ApiSettings};
use self::auth::RouteAuthorization;
pub use self::functions::Function;
use self::intrinsics::Scope;
use self::openapi::validators::RequestValidation;
use crate::pipeline::InvokeMode;
use crate::serve::api_kind::{ApiKind, PayloadFormat};

/// A template, read and resolved.
#[derive(Debug)]
pub struct Template {
    /// The directory the template is in: relative paths are relative to it.
    pub dir: PathBuf,
    /// Its `AWS::Serverless::Function`s, in logical id order.
    pub functions: Vec<Function>,
    /// Its APIs with at least one route, or an OpenAPI definition, in logical id order.
    pub apis: Vec<Api>,
}

/// One route of an API.
#[derive(Debug, Clone)]
pub struct Route {
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the HTTP API `$default` route.
    pub path: Option<String>,
    /// The logical id of the function it invokes.
    pub function: String,
    /// The event format the function gets.
    pub payload: PayloadFormat,
    /// The authorizer it runs behind, if any.
    pub auth: Option<RouteAuthorization>,
    /// What its REST API's request validator checks before the function runs, if anything.
    pub validation: Option<Arc<RequestValidation>>,
    /// What declares it.
    pub defined_by: DefinedBy,
    /// Whole or streamed, where the template says.
    pub invoke_mode: Option<InvokeMode>,
    /// Where the template declares it, for messages.
    pub origin: String,
}

/// What declares a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinedBy {
    /// A function's `Api` or `HttpApi` event.
    Event,
    /// An operation of its API's OpenAPI definition.
    Definition,
}

impl Template {
    /// The API whose logical id is `id`.
    pub fn api(&self, id: &str) -> anyhow::Result<&Api> {
        self.apis.iter().find(|api| api.id == id).with_context(|| {
            let ids: Vec<&str> = self.apis.iter().map(|api| api.id.as_str()).collect();
            format!("no API {id}; its APIs: {}", ids.join(", "))
        })
    }

    /// Reads the template at `path`; `parameters` override its parameters' defaults, and
    /// `region` is `AWS::Region`.
    pub fn read(
        path: &Path,
        parameters: &[(String, String)],
        region: &str,
    ) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        Self::parse(&text, dir, parameters, region)
            .with_context(|| format!("reading {}", path.display()))
    }

    /// The template in `text`, whose relative paths are relative to `dir`.
    pub fn parse(
        text: &str,
        dir: PathBuf,
        parameters: &[(String, String)],
        region: &str,
    ) -> anyhow::Result<Self> {
        let template = yaml::load(text)?;
        if !template["Resources"].is_object() {
            bail!("no Resources");
        }
        let scope = Scope::new(&template, parameters, region)?;
        let functions = functions::read(&template, &scope)?;
        let mut read = apis::read(&template, ApiKind::Rest, &scope, &dir)?;
        read.extend(apis::read(&template, ApiKind::Http, &scope, &dir)?);
        let events = events::read(&template, &scope)?;
        for event in &events {
            if !read
                .iter()
                .any(|read| read.api.id == event.api && read.api.kind == event.kind)
            {
                bail!(
                    "{}: {} {} is not an {} of the template",
                    event.origin,
                    event.kind.sam_api_id_property(),
                    event.api,
                    event.kind.sam_api_resource_type()
                );
            }
        }
        let mut apis = Vec::with_capacity(read.len());
        for ReadApi { mut api, defined } in read {
            let own = events
                .iter()
                .filter(|event| event.api == api.id && event.kind == api.kind)
                .cloned()
                .collect();
            merge::routes(&mut api, defined, own, &functions)
                .with_context(|| format!("in {}", api.id))?;
            apis.push(api);
        }
        apis.retain(|api| !api.routes.is_empty() || api.definition.is_some());
        apis.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self {
            dir,
            functions,
            apis,
        })
    }

    /// The function `id`.
    pub fn function(&self, id: &str) -> Option<&Function> {
        self.functions.iter().find(|function| function.id == id)
    }

    /// The routes of every API of `kind`, with their API's settings; only `function`'s when
    /// given (`serve --routes`, which serves one component behind them).
    pub fn routes_of_kind(
        &self,
        kind: ApiKind,
        function: Option<&str>,
    ) -> Vec<(Route, Arc<ApiSettings>)> {
        self.apis
            .iter()
            .filter(|api| api.kind == kind)
            .flat_map(|api| {
                api.routes
                    .iter()
                    .filter(|route| function.is_none_or(|id| route.function == id))
                    .map(|route| (route.clone(), api.settings.clone()))
            })
            .collect()
    }
}

impl Api {
    /// The functions its routes and authorizers invoke, each once.
    pub fn functions(&self) -> Vec<&str> {
        let mut functions: Vec<&str> = Vec::new();
        for route in &self.routes {
            let authorizer = route.auth.as_ref().and_then(|auth| match &auth.authorizer {
                auth::Authorizer::Lambda(lambda) => Some(lambda.function.as_str()),
                _ => None,
            });
            for function in std::iter::once(route.function.as_str()).chain(authorizer) {
                if !functions.contains(&function) {
                    functions.push(function);
                }
            }
        }
        functions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Resources:
  UsersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Token
        Authorizers:
          Token:
            FunctionArn: !GetAtt Authorizer.Arn
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: { Handler: auth.wasm }
  Users:
    Type: AWS::Serverless::Function
    Properties:
      Handler: users.wasm
      Events:
        List: { Type: Api, Properties: { RestApiId: !Ref UsersApi, Path: /users, Method: get, Auth: { Authorizer: NONE } } }
        Create: { Type: Api, Properties: { RestApiId: !Ref UsersApi, Path: /users, Method: post } }
        Hello: { Type: Api, Properties: { Path: /hello, Method: get } }
        Items: { Type: HttpApi, Properties: { Path: /items, Method: get, PayloadFormatVersion: "1.0" } }
"#;

    fn template() -> Template {
        Template::parse(TEMPLATE, PathBuf::from("."), &[], "us-east-1").unwrap()
    }

    #[test]
    fn each_api_gets_its_events_with_their_authorizers() {
        let template = template();
        let ids: Vec<&str> = template.apis.iter().map(|api| api.id.as_str()).collect();
        assert_eq!(ids, ["ServerlessHttpApi", "ServerlessRestApi", "UsersApi"]);
        let users = &template.apis[2];
        assert_eq!(users.stage, "prod");
        let auth = |method: &str| {
            users
                .routes
                .iter()
                .find(|route| route.method.as_deref() == Some(method))
                .unwrap()
                .auth
                .as_ref()
                .map(|auth| auth.name.clone())
        };
        assert_eq!(auth("get"), None, "Auth.Authorizer NONE");
        assert_eq!(auth("post").as_deref(), Some("Token"), "the default");
        assert_eq!(users.functions(), ["Users", "Authorizer"]);
        assert_eq!(template.apis[0].routes[0].payload, PayloadFormat::V1);
        assert!(template.apis[1].routes[0].auth.is_none());
    }

    #[test]
    fn an_api_event_says_whether_its_integration_streams() {
        let text = r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Clock: { Type: Api, Properties: { Path: /clock, Method: get, ResponseTransferMode: RESPONSE_STREAM } }
        Whole: { Type: Api, Properties: { Path: /whole, Method: get, ResponseTransferMode: BUFFERED } }
        Plain: { Type: Api, Properties: { Path: /plain, Method: get } }
"#;
        let template = Template::parse(text, PathBuf::from("."), &[], "us-east-1").unwrap();
        let mode = |path: &str| {
            template.apis[0]
                .routes
                .iter()
                .find(|route| route.path.as_deref() == Some(path))
                .unwrap()
                .invoke_mode
        };
        assert_eq!(mode("/clock"), Some(InvokeMode::ResponseStream));
        assert_eq!(mode("/whole"), Some(InvokeMode::Buffered));
        assert_eq!(mode("/plain"), None, "the function's own mode");
        let bad = text.replace("BUFFERED", "SOMETIMES");
        let error = format!(
            "{:#}",
            Template::parse(&bad, PathBuf::from("."), &[], "us-east-1").unwrap_err()
        );
        assert!(
            error.contains("Fn.Events.Whole") && error.contains("ResponseTransferMode"),
            "{error}"
        );
    }

    #[test]
    fn an_event_on_an_api_the_template_lacks_is_an_error_naming_both() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: { Type: Api, Properties: { Path: /x, Method: get, RestApiId: Nope } }\n";
        let error = format!(
            "{:#}",
            Template::parse(text, PathBuf::from("."), &[], "us-east-1").unwrap_err()
        );
        assert!(
            error.contains("F.Events.E") && error.contains("Nope"),
            "{error}"
        );
    }
}
