//! `bootstrap openapi`: one API of a SAM template as an OpenAPI 3.0 document, as
//! `aws apigateway get-export --parameters extensions='integrations'` (REST) or
//! `aws apigatewayv2 export-api --output-type JSON` (HTTP) gives it: each route, from the API's
//! definition or its functions' events, with its path parameters declared and its
//! `x-amazon-apigateway-integration`. An operation of the definition keeps what it declares
//! (request body, parameters, validator, security); the document keeps its components and
//! `x-amazon-apigateway-*` extensions.
//!
//! The function a route invokes is named as `serve` names it: its logical id in a Lambda ARN of
//! the local account, qualified by its `AutoPublishAlias`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use openapiv3::{
    Info, OpenAPI, Operation, Parameter, ParameterData, ParameterSchemaOrContent, PathItem,
    ReferenceOr, Response, Schema, SchemaData, SchemaKind, StatusCode, StringType, Type,
};
use serde_json::{Map, Value, json};

use super::api_kind::{ApiKind, PayloadFormat};
use super::template::intrinsics::LOCAL_ACCOUNT_ID;
use super::template::openapi::{
    ANY_METHOD, DEFAULT_PATH, integration, lenient_operation, lenient_parameter,
};
use super::template::{Api, DefinedBy, Route, Template};
use super::{pairs, region};
use crate::pipeline::InvokeMode;
use crate::settings::{Environment, Settings};

/// The OpenAPI version of the export, as API Gateway's.
const OPENAPI_VERSION: &str = "3.0.1";

/// `bootstrap openapi`'s command line.
#[derive(Debug, clap::Args)]
pub struct ExportOptions {
    /// The SAM template.
    #[arg(long)]
    pub template: PathBuf,
    /// The API to export: its logical id (e.g. `ServerlessRestApi`, `UsersApi`).
    #[arg(long)]
    pub api: String,
    /// A template parameter's value, NAME=VALUE (repeatable), over its default.
    #[arg(long = "parameter")]
    pub parameters: Vec<String>,
}

