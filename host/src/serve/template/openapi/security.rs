//! Authorization in an OpenAPI definition, as SAM and API Gateway read it: the document's own
//! authorizers (its security schemes with `x-amazon-apigateway-authorizer`), and what one
//! operation's `security` asks for (the first requirement that names an authorizer, with its
//! scopes; `NONE`, SAM's marker for no authorizer; else the API's `DefaultAuthorizer`).
//! Requirements naming no authorizer (API keys) are left to API Gateway: `serve` does not check
//! them.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::serve::api_kind::ApiKind;
use crate::serve::template::auth::{
    ApiAuth, Authorizer, AuthorizerPayload, IdentitySource, JwtAuthorizer, LambdaAuthorizer,
    LambdaAuthorizerKind, REST_DEFAULT_TTL, RouteAuth, function_named, ttl_of,
};

/// The extension that makes a security scheme an authorizer.
const AUTHORIZER: &str = "x-amazon-apigateway-authorizer";

/// The authorizers `document`'s security schemes declare, on an API of `kind`.
pub fn authorizers(
    document: &Value,
    kind: ApiKind,
) -> anyhow::Result<BTreeMap<String, Authorizer>> {
    let mut authorizers = BTreeMap::new();
    let schemes = &document["components"]["securitySchemes"];
    for (name, scheme) in schemes.as_object().into_iter().flatten() {
        let declared = &scheme[AUTHORIZER];
        if declared.is_null() {
            continue;
        }
        let authorizer = match kind {
            ApiKind::Rest => rest(scheme, declared),
            ApiKind::Http => http(declared),
        }
        .with_context(|| format!("components.securitySchemes.{name}.{AUTHORIZER}"))?;
        authorizers.insert(name.clone(), authorizer);
    }
    Ok(authorizers)
}

/// What an operation's `security` asks of its route in an API whose authorizers are `auth`'s.
pub fn requested(security: &Value, auth: &ApiAuth) -> RouteAuth {
    let requirements = security.as_array().map(Vec::as_slice).unwrap_or_default();
    let named = |wanted: &dyn Fn(&str) -> bool| {
        requirements.iter().find_map(|requirement| {
            let (name, scopes) = requirement.as_object()?.iter().next()?;
            wanted(name).then(|| (name.clone(), scopes))
        })
    };
    if let Some((name, scopes)) =
        named(&|name| name == "AWS_IAM" || auth.authorizers.contains_key(name))
    {
        let scopes: Vec<String> = scopes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|scope| scope.as_str().map(str::to_owned))
            .collect();
        return RouteAuth {
            authorizer: Some(name),
            scopes: (!scopes.is_empty()).then_some(scopes),
        };
    }
    RouteAuth {
        authorizer: named(&|name| name == "NONE").map(|(name, _)| name),
        scopes: None,
    }
}

/// A REST API authorizer: `token` (its header the scheme's `name`), `request`, or
/// `cognito_user_pools` (not emulated).
fn rest(scheme: &Value, declared: &Value) -> anyhow::Result<Authorizer> {
    let kind = text(declared, "type")?.to_ascii_lowercase();
    if kind == "cognito_user_pools" {
        return Ok(Authorizer::NotEmulated("Cognito user pools"));
    }
    let ttl = ttl(declared)?.unwrap_or(REST_DEFAULT_TTL);
    let (kind, identity) = match kind.as_str() {
        "token" => {
            let header = match (declared["identitySource"].as_str(), scheme["name"].as_str()) {
                (Some(source), _) => match IdentitySource::parse(source)? {
                    IdentitySource::Header(header) => header,
                    _ => bail!("a token authorizer's identitySource must be a header"),
                },
                (None, Some(header)) => header.to_owned(),
                (None, None) => "Authorization".to_owned(),
            };
            let validation = declared["identityValidationExpression"]
                .as_str()
                .map(str::to_owned);
            (
                LambdaAuthorizerKind::token(validation).context("identityValidationExpression")?,
                vec![IdentitySource::Header(header)],
            )
        }
        "request" => (LambdaAuthorizerKind::Request, sources(declared)?),
        other => bail!("type {other:?} is none of token, request, cognito_user_pools"),
    };
    Ok(Authorizer::Lambda(LambdaAuthorizer {
        function: function(declared)?,
        kind,
        payload: AuthorizerPayload::V1,
        simple_responses: false,
        identity,
        ttl,
    }))
}

/// An HTTP API authorizer: `jwt` or `request`.
fn http(declared: &Value) -> anyhow::Result<Authorizer> {
    match text(declared, "type")?.to_ascii_lowercase().as_str() {
        "jwt" => {
            let jwt = &declared["jwtConfiguration"];
            let issuer = text(jwt, "issuer")?;
            crate::serve::auth::jwt::check_issuer(&issuer)?;
            let identity = sources(declared)?
                .into_iter()
                .next()
                .context("a JWT authorizer needs an identitySource")?;
            Ok(Authorizer::Jwt(JwtAuthorizer {
                issuer,
                audiences: strings(&jwt["audience"])?,
                identity,
                scopes: Vec::new(),
            }))
        }
        "request" => {
            let payload = match declared["authorizerPayloadFormatVersion"].as_str() {
                Some("1.0") => AuthorizerPayload::V1,
                Some("2.0") => AuthorizerPayload::V2,
                _ => bail!("authorizerPayloadFormatVersion must be 1.0 or 2.0"),
            };
            let simple_responses = declared["enableSimpleResponses"].as_bool() == Some(true);
            if simple_responses && payload == AuthorizerPayload::V1 {
                bail!("enableSimpleResponses needs authorizerPayloadFormatVersion 2.0");
            }
            let identity = sources(declared)?;
            let ttl = match identity.is_empty() {
                true => Duration::ZERO,
                false => ttl(declared)?.unwrap_or(Duration::ZERO),
            };
            Ok(Authorizer::Lambda(LambdaAuthorizer {
                function: function(declared)?,
                kind: LambdaAuthorizerKind::Request,
                payload,
                simple_responses,
                identity,
                ttl,
            }))
        }
        other => bail!("type {other:?} is neither jwt nor request"),
    }
}

