//! An API's OpenAPI definition (`DefinitionBody`, `DefinitionUri`) read as API Gateway imports
//! it: OpenAPI 3.0 (API Gateway also imports Swagger 2.0, which `serve` does not read, and
//! refuses 3.1); each path and method, `x-amazon-apigateway-any-method` for `ANY` and, on an HTTP
//! API, `$default` for its default route, with its `x-amazon-apigateway-integration`
//! ([`integration`]), the authorizer its `security` names ([`security`]) and, on a REST API, the
//! request validator that checks it ([`validators`]).
//!
//! The document is read with `openapiv3` after the two leniencies API Gateway's import has and
//! OpenAPI 3.0 lacks (an operation without `responses`, a parameter without `schema`: SAM's own
//! definitions have both) are filled in.

pub mod integration;
pub mod security;
pub mod validators;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use openapiv3::{Operation, Parameter};
use serde_json::{Map, Value};

use self::integration::Integration;
use self::validators::{RequestValidation, Validators};
use super::auth::{ApiAuth, Authorizer, RouteAuth};
use crate::serve::api_kind::ApiKind;

/// The key of the operation of every method.
pub const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
/// The path of an HTTP API's default route.
pub const DEFAULT_PATH: &str = "$default";
/// The methods API Gateway has, as OpenAPI spells them.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// An API's OpenAPI document.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The document: a `DefinitionBody`'s intrinsics resolved, a `DefinitionUri` file as written.
    pub document: Value,
    /// Where it is, for messages: `UsersApi.DefinitionBody`, or the file.
    pub origin: String,
}

/// One operation of a definition.
#[derive(Debug, Clone)]
pub struct DefinedRoute {
    /// `None` for `x-amazon-apigateway-any-method`.
    pub method: Option<String>,
    /// `None` for an HTTP API's `$default`.
    pub path: Option<String>,
    /// Its integration; `None` when it has none (an HTTP API event may give it one).
    pub integration: Option<Integration>,
    /// What its `security` asks for.
    pub auth: RouteAuth,
    /// What its request validator checks, if it has one.
    pub validation: Option<RequestValidation>,
    /// `UsersApi.DefinitionBody: POST /users`, for messages.
    pub origin: String,
}

/// What a definition gives its API.
#[derive(Debug)]
pub struct Defined {
    /// The document.
    pub definition: Definition,
    /// Its operations.
    pub routes: Vec<DefinedRoute>,
    /// The authorizers of its security schemes.
    pub authorizers: BTreeMap<String, Authorizer>,
    /// What the document asks that `serve` does not do, to say at start.
    pub notes: Vec<String>,
}

impl Definition {
    /// The definition `document` of an API of `kind` whose authorizers are `auth`'s (SAM's
    /// `Auth.Authorizers`; the document's own join them, SAM's winning a name both have).
    pub fn read(
        document: Value,
        origin: String,
        kind: ApiKind,
        auth: &ApiAuth,
    ) -> anyhow::Result<Defined> {
        let context = origin.clone();
        Self { document, origin }
            .routes(kind, auth)
            .context(context)
    }

    fn routes(self, kind: ApiKind, auth: &ApiAuth) -> anyhow::Result<Defined> {
        check_version(&self.document)?;
        let document = &self.document;
        let authorizers = security::authorizers(document, kind)?;
        let mut known = auth.clone();
        for (name, authorizer) in &authorizers {
            known
                .authorizers
                .entry(name.clone())
                .or_insert_with(|| authorizer.clone());
        }
        let validators = Validators::read(document)?;
        let mut notes = Vec::new();
        if kind == ApiKind::Http && !validators.is_empty() {
            notes.push(format!(
                "{}: HTTP APIs have no request validators: its {} are not applied",
                self.origin,
                validators::VALIDATORS
            ));
        }
        let components = Arc::new(document["components"].clone());
        let paths = document["paths"]
            .as_object()
            .context("it has no paths (a map of the API's paths)")?;
        let mut routes = Vec::new();
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            let item = item
                .as_object()
                .with_context(|| format!("paths.{path} is not a map"))?;
            let read = PathItem {
                document,
                kind,
                path,
                item,
                origin: &self.origin,
            };
            read.operations(&known, &validators, &components, &mut routes, &mut notes)
                .with_context(|| format!("in paths.{path}"))?;
        }
        Ok(Defined {
            definition: self,
            routes,
            authorizers,
            notes,
        })
    }
}

