//! The template model of `serve --template` against the real SAM translator (`samtranslator`, the
//! SAM CLI's, from the project's .venv): for `template.yaml` and the authorizer fixture, every
//! route SAM generates is a route of the model, on the same API, behind the same authorizer with
//! the same scopes; and each authorizer has SAM's kind, identity sources and cache TTL. For
//! `template.yaml`, the deployment SAM generates: each function's alias, shifted by CodeDeploy
//! and rolled back by its alarm, and every API integration on an alias.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_wasm_host::serve::template::Template;
use lambda_wasm_host::serve::template::auth::{Authorizer, IdentitySource, LambdaAuthorizerKind};
use serde_json::{Value, json};

/// Transforms the template at argv[1] into `out`, as `sam deploy` would (its code in S3), for the
/// report that follows it to print.
const TRANSFORM: &str = r#"
import json, sys
from samtranslator.yaml_helper import yaml_parse
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

template = yaml_parse(open(sys.argv[1]).read())
for resource in template["Resources"].values():
    properties = resource.get("Properties", {})
    for uri in ("CodeUri", "ContentUri"):
        if uri in properties:
            properties[uri] = "s3://bucket/key"
out = transform(template, {}, NoManagedPolicies())
"#;

/// After [`TRANSFORM`], prints, per API resource, its routes
/// (`method path` -> the authorizer name and scopes, or null) and its authorizers.
const TRANSLATE: &str = r#"
apis = {}
for logical_id, resource in out["Resources"].items():
    if resource["Type"] not in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        continue
    body = resource["Properties"]["Body"]
    schemes = body.get("securityDefinitions") or body.get("components", {}).get("securitySchemes", {})
    routes = {}
    for path, methods in body.get("paths", {}).items():
        for method, operation in methods.items():
            if method == "options" and "x-amazon-apigateway-integration" in operation and operation["x-amazon-apigateway-integration"].get("type") == "mock":
                continue
            security = [s for s in operation.get("security", []) if list(s)[0] in schemes]
            name, scopes = (list(security[0].items())[0] if security else (None, []))
            routes[f"{method} {path}"] = {"authorizer": name, "scopes": scopes} if name else None
    authorizers = {}
    for name, scheme in schemes.items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer")
        if authorizer is None:
            continue
        identity = authorizer.get("identitySource")
        if isinstance(identity, str):
            identity = [part.strip() for part in identity.split(",") if part.strip()]
        if authorizer["type"] == "token":
            identity = [f"method.request.header.{scheme['name']}"]
        authorizers[name] = {
            "type": authorizer["type"],
            "ttl": authorizer.get("authorizerResultTtlInSeconds"),
            "identity": identity or [],
            "simple": authorizer.get("enableSimpleResponses", False),
            "payload": authorizer.get("authorizerPayloadFormatVersion"),
        }
    apis[logical_id] = {"routes": routes, "authorizers": authorizers}
print(json.dumps(apis))
"#;

fn python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python")
}

/// What the SAM translator makes of the template at `path`: routes and authorizers.
fn translated(path: &Path) -> Value {
    transformed(TRANSLATE, path)
}

