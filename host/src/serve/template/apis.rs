//! The APIs of a SAM template: SAM's implicit REST API (`ServerlessRestApi`) and HTTP API
//! (`ServerlessHttpApi`), and each `AWS::Serverless::Api` and `AWS::Serverless::HttpApi`, with
//! their stage, CORS, binary media types and `Auth`, each from the API's own properties or else
//! the template's `Globals`, and their OpenAPI definition: a `DefinitionBody` (inline, or a
//! local file through `Fn::Transform` `AWS::Include`, its intrinsics resolved) or a local
//! `DefinitionUri` file (imported as written).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use super::auth::ApiAuth;
use super::intrinsics::Scope;
use super::openapi::{DefinedRoute, Definition};
use super::{Route, yaml};
use crate::serve::api_kind::ApiKind;
use crate::serve::binary::BinaryMediaTypes;
use crate::serve::cors::Cors;

/// A REST API definition's own binary media types, which SAM's `BinaryMediaTypes` join.
const BINARY_MEDIA_TYPES: &str = "x-amazon-apigateway-binary-media-types";
/// An HTTP API definition's CORS configuration, which SAM's `CorsConfiguration` replaces.
const HTTP_CORS: &str = "x-amazon-apigateway-cors";

/// What one API does besides routing and authorizing.
#[derive(Debug, Default)]
pub struct ApiSettings {
    /// Its CORS configuration, if any.
    pub cors: Option<Cors>,
    /// How it carries bodies that are not text.
    pub binary: BinaryMediaTypes,
}

/// One API of the template, with its routes.
#[derive(Debug)]
pub struct Api {
    /// Its logical id (`ServerlessRestApi`, `ServerlessHttpApi` for the implicit ones).
    pub id: String,
    /// REST or HTTP.
    pub kind: ApiKind,
    /// The stage its events name.
    pub stage: String,
    /// CORS and binary media types.
    pub settings: Arc<ApiSettings>,
    /// Its authorizers (SAM's and its definition's) and default authorizer.
    pub auth: ApiAuth,
    /// Its OpenAPI definition, if it has one.
    pub definition: Option<Definition>,
    /// REST APIs: `MergeDefinitions`, whether SAM adds its functions' events to its definition.
    pub merge_definitions: bool,
    /// What it asks that `serve` does not do, said at start.
    pub notes: Vec<String>,
    /// Its routes: its definition's operations and its functions' events.
    pub routes: Vec<Route>,
}

/// An API as read, with its definition's operations still to meet its functions' events.
#[derive(Debug)]
pub struct ReadApi {
    /// The API.
    pub api: Api,
    /// Its definition's operations.
    pub defined: Vec<DefinedRoute>,
}

impl ApiKind {
    /// SAM's logical id for the API it creates for events that name none.
    pub fn implicit_api_id(self) -> &'static str {
        match self {
            ApiKind::Rest => "ServerlessRestApi",
            ApiKind::Http => "ServerlessHttpApi",
        }
    }
}

/// The APIs of `kind` in `template`, whose relative paths are relative to `dir`: the implicit
/// one first, then those declared.
pub fn read(
    template: &Value,
    kind: ApiKind,
    scope: &Scope,
    dir: &Path,
) -> anyhow::Result<Vec<ReadApi>> {
    let globals = scope
        .resolve(&template["Globals"][kind.sam_event_type()])
        .context("in Globals")?
        .unwrap_or(Value::Null);
    let implicit = Declared {
        id: kind.implicit_api_id(),
        properties: &Value::Null,
        body: None,
    };
    let mut apis = vec![
        implicit
            .read(kind, &globals, scope, dir)
            .context("in Globals")?,
    ];
    for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
        if resource["Type"].as_str() != Some(kind.sam_api_resource_type()) {
            continue;
        }
        // The definition is resolved apart: an `AWS::Include` is read before its intrinsics.
        let mut properties = resource["Properties"].clone();
        let body = properties
            .as_object_mut()
            .and_then(|fields| fields.remove("DefinitionBody"));
        let properties = scope
            .resolve(&properties)
            .with_context(|| format!("in {id}"))?
            .unwrap_or(Value::Null);
        let declared = Declared {
            id,
            properties: &properties,
            body: body.as_ref(),
        };
        let api = declared
            .read(kind, &globals, scope, dir)
            .with_context(|| format!("in {id}"))?;
        apis.push(api);
    }
    Ok(apis)
}

/// One API of the template, as declared.
struct Declared<'a> {
    id: &'a str,
    /// Its properties, resolved, but `DefinitionBody`.
    properties: &'a Value,
    /// Its `DefinitionBody`, as written.
    body: Option<&'a Value>,
}