/// API Gateway imports OpenAPI 2.0 (Swagger) and 3.0, not 3.1; `serve` reads 3.0.
fn check_version(document: &Value) -> anyhow::Result<()> {
    if let Some(swagger) = document["swagger"].as_str() {
        bail!(
            "it is Swagger {swagger}: serve reads OpenAPI 3.0 (`openapi: 3.0.x`) definitions \
             (API Gateway imports both; convert it, e.g. with swagger2openapi)"
        );
    }
    match document["openapi"].as_str() {
        Some(version) if version.starts_with("3.0.") || version == "3.0" => Ok(()),
        Some(version) => bail!(
            "it is OpenAPI {version}: API Gateway imports OpenAPI 2.0 and 3.0 definitions, not {version}"
        ),
        None => bail!("it has no `openapi: 3.0.x` version"),
    }
}

/// One path of the document being read.
struct PathItem<'a> {
    document: &'a Value,
    kind: ApiKind,
    path: &'a str,
    item: &'a Map<String, Value>,
    origin: &'a str,
}

impl PathItem<'_> {
    fn operations(
        &self,
        auth: &ApiAuth,
        validators: &Validators,
        components: &Arc<Value>,
        routes: &mut Vec<DefinedRoute>,
        notes: &mut Vec<String>,
    ) -> anyhow::Result<()> {
        if self.item.contains_key("$ref") {
            bail!("a path item $ref: API Gateway imports paths written out");
        }
        let path = match self.path {
            DEFAULT_PATH if self.kind == ApiKind::Http => None,
            path if path.starts_with('/') => Some(path.to_owned()),
            path => bail!("{path:?} is not a path: it must start with /"),
        };
        let shared = self.parameters(&self.item.get("parameters").cloned().unwrap_or_default())?;
        for (key, declared) in self.item {
            let method = match key.as_str() {
                ANY_METHOD => None,
                method if METHODS.contains(&method) => Some(method.to_ascii_uppercase()),
                "trace" => bail!("API Gateway has no TRACE method"),
                "parameters" | "summary" | "description" | "servers" => continue,
                other if other.starts_with("x-") => continue,
                other => bail!("{other:?} is not an HTTP method"),
            };
            let route = self
                .operation(
                    method,
                    path.clone(),
                    declared,
                    &shared,
                    auth,
                    validators,
                    components,
                )
                .with_context(|| format!("in {key}"))?;
            if let Some(Integration::NotEmulated(kind)) = &route.integration {
                notes.push(format!(
                    "{}: its integration of type {kind} is not emulated: the route is not served",
                    route.origin
                ));
            }
            routes.push(route);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &self,
        method: Option<String>,
        path: Option<String>,
        declared: &Value,
        shared: &[Parameter],
        auth: &ApiAuth,
        validators: &Validators,
        components: &Arc<Value>,
    ) -> anyhow::Result<DefinedRoute> {
        let operation: Operation = serde_json::from_value(lenient_operation(declared)?)?;
        let mut parameters = shared.to_vec();
        for parameter in self.parameters(&declared["parameters"])? {
            let data = parameter.parameter_data_ref();
            // An operation's parameter replaces the path's of the same name and location.
            parameters.retain(|shared| {
                let same = shared.parameter_data_ref();
                same.name != data.name || location(shared) != location(&parameter)
            });
            parameters.push(parameter);
        }
        let integration = match &declared[integration::EXTENSION] {
            Value::Null => None,
            declared => {
                Some(integration::read(declared, self.kind).context(integration::EXTENSION)?)
            }
        };
        if integration.is_none() && self.kind == ApiKind::Rest {
            bail!(
                "it has no {}: API Gateway refuses to deploy a method without one",
                integration::EXTENSION
            );
        }
        let validation = match self.kind {
            ApiKind::Rest => {
                let body = match &operation.request_body {
                    Some(_) => self.resolved(&declared["requestBody"])?.clone(),
                    None => Value::Null,
                };
                validators.of(declared, &parameters, &body, components)?
            }
            ApiKind::Http => None,
        };
        let shown = format!(
            "{} {}",
            method.as_deref().unwrap_or("ANY"),
            path.as_deref().unwrap_or(DEFAULT_PATH)
        );
        Ok(DefinedRoute {
            method,
            path,
            integration,
            auth: security::requested(&declared["security"], auth),
            validation,
            origin: format!("{}: {shown}", self.origin),
        })
    }

    /// A list of parameters, each `$ref` resolved.
    fn parameters(&self, declared: &Value) -> anyhow::Result<Vec<Parameter>> {
        let mut parameters = Vec::new();
        for (index, parameter) in declared.as_array().into_iter().flatten().enumerate() {
            let parameter = lenient_parameter(self.resolved(parameter)?);
            let parameter = serde_json::from_value(parameter)
                .with_context(|| format!("parameters[{index}]"))?;
            parameters.push(parameter);
        }
        Ok(parameters)
    }

    /// `value`, or what its `$ref` points to in the document.
    fn resolved<'v>(&'v self, value: &'v Value) -> anyhow::Result<&'v Value> {
        let Some(reference) = value["$ref"].as_str() else {
            return Ok(value);
        };
        let pointer = reference
            .strip_prefix('#')
            .with_context(|| format!("$ref {reference:?} is not in the document"))?;
        self.document
            .pointer(pointer)
            .with_context(|| format!("$ref {reference:?} points to nothing"))
    }
}