/// Prints the API `options` names as OpenAPI 3.0 JSON.
pub fn run(env: &Environment, options: &ExportOptions) -> anyhow::Result<()> {
    let settings = Settings::read(env)?;
    let region = region(&settings);
    let parameters = pairs(&options.parameters, "--parameter")?;
    let template = Template::read(&options.template, &parameters, &region)?;
    let api = template.api(&options.api)?;
    let document = document(&template, api, &region)?;
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

/// `api` of `template` as an OpenAPI 3.0 document, its functions in `region`.
pub fn document(template: &Template, api: &Api, region: &str) -> anyhow::Result<Value> {
    let defined = api
        .definition
        .as_ref()
        .map(|definition| &definition.document);
    let info = match defined.map(|document| &document["info"]) {
        Some(info @ Value::Object(_)) => serde_json::from_value(info.clone()).context("info")?,
        _ => Info {
            title: api.id.clone(),
            version: "1.0".to_owned(),
            ..Info::default()
        },
    };
    let mut openapi = OpenAPI {
        openapi: OPENAPI_VERSION.to_owned(),
        info,
        ..OpenAPI::default()
    };
    for route in &api.routes {
        let key = route.path.as_deref().unwrap_or(DEFAULT_PATH);
        let entry = openapi
            .paths
            .paths
            .entry(key.to_owned())
            .or_insert_with(|| ReferenceOr::Item(PathItem::default()));
        if let ReferenceOr::Item(item) = entry
            && item.parameters.is_empty()
            && let Some(shared) = defined.map(|document| &document["paths"][key]["parameters"])
            && let Value::Array(shared) = shared
        {
            for parameter in shared {
                let parameter = serde_json::from_value(lenient_parameter(parameter))
                    .with_context(|| format!("paths.{key}.parameters"))?;
                item.parameters.push(parameter);
            }
        }
        let ReferenceOr::Item(item) = entry else {
            bail!("{key}: a path item $ref");
        };
        let operation = operation(template, api, route, defined, region)
            .with_context(|| format!("in {}", route.origin))?;
        match method_of(route) {
            None => {
                let operation = serde_json::to_value(operation)?;
                item.extensions.insert(ANY_METHOD.to_owned(), operation);
            }
            Some(method) => *slot(item, method)? = Some(operation),
        }
    }
    for (key, item) in &mut openapi.paths.paths {
        if let ReferenceOr::Item(item) = item {
            declare_path_parameters(key, item, defined);
        }
    }
    let mut document = serde_json::to_value(openapi)?;
    // The definition's components and extensions (validators, binary media types, CORS,
    // gateway responses) are the API's as much as its paths are.
    if let Some(Value::Object(fields)) = defined {
        for (key, value) in fields {
            if key == "components" || key.starts_with("x-") {
                document[key] = value.clone();
            }
        }
    }
    Ok(document)
}

/// The operation of `route`: its definition's own, else one for its event; with the
/// integration it has in `api` (its event's, when an event declares it).
fn operation(
    template: &Template,
    api: &Api,
    route: &Route,
    defined: Option<&Value>,
    region: &str,
) -> anyhow::Result<Operation> {
    // An event merged over an operation (SAM's `MergeDefinitions`) keeps the operation's keys.
    let own = match defined {
        Some(document) => {
            let key = route.path.as_deref().unwrap_or(DEFAULT_PATH);
            let method = method_of(route).map_or(ANY_METHOD.to_owned(), str::to_ascii_lowercase);
            match &document["paths"][key][method] {
                Value::Null => Value::Object(Map::new()),
                operation => operation.clone(),
            }
        }
        None => Value::Object(Map::new()),
    };
    let mut operation: Operation = serde_json::from_value(lenient_operation(&own)?)?;
    if operation.responses.default.is_none() && operation.responses.responses.is_empty() {
        // OpenAPI requires a response; API Gateway's export names the proxy's pass-through.
        let passed = Response {
            description: "200 response".to_owned(),
            ..Response::default()
        };
        operation
            .responses
            .responses
            .insert(StatusCode::Code(200), ReferenceOr::Item(passed));
    }
    let integration = match own.get(integration::EXTENSION) {
        Some(declared) if route.defined_by == DefinedBy::Definition => declared.clone(),
        _ => {
            // SAM points an event's integration at the function's alias when it publishes one.
            let alias = template
                .functions
                .iter()
                .find(|function| function.id == route.function)
                .and_then(|function| function.alias.as_deref());
            let qualified = match alias {
                Some(alias) => format!("{}:{alias}", route.function),
                None => route.function.clone(),
            };
            proxy_integration(api.kind, &qualified, route, region)
        }
    };
    operation
        .extensions
        .insert(integration::EXTENSION.to_owned(), integration);
    Ok(operation)
}

/// The `aws_proxy` integration that invokes `function` (a name, qualified or not) for `route`:
/// with its payload format, and as SAM writes a REST integration that streams (Lambda's
/// response-streaming invocation and `responseTransferMode: STREAM`).
fn proxy_integration(kind: ApiKind, function: &str, route: &Route, region: &str) -> Value {
    let function_arn = format!("arn:aws:lambda:{region}:{LOCAL_ACCOUNT_ID}:function:{function}");
    let streams = route.invoke_mode == Some(InvokeMode::ResponseStream);
    let uri = if streams {
        format!(
            "arn:aws:apigateway:{region}:lambda:path/2021-11-15/functions/{function_arn}/response-streaming-invocations"
        )
    } else {
        format!(
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        )
    };
    match kind {
        ApiKind::Rest => {
            let mut integration = json!({
                "type": "aws_proxy",
                "httpMethod": "POST",
                "uri": uri,
                "passthroughBehavior": "when_no_match",
            });
            if streams {
                integration["responseTransferMode"] = json!("STREAM");
            }
            integration
        }
        ApiKind::Http => json!({
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": uri,
            "payloadFormatVersion": match route.payload {
                PayloadFormat::V1 => "1.0",
                PayloadFormat::V2 => "2.0",
            },
        }),
    }
}

/// The method of `route`; `None` for every method (`ANY`).
fn method_of(route: &Route) -> Option<&str> {
    route
        .method
        .as_deref()
        .filter(|method| !method.eq_ignore_ascii_case("ANY"))
}

/// The operation slot of `method` in `item`.
fn slot<'a>(item: &'a mut PathItem, method: &str) -> anyhow::Result<&'a mut Option<Operation>> {
    Ok(match method.to_ascii_uppercase().as_str() {
        "GET" => &mut item.get,
        "PUT" => &mut item.put,
        "POST" => &mut item.post,
        "DELETE" => &mut item.delete,
        "OPTIONS" => &mut item.options,
        "HEAD" => &mut item.head,
        "PATCH" => &mut item.patch,
        other => bail!("{other} is not a method API Gateway has"),
    })
}

/// Declares on the path item at `key` each `{name}` and `{name+}` of the path that it does not
/// declare itself, as a required string path parameter: OpenAPI requires each template
/// expression of a path declared, by its name as written (`proxy+` for a greedy `{proxy+}`).
/// `$ref`s are resolved in `defined`, the definition.
fn declare_path_parameters(key: &str, item: &mut PathItem, defined: Option<&Value>) {
    let declared: Vec<String> = item
        .parameters
        .iter()
        .filter_map(|parameter| match parameter {
            ReferenceOr::Item(parameter @ Parameter::Path { .. }) => {
                Some(parameter.parameter_data_ref().name.clone())
            }
            ReferenceOr::Item(_) => None,
            ReferenceOr::Reference { reference } => {
                let found = defined?.pointer(reference.strip_prefix('#')?)?;
                (found["in"] == "path").then(|| found["name"].as_str().map(str::to_owned))?
            }
        })
        .collect();
    for name in template_expressions(key) {
        let greedy = name.strip_suffix('+').unwrap_or(&name);
        if !declared.iter().any(|have| have == &name || have == greedy) {
            item.parameters.push(path_parameter(name));
        }
    }
}

/// The template expressions of `path`, as written inside their braces: `id`, `proxy+`.
fn template_expressions(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// A required string path parameter `name`.
fn path_parameter(name: String) -> ReferenceOr<Parameter> {
    let schema = Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Type(Type::String(StringType::default())),
    };
    ReferenceOr::Item(Parameter::Path {
        parameter_data: ParameterData {
            name,
            description: None,
            required: true,
            deprecated: None,
            format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)),
            example: None,
            examples: Default::default(),
            explode: None,
            extensions: Default::default(),
        },
        style: Default::default(),
    })
}