impl Declared<'_> {
    /// The API: its own properties, each falling back to `globals`.
    fn read(
        &self,
        kind: ApiKind,
        globals: &Value,
        scope: &Scope,
        dir: &Path,
    ) -> anyhow::Result<ReadApi> {
        let properties = self.properties;
        let property = |key: &str| match &properties[key] {
            Value::Null => &globals[key],
            own => own,
        };
        // The properties are resolved already: reading them again through the scope changes
        // nothing.
        let mut auth = ApiAuth::read(property("Auth"), kind, scope).context("in Auth")?;
        let (definition, defined, notes) = match self.document(scope, dir)? {
            Some((document, origin)) => {
                let read = Definition::read(document, origin, kind, &auth)?;
                for (name, authorizer) in read.authorizers {
                    auth.authorizers.entry(name).or_insert(authorizer);
                }
                (Some(read.definition), read.routes, read.notes)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        let extension = |key: &str| {
            definition
                .as_ref()
                .map_or(&Value::Null, |definition| &definition.document[key])
        };
        let settings = match kind {
            ApiKind::Rest => {
                let mut binary = property("BinaryMediaTypes")
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                binary.extend(
                    extension(BINARY_MEDIA_TYPES)
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
                ApiSettings {
                    cors: Cors::from_rest_api(property("Cors"))?,
                    binary: BinaryMediaTypes::from_template(&Value::Array(binary))?,
                }
            }
            // HTTP APIs have no binary media types: they tell binary bodies apart themselves.
            ApiKind::Http => ApiSettings {
                cors: match property("CorsConfiguration") {
                    Value::Null => Cors::from_http_api(&capitalized(extension(HTTP_CORS)))
                        .context(HTTP_CORS)?,
                    own => Cors::from_http_api(own)?,
                },
                binary: BinaryMediaTypes::Detect,
            },
        };
        let stage = match property("StageName") {
            Value::String(stage) if !stage.is_empty() => stage.clone(),
            _ => kind.default_stage().to_owned(),
        };
        let api = Api {
            id: self.id.to_owned(),
            kind,
            stage,
            settings: Arc::new(settings),
            auth,
            definition,
            merge_definitions: properties["MergeDefinitions"].as_bool() == Some(true),
            notes,
            routes: Vec::new(),
        };
        Ok(ReadApi { api, defined })
    }

    /// Its OpenAPI document and where it is: the `DefinitionBody`, or the `DefinitionUri` file.
    fn document(&self, scope: &Scope, dir: &Path) -> anyhow::Result<Option<(Value, String)>> {
        if let Some(body) = self.body {
            let origin = format!("{}.DefinitionBody", self.id);
            let body = match included(body) {
                Some(location) => load(&local(location, dir, "AWS::Include Location")?)?,
                None => body.clone(),
            };
            let resolved = scope
                .resolve(&body)
                .with_context(|| format!("in {origin}"))?
                .unwrap_or(Value::Null);
            return Ok(Some((resolved, origin)));
        }
        match &self.properties["DefinitionUri"] {
            Value::Null => Ok(None),
            Value::String(uri) => {
                let path = local(uri, dir, "DefinitionUri")?;
                Ok(Some((load(&path)?, path.display().to_string())))
            }
            _ => bail!("DefinitionUri names an S3 object: serve reads a local file"),
        }
    }
}

/// The `Location` of a `Fn::Transform` of `AWS::Include`, if `body` is one.
fn included(body: &Value) -> Option<&str> {
    let transform = &body["Fn::Transform"];
    (transform["Name"].as_str() == Some("AWS::Include"))
        .then(|| transform["Parameters"]["Location"].as_str())
        .flatten()
}

/// `location` under `dir`, when it is a local path.
fn local(location: &str, dir: &Path, property: &str) -> anyhow::Result<std::path::PathBuf> {
    if location.contains("://") {
        bail!("{property} {location:?} is not a local file: serve reads a local file");
    }
    Ok(dir.join(location))
}

/// A YAML or JSON document from `path`.
fn load(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the definition {}", path.display()))?;
    yaml::load(&text).with_context(|| format!("reading the definition {}", path.display()))
}

/// `x-amazon-apigateway-cors`' keys (`allowOrigins`) as SAM's `CorsConfiguration` spells them
/// (`AllowOrigins`).
fn capitalized(cors: &Value) -> Value {
    let Value::Object(fields) = cors else {
        return cors.clone();
    };
    let fields: Map<String, Value> = fields
        .iter()
        .map(|(key, value)| {
            let mut chars = key.chars();
            let key = chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default();
            (key, value.clone())
        })
        .collect();
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Globals:
  Api:
    BinaryMediaTypes: ["*~1*"]
  HttpApi:
    CorsConfiguration:
      AllowOrigins: ["https://app.example.com"]
Resources:
  UsersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'*'"
"#;

    fn apis(kind: ApiKind) -> Vec<Api> {
        let template = yaml::load(TEMPLATE).unwrap();
        let scope = Scope::new(&template, &[], "us-east-1").unwrap();
        read(&template, kind, &scope, Path::new("."))
            .unwrap()
            .into_iter()
            .map(|read| read.api)
            .collect()
    }

    #[test]
    fn a_declared_api_has_its_own_settings_and_the_globals_it_does_not_override() {
        let apis = apis(ApiKind::Rest);
        let (implicit, users) = (&apis[0], &apis[1]);
        assert_eq!(implicit.id, "ServerlessRestApi");
        assert_eq!(implicit.stage, "Prod");
        assert!(implicit.settings.cors.is_none());
        assert_eq!(
            implicit.settings.binary,
            BinaryMediaTypes::Listed(vec!["*/*".into()])
        );
        assert_eq!(
            (users.id.as_str(), users.stage.as_str()),
            ("UsersApi", "prod")
        );
        assert!(users.settings.cors.is_some());
        assert_eq!(
            users.settings.binary,
            BinaryMediaTypes::Listed(vec!["*/*".into()])
        );
    }

    #[test]
    fn http_apis_read_their_own_globals_and_detect_binary_bodies() {
        let apis = apis(ApiKind::Http);
        assert_eq!(apis.len(), 1);
        assert_eq!(apis[0].stage, "$default");
        assert!(apis[0].settings.cors.is_some());
        assert_eq!(apis[0].settings.binary, BinaryMediaTypes::Detect);
    }
}