fn location(parameter: &Parameter) -> &'static str {
    match parameter {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

/// `operation` with the `responses` OpenAPI requires and API Gateway does not, and each of its
/// parameters as [`lenient_parameter`] makes it.
pub fn lenient_operation(operation: &Value) -> anyhow::Result<Value> {
    let Value::Object(fields) = operation else {
        bail!("an operation is not a map");
    };
    let mut fields = fields.clone();
    if let Some(Value::Array(parameters)) = fields.get_mut("parameters") {
        for parameter in parameters {
            *parameter = lenient_parameter(parameter);
        }
    }
    fields
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()));
    Ok(Value::Object(fields))
}

/// `parameter` with the `schema` OpenAPI requires (or its `content`) and API Gateway does not;
/// a `$ref` as it is.
pub fn lenient_parameter(parameter: &Value) -> Value {
    let mut parameter = parameter.clone();
    if let Value::Object(fields) = &mut parameter
        && !fields.contains_key("$ref")
        && !fields.contains_key("schema")
        && !fields.contains_key("content")
    {
        fields.insert("schema".into(), Value::Object(Map::new()));
    }
    parameter
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::serve::api_kind::PayloadFormat;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Users/invocations";

    fn integration() -> Value {
        json!({ "type": "aws_proxy", "httpMethod": "POST", "uri": URI, "payloadFormatVersion": "2.0" })
    }

    fn read(document: Value, kind: ApiKind) -> anyhow::Result<Defined> {
        Definition::read(
            document,
            "Api.DefinitionBody".into(),
            kind,
            &ApiAuth::default(),
        )
    }

    #[test]
    fn each_path_and_method_is_a_route_with_its_function() {
        let defined = read(
            json!({
                "openapi": "3.0.1",
                "info": { "title": "t", "version": "1" },
                "paths": {
                    "/users/{id}": {
                        "parameters": [{ "name": "id", "in": "path", "required": true }],
                        "get": { "x-amazon-apigateway-integration": integration() },
                        "x-amazon-apigateway-any-method": { "x-amazon-apigateway-integration": integration() },
                    },
                    "/files/{proxy+}": { "put": { "x-amazon-apigateway-integration": integration() } },
                    "x-ignored": {},
                },
            }),
            ApiKind::Rest,
        )
        .unwrap();
        let routes: Vec<(Option<&str>, Option<&str>)> = defined
            .routes
            .iter()
            .map(|route| (route.method.as_deref(), route.path.as_deref()))
            .collect();
        assert_eq!(
            routes,
            [
                (Some("PUT"), Some("/files/{proxy+}")),
                (Some("GET"), Some("/users/{id}")),
                (None, Some("/users/{id}")),
            ]
        );
        assert_eq!(
            defined.routes[1].integration,
            Some(Integration::Lambda {
                function: "Users".into(),
                payload: PayloadFormat::V1,
                invoke_mode: None,
            })
        );
        assert_eq!(
            defined.routes[1].origin,
            "Api.DefinitionBody: GET /users/{id}"
        );
    }

    #[test]
    fn an_http_api_has_a_default_route_and_routes_without_integrations() {
        let defined = read(
            json!({
                "openapi": "3.0",
                "paths": {
                    "$default": { "x-amazon-apigateway-any-method": { "x-amazon-apigateway-integration": integration() } },
                    "/bare": { "get": { "responses": {} } },
                },
                "x-amazon-apigateway-request-validators": { "v": { "validateRequestBody": true } },
            }),
            ApiKind::Http,
        )
        .unwrap();
        assert_eq!(defined.routes[0].path, None);
        assert_eq!(defined.routes[1].integration, None);
        assert!(
            defined.notes[0].contains("no request validators"),
            "{:?}",
            defined.notes
        );
    }

    #[test]
    fn what_api_gateway_refuses_is_an_error_naming_where() {
        let error = |document: Value| format!("{:#}", read(document, ApiKind::Rest).unwrap_err());
        let newer = error(json!({ "openapi": "3.1.0", "paths": {} }));
        assert!(
            newer.contains("Api.DefinitionBody") && newer.contains("3.1.0"),
            "{newer}"
        );
        let swagger = error(json!({ "swagger": "2.0", "paths": {} }));
        assert!(swagger.contains("Swagger 2.0"), "{swagger}");
        let no_integration = error(json!({ "openapi": "3.0.0", "paths": { "/x": { "get": {} } } }));
        assert!(
            no_integration.contains("paths./x") && no_integration.contains("in get"),
            "{no_integration}"
        );
        let relative = error(json!({ "openapi": "3.0.0", "paths": { "x": {} } }));
        assert!(relative.contains("must start with /"), "{relative}");
        let trace = error(json!({ "openapi": "3.0.0", "paths": { "/x": { "trace": {} } } }));
        assert!(trace.contains("TRACE"), "{trace}");
        let reference = error(json!({
            "openapi": "3.0.0",
            "paths": { "/x": { "get": {
                "parameters": [{ "$ref": "#/components/parameters/missing" }],
                "x-amazon-apigateway-integration": integration(),
            } } },
        }));
        assert!(reference.contains("points to nothing"), "{reference}");
    }

    #[test]
    fn a_validated_operation_resolves_its_body_and_parameters() {
        let defined = read(
            json!({
                "openapi": "3.0.0",
                "x-amazon-apigateway-request-validators": {
                    "all": { "validateRequestBody": true, "validateRequestParameters": true },
                },
                "x-amazon-apigateway-request-validator": "all",
                "components": {
                    "parameters": { "Trace": { "name": "x-trace", "in": "header", "required": true } },
                    "requestBodies": { "User": { "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/User" },
                    } } } },
                    "schemas": { "User": { "type": "object", "required": ["name"] } },
                },
                "paths": { "/users": { "post": {
                    "parameters": [{ "$ref": "#/components/parameters/Trace" }],
                    "requestBody": { "$ref": "#/components/requestBodies/User" },
                    "x-amazon-apigateway-integration": integration(),
                } } },
            }),
            ApiKind::Rest,
        )
        .unwrap();
        let validation = defined.routes[0].validation.as_ref().unwrap();
        assert_eq!(validation.parameters[0].name, "x-trace");
        assert_eq!(
            validation.bodies,
            [(
                "application/json".to_owned(),
                json!({ "$ref": "#/components/schemas/User" })
            )]
        );
        assert!(validation.components["schemas"]["User"].is_object());
    }
}