/// The function `authorizerUri` invokes.
fn function(declared: &Value) -> anyhow::Result<String> {
    let uri = text(declared, "authorizerUri")?;
    function_named(&uri).with_context(|| format!("authorizerUri {uri:?} names no function"))
}

/// `identitySource`: a comma-separated string, or on an HTTP API a list.
fn sources(declared: &Value) -> anyhow::Result<Vec<IdentitySource>> {
    let expressions: Vec<String> = match &declared["identitySource"] {
        Value::String(joined) => joined
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect(),
        list @ Value::Array(_) => strings(list)?,
        Value::Null => Vec::new(),
        _ => bail!("identitySource is neither text nor a list"),
    };
    expressions
        .iter()
        .map(|expression| IdentitySource::parse(expression))
        .collect()
}

fn ttl(declared: &Value) -> anyhow::Result<Option<Duration>> {
    match &declared["authorizerResultTtlInSeconds"] {
        Value::Null => Ok(None),
        Value::Number(seconds) => ttl_of(&seconds.to_string()).map(Some),
        Value::String(seconds) => ttl_of(seconds).map(Some),
        _ => bail!("authorizerResultTtlInSeconds is not a number"),
    }
    .context("authorizerResultTtlInSeconds")
}

fn text(value: &Value, key: &str) -> anyhow::Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{key} is missing or not text"))
}

fn strings(value: &Value) -> anyhow::Result<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(one) => Ok(vec![one.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .context("expected a list of strings"),
        _ => bail!("expected a list of strings"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations";

    #[test]
    fn a_rest_token_scheme_reads_its_header_expression_and_ttl() {
        let document = json!({ "components": { "securitySchemes": {
            "Keys": {
                "type": "apiKey", "name": "X-Key", "in": "header",
                "x-amazon-apigateway-authorizer": {
                    "type": "token", "authorizerUri": URI,
                    "identityValidationExpression": "^k-.*$", "authorizerResultTtlInSeconds": 60,
                },
            },
            "api_key": { "type": "apiKey", "name": "x-api-key", "in": "header" },
        }}});
        let authorizers = authorizers(&document, ApiKind::Rest).unwrap();
        assert_eq!(authorizers.len(), 1, "an API key scheme is no authorizer");
        let Authorizer::Lambda(lambda) = &authorizers["Keys"] else {
            panic!("{authorizers:?}")
        };
        assert_eq!(lambda.function, "Auth");
        assert_eq!(lambda.identity, [IdentitySource::Header("X-Key".into())]);
        assert_eq!(lambda.ttl, Duration::from_secs(60));
        assert_eq!(
            lambda.kind,
            LambdaAuthorizerKind::Token {
                validation: Some("^k-.*$".into())
            }
        );
    }

    #[test]
    fn http_schemes_are_jwt_or_request_authorizers() {
        let document = json!({ "components": { "securitySchemes": {
            "Jwt": { "type": "oauth2", "x-amazon-apigateway-authorizer": {
                "type": "jwt", "identitySource": "$request.header.Authorization",
                "jwtConfiguration": { "issuer": "https://issuer.example.com", "audience": ["app"] },
            }},
            "Lambda": { "type": "apiKey", "name": "x", "in": "header", "x-amazon-apigateway-authorizer": {
                "type": "request", "authorizerUri": URI, "authorizerPayloadFormatVersion": "2.0",
                "enableSimpleResponses": true, "identitySource": ["$request.header.x-token"],
                "authorizerResultTtlInSeconds": 30,
            }},
        }}});
        let read = authorizers(&document, ApiKind::Http).unwrap();
        let Authorizer::Jwt(jwt) = &read["Jwt"] else {
            panic!()
        };
        assert_eq!(jwt.audiences, ["app"]);
        let Authorizer::Lambda(lambda) = &read["Lambda"] else {
            panic!()
        };
        assert!(lambda.simple_responses);
        assert_eq!(lambda.ttl, Duration::from_secs(30));
        let bad = json!({ "components": { "securitySchemes": { "B": {
            "x-amazon-apigateway-authorizer": { "type": "request", "authorizerUri": URI },
        }}}});
        let error = format!("{:#}", authorizers(&bad, ApiKind::Http).unwrap_err());
        assert!(
            error.contains("securitySchemes.B") && error.contains("authorizerPayloadFormatVersion"),
            "{error}"
        );
    }

    #[test]
    fn security_names_an_authorizer_with_its_scopes_or_none() {
        let mut auth = ApiAuth::default();
        auth.authorizers
            .insert("Jwt".into(), Authorizer::NotEmulated("test"));
        let requested = |security: Value| requested(&security, &auth);
        assert_eq!(
            requested(json!([{ "api_key": [] }, { "Jwt": ["read"] }])),
            RouteAuth {
                authorizer: Some("Jwt".into()),
                scopes: Some(vec!["read".into()])
            }
        );
        assert_eq!(
            requested(json!([{ "NONE": [] }])).authorizer.as_deref(),
            Some("NONE")
        );
        assert_eq!(requested(json!([{ "api_key": [] }])), RouteAuth::default());
        assert_eq!(requested(Value::Null), RouteAuth::default());
    }
}