/// `report`'s output, after [`TRANSFORM`] of the template at `path`.
fn transformed(report: &str, path: &Path) -> Value {
    let output = Command::new(python())
        .arg("-c")
        .arg(format!("{TRANSFORM}{report}"))
        .arg(path)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("running the SAM translator from .venv (`make .venv/.tools`)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The same from the model: per API, each route and each authorizer.
fn modelled(path: &Path) -> Value {
    let template = Template::read(path, &[], "us-east-1").unwrap();
    let mut apis = BTreeMap::new();
    for api in &template.apis {
        let mut routes = BTreeMap::new();
        let mut authorizers = BTreeMap::new();
        for route in &api.routes {
            let method = match route.method.as_deref().map(str::to_ascii_lowercase) {
                None => "x-amazon-apigateway-any-method".to_owned(),
                Some(method) if method == "any" => "x-amazon-apigateway-any-method".to_owned(),
                Some(method) => method,
            };
            let path = route.path.clone().unwrap_or_else(|| "$default".to_owned());
            let auth = route.auth.as_ref().and_then(|auth| match &auth.authorizer {
                Authorizer::NotEmulated(_) => None,
                _ => Some(json!({ "authorizer": auth.name, "scopes": auth.scopes })),
            });
            routes.insert(format!("{method} {path}"), auth.unwrap_or(Value::Null));
            if let Some(auth) = &route.auth {
                authorizers.insert(auth.name.clone(), describe(api.kind, &auth.authorizer));
            }
        }
        apis.insert(
            api.id.clone(),
            json!({ "routes": routes, "authorizers": authorizers }),
        );
    }
    serde_json::to_value(apis).unwrap()
}

fn describe(kind: lambda_wasm_host::serve::api_kind::ApiKind, authorizer: &Authorizer) -> Value {
    use lambda_wasm_host::serve::api_kind::ApiKind;
    let source = |source: &IdentitySource| {
        let (rest, http, name) = match source {
            IdentitySource::Header(name) => ("method.request.header.", "$request.header.", name),
            IdentitySource::Query(name) => {
                ("method.request.querystring.", "$request.querystring.", name)
            }
            IdentitySource::Context(name) => ("context.", "$context.", name),
            IdentitySource::StageVariable(name) => ("stageVariables.", "$stageVariables.", name),
        };
        match kind {
            ApiKind::Rest => format!("{rest}{name}"),
            ApiKind::Http => format!("{http}{name}"),
        }
    };
    match authorizer {
        Authorizer::Jwt(jwt) => json!({ "type": "jwt", "identity": [source(&jwt.identity)] }),
        Authorizer::Lambda(lambda) => json!({
            "type": match lambda.kind {
                LambdaAuthorizerKind::Token { .. } => "token",
                LambdaAuthorizerKind::Request => "request",
            },
            "ttl": lambda.ttl.as_secs(),
            "identity": lambda.identity.iter().map(source).collect::<Vec<_>>(),
            "simple": lambda.simple_responses,
        }),
        Authorizer::NotEmulated(kind) => json!({ "type": kind }),
    }
}

fn compare(path: &Path) {
    let sam = translated(path);
    let ours = modelled(path);
    let ours = ours.as_object().unwrap();
    let mut routes = 0;
    for (api, generated) in sam.as_object().unwrap() {
        let model = ours
            .get(api)
            .unwrap_or_else(|| panic!("{api}: SAM generates it, the model lacks it: {ours:?}"));
        for (route, auth) in generated["routes"].as_object().unwrap() {
            routes += 1;
            assert_eq!(
                &model["routes"][route],
                auth,
                "{}: {api} {route}",
                path.display()
            );
        }
        assert_eq!(
            generated["routes"].as_object().unwrap().len(),
            model["routes"].as_object().unwrap().len(),
            "{api}: the same routes"
        );
        for (name, authorizer) in model["authorizers"].as_object().unwrap() {
            let generated = &generated["authorizers"][name];
            assert_eq!(generated["type"], authorizer["type"], "{api}.{name}");
            assert_eq!(
                generated["identity"], authorizer["identity"],
                "{api}.{name}"
            );
            if authorizer["type"] != "jwt" {
                // SAM leaves the TTL to API Gateway's default when ReauthorizeEvery is unset.
                if !generated["ttl"].is_null() {
                    assert_eq!(generated["ttl"], authorizer["ttl"], "{api}.{name}");
                }
                assert_eq!(generated["simple"], authorizer["simple"], "{api}.{name}");
            }
        }
    }
    assert_eq!(sam.as_object().unwrap().len(), ours.len(), "the same APIs");
    assert!(routes > 0);
}

#[test]
fn the_projects_template_has_the_routes_and_authorizers_sam_generates() {
    compare(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"));
}

#[test]
fn the_authorizer_fixture_has_the_routes_and_authorizers_sam_generates() {
    compare(&common::fixture("auth-template.yaml"));
}

/// After [`TRANSFORM`], prints what a deployment does: each alias with its
/// update policy, each CodeDeploy deployment group, each CloudWatch alarm, and each Lambda
/// integration's and authorizer's URI, by API and route.
const DEPLOYMENT: &str = r#"
report = {"aliases": {}, "groups": {}, "alarms": {}, "uris": {}}
for logical_id, resource in out["Resources"].items():
    kind, properties = resource["Type"], resource.get("Properties", {})
    if kind == "AWS::Lambda::Alias":
        report["aliases"][logical_id] = {"properties": properties, "update": resource.get("UpdatePolicy")}
    elif kind == "AWS::CodeDeploy::DeploymentGroup":
        report["groups"][logical_id] = properties
    elif kind == "AWS::CloudWatch::Alarm":
        report["alarms"][logical_id] = properties
    elif kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        body = properties["Body"]
        for path, methods in body.get("paths", {}).items():
            for method, operation in methods.items():
                integration = operation.get("x-amazon-apigateway-integration", {})
                if integration.get("type") == "aws_proxy":
                    report["uris"][f"{logical_id} {method} {path}"] = integration["uri"]
        schemes = body.get("securityDefinitions") or body.get("components", {}).get("securitySchemes", {})
        for name, scheme in schemes.items():
            authorizer = scheme.get("x-amazon-apigateway-authorizer")
            if authorizer and "authorizerUri" in authorizer:
                report["uris"][f"{logical_id} authorizer {name}"] = authorizer["authorizerUri"]
print(json.dumps(report))
"#;

#[test]
fn the_projects_functions_roll_out_by_canary_behind_their_alias() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let report = transformed(DEPLOYMENT, &path);
    let template = Template::read(&path, &[], "us-east-1").unwrap();
    assert!(template.functions.len() >= 5);
    for function in &template.functions {
        let id = &function.id;
        let alias = &report["aliases"][format!("{id}Aliaslive")];
        assert_eq!(alias["properties"]["Name"], "live", "{id}: {report:#}");
        assert_eq!(alias["properties"]["FunctionName"], json!({ "Ref": id }));
        let group = format!("{id}DeploymentGroup");
        assert_eq!(
            alias["update"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"],
            json!({ "Ref": group }),
            "{id}: CodeDeploy shifts the alias"
        );
        let deployment = &report["groups"][&group];
        let alarm = format!("{id}Errors");
        assert_eq!(
            deployment["AlarmConfiguration"],
            json!({ "Enabled": true, "Alarms": [{ "Name": { "Ref": alarm } }] }),
            "{id}"
        );
        assert_eq!(
            deployment["DeploymentConfigName"]["Fn::Sub"][1]["ConfigName"],
            "Canary10Percent5Minutes",
            "{id}"
        );
        let rollback = deployment["AutoRollbackConfiguration"]["Events"]
            .as_array()
            .unwrap();
        assert!(
            rollback.contains(&json!("DEPLOYMENT_STOP_ON_ALARM")),
            "{id}"
        );
        // The alarm watches the errors of the alias's new version.
        let watched = &report["alarms"][&alarm];
        assert_eq!(watched["MetricName"], "Errors", "{id}");
        let dimensions = watched["Dimensions"].as_array().unwrap();
        assert!(
            dimensions.contains(
                &json!({ "Name": "Resource", "Value": { "Fn::Sub": format!("${{{id}}}:live") } })
            ),
            "{id}: {dimensions:?}"
        );
    }
    // Every API integration and authorizer calls an alias, never the unqualified function.
    let uris = report["uris"].as_object().unwrap();
    assert!(uris.len() >= 7, "{uris:?}");
    for (route, uri) in uris {
        let text = uri.to_string();
        assert!(
            text.contains("Aliaslive") && !text.contains(".Arn"),
            "{route}: {uri}"
        );
    }
}
