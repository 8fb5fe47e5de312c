//! An API's `Auth` as SAM declares it: its authorizers (JWT, Lambda `TOKEN` and `REQUEST`; the
//! kinds `serve` does not emulate are kept, to be named at start), its `DefaultAuthorizer`, and
//! what one route asks for (`Auth.Authorizer`, `NONE`, `AuthorizationScopes`).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::Value;

use super::intrinsics::Scope;
use crate::serve::api_kind::ApiKind;

/// REST APIs cache a Lambda authorizer's answer for 300 s when `ReauthorizeEvery` is not set
/// (API Gateway's `authorizerResultTtlInSeconds` default).
pub(super) const REST_DEFAULT_TTL: Duration = Duration::from_secs(300);
/// API Gateway caches for an hour at most.
const MAX_TTL_SECONDS: u64 = 3600;

/// Where an authorizer finds the caller's identity: API Gateway's identity sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// A request header (names compared in any case).
    Header(String),
    /// A query string parameter (names compared exactly).
    Query(String),
    /// A context variable (`$context.routeKey`, `context.httpMethod`).
    Context(String),
    /// A stage variable.
    StageVariable(String),
}

impl IdentitySource {
    /// An identity source expression: `$request.header.X` (HTTP APIs), `method.request.header.X`
    /// (REST APIs), and their `querystring`, `$context.`/`context.` and
    /// `$stageVariables.`/`stageVariables.` forms.
    pub fn parse(expression: &str) -> anyhow::Result<Self> {
        let expression = expression.trim();
        let forms: [(&str, Source); 8] = [
            ("$request.header.", Self::Header),
            ("method.request.header.", Self::Header),
            ("$request.querystring.", Self::Query),
            ("method.request.querystring.", Self::Query),
            ("$context.", Self::Context),
            ("context.", Self::Context),
            ("$stageVariables.", Self::StageVariable),
            ("stageVariables.", Self::StageVariable),
        ];
        for (prefix, source) in forms {
            if let Some(name) = expression
                .strip_prefix(prefix)
                .filter(|name| !name.is_empty())
            {
                return Ok(source(name.to_owned()));
            }
        }
        bail!("{expression:?} is not an identity source API Gateway takes")
    }
}

/// Makes an identity source of a name.
type Source = fn(String) -> IdentitySource;

/// Which event a Lambda authorizer gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaAuthorizerKind {
    /// REST API `TOKEN`: one header, optionally matched against `ValidationExpression`.
    Token {
        /// The regular expression the token must match whole, if any.
        validation: Option<String>,
    },
    /// REST API or HTTP API `REQUEST`: the request's parts.
    Request,
}

impl LambdaAuthorizerKind {
    /// A `TOKEN` authorizer whose token must match `validation`, a regular expression.
    pub(super) fn token(validation: Option<String>) -> anyhow::Result<Self> {
        if let Some(expression) = &validation {
            regex::Regex::new(expression)
                .with_context(|| format!("{expression:?} is not a regular expression"))?;
        }
        Ok(Self::Token { validation })
    }
}

/// The payload format version of a Lambda authorizer's event and answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerPayload {
    /// REST API authorizers, and HTTP API ones in format 1.0: an IAM policy answer.
    V1,
    /// HTTP API format 2.0: an IAM policy or, with simple responses, `isAuthorized`.
    V2,
}

/// A Lambda authorizer: a function of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaAuthorizer {
    /// The logical id of the function that decides.
    pub function: String,
    /// `TOKEN` or `REQUEST`.
    pub kind: LambdaAuthorizerKind,
    /// The event's format.
    pub payload: AuthorizerPayload,
    /// Whether the answer is `{"isAuthorized": bool}` (HTTP API, 2.0).
    pub simple_responses: bool,
    /// Where the identity is; a request missing one is refused with 401 before the function
    /// runs.
    pub identity: Vec<IdentitySource>,
    /// How long an answer is reused for the same identity; zero disables the cache.
    pub ttl: Duration,
}

/// A JWT authorizer (HTTP APIs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtAuthorizer {
    /// The issuer (`iss`), whose OpenID discovery names the keys.
    pub issuer: String,
    /// The audiences one of which `aud` (or `client_id`) must name.
    pub audiences: Vec<String>,
    /// Where the token is.
    pub identity: IdentitySource,
    /// The scopes a route using it needs when it names none itself.
    pub scopes: Vec<String>,
}

/// One authorizer of an API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorizer {
    /// A JWT authorizer.
    Jwt(JwtAuthorizer),
    /// A Lambda authorizer.
    Lambda(LambdaAuthorizer),
    /// An authorizer `serve` does not emulate (IAM, Cognito user pools): requests pass, and
    /// the server says so at start.
    NotEmulated(&'static str),
}

/// An API's `Auth`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiAuth {
    /// Its authorizers, by name.
    pub authorizers: BTreeMap<String, Authorizer>,
    /// The authorizer of the routes that name none.
    pub default: Option<String>,
}

/// What an event's `Auth` asks of its route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteAuth {
    /// `None`: the API's default; `Some("NONE")`: no authorizer; else the one named.
    pub authorizer: Option<String>,
    /// The scopes a JWT authorizer requires, over the authorizer's own.
    pub scopes: Option<Vec<String>>,
}

/// The authorizer a route runs behind, and the scopes it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAuthorization {
    /// The authorizer's name in its API.
    pub name: String,
    /// The authorizer.
    pub authorizer: Authorizer,
    /// For a JWT authorizer: the token needs one of these, when there are any.
    pub scopes: Vec<String>,
}

impl RouteAuth {
    /// A route's `Auth`, from its event's properties.
    pub fn read(properties: &Value, scope: &Scope) -> anyhow::Result<Self> {
        let auth = &properties["Auth"];
        Ok(Self {
            authorizer: scope
                .string(&auth["Authorizer"])
                .context("Auth.Authorizer")?,
            scopes: strings(&auth["AuthorizationScopes"], scope)
                .context("Auth.AuthorizationScopes")?,
        })
    }

    /// The authorizer this route runs behind in `api`, if any.
    pub fn resolve(&self, api: &ApiAuth) -> anyhow::Result<Option<RouteAuthorization>> {
        let name = match self.authorizer.as_deref() {
            Some("NONE") => return Ok(None),
            Some(name) => name,
            None => match &api.default {
                Some(name) => name.as_str(),
                None => return Ok(None),
            },
        };
        let authorizer = match (name, api.authorizers.get(name)) {
            (_, Some(authorizer)) => authorizer.clone(),
            ("AWS_IAM", None) => Authorizer::NotEmulated("IAM (AWS_IAM)"),
            (_, None) => bail!("the authorizer {name} is not among the API's Auth.Authorizers"),
        };
        let scopes = match (&self.scopes, &authorizer) {
            (Some(scopes), _) => scopes.clone(),
            (None, Authorizer::Jwt(jwt)) => jwt.scopes.clone(),
            (None, _) => Vec::new(),
        };
        Ok(Some(RouteAuthorization {
            name: name.to_owned(),
            authorizer,
            scopes,
        }))
    }
}

impl ApiAuth {
    /// An API's `Auth` (its own, else `Globals`' `Auth`).
    pub fn read(auth: &Value, kind: ApiKind, scope: &Scope) -> anyhow::Result<Self> {
        let mut authorizers = BTreeMap::new();
        for (name, declared) in auth["Authorizers"].as_object().into_iter().flatten() {
            let authorizer = match kind {
                ApiKind::Rest => rest_authorizer(declared, scope),
                ApiKind::Http => http_authorizer(declared, scope),
            }
            .with_context(|| format!("in Auth.Authorizers.{name}"))?;
            authorizers.insert(name.clone(), authorizer);
        }
        if kind == ApiKind::Http && auth["EnableIamAuthorizer"].as_bool() == Some(true) {
            authorizers.insert(
                "AWS_IAM".to_owned(),
                Authorizer::NotEmulated("IAM (AWS_IAM)"),
            );
        }
        let default = scope
            .string(&auth["DefaultAuthorizer"])
            .context("Auth.DefaultAuthorizer")?;
        if let Some(name) = &default
            && !authorizers.contains_key(name)
            && name != "AWS_IAM"
        {
            bail!("Auth.DefaultAuthorizer {name} is not among Auth.Authorizers");
        }
        Ok(Self {
            authorizers,
            default,
        })
    }
}

/// A REST API authorizer: `FunctionArn` (a Lambda `TOKEN` or `REQUEST` authorizer), or
/// `UserPoolArn` (Cognito, not emulated).
fn rest_authorizer(declared: &Value, scope: &Scope) -> anyhow::Result<Authorizer> {
    if !declared["UserPoolArn"].is_null() {
        return Ok(Authorizer::NotEmulated("Cognito user pools"));
    }
    let function = function_of(declared, scope)?;
    let identity = &declared["Identity"];
    let kind = scope
        .string(&declared["FunctionPayloadType"])?
        .unwrap_or_else(|| "TOKEN".to_owned());
    let ttl = ttl(identity, scope)?.unwrap_or(REST_DEFAULT_TTL);
    let (kind, sources) = match kind.as_str() {
        "TOKEN" => {
            let header = scope
                .string(&identity["Header"])?
                .unwrap_or_else(|| "Authorization".to_owned());
            let validation = scope.string(&identity["ValidationExpression"])?;
            (
                LambdaAuthorizerKind::token(validation).context("Identity.ValidationExpression")?,
                vec![IdentitySource::Header(header)],
            )
        }
        "REQUEST" => {
            let sources = identity_sources(identity, scope)?;
            if sources.is_empty() && !ttl.is_zero() {
                bail!(
                    "a REQUEST authorizer needs Identity with Headers, QueryStrings, \
                     StageVariables or Context (or ReauthorizeEvery: 0)"
                );
            }
            (LambdaAuthorizerKind::Request, sources)
        }
        other => bail!("FunctionPayloadType {other:?} is neither TOKEN nor REQUEST"),
    };
    Ok(Authorizer::Lambda(LambdaAuthorizer {
        function,
        kind,
        payload: AuthorizerPayload::V1,
        simple_responses: false,
        identity: sources,
        ttl,
    }))
}

/// An HTTP API authorizer: `JwtConfiguration` with `IdentitySource`, or `FunctionArn` with
/// `AuthorizerPayloadFormatVersion` (a Lambda `REQUEST` authorizer).
fn http_authorizer(declared: &Value, scope: &Scope) -> anyhow::Result<Authorizer> {
    let jwt = &declared["JwtConfiguration"];
    if !jwt.is_null() {
        let field = |name: &str| {
            let capitalized = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
            match &jwt[name] {
                Value::Null => jwt[capitalized.as_str()].clone(),
                value => value.clone(),
            }
        };
        let issuer = scope
            .string(&field("issuer"))?
            .context("JwtConfiguration needs an issuer")?;
        let audiences = strings(&field("audience"), scope)?.unwrap_or_default();
        let source = scope
            .string(&declared["IdentitySource"])?
            .context("a JWT authorizer needs an IdentitySource")?;
        let identity = IdentitySource::parse(&source)?;
        crate::serve::auth::jwt::check_issuer(&issuer)?;
        return Ok(Authorizer::Jwt(JwtAuthorizer {
            issuer,
            audiences,
            identity,
            scopes: strings(&declared["AuthorizationScopes"], scope)?.unwrap_or_default(),
        }));
    }
    let function = function_of(declared, scope)?;
    let payload = match scope
        .string(&declared["AuthorizerPayloadFormatVersion"])?
        .as_deref()
    {
        Some("1.0") => AuthorizerPayload::V1,
        Some("2.0") => AuthorizerPayload::V2,
        Some(other) => bail!("AuthorizerPayloadFormatVersion {other:?} is neither 1.0 nor 2.0"),
        None => bail!("a Lambda authorizer of an HTTP API needs AuthorizerPayloadFormatVersion"),
    };
    let simple_responses = declared["EnableSimpleResponses"].as_bool().unwrap_or(false);
    if simple_responses && payload == AuthorizerPayload::V1 {
        bail!("EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0");
    }
    let identity = &declared["Identity"];
    let sources = identity_sources(identity, scope)?;
    // Without an identity source there is nothing to key a cache on: API Gateway caches only
    // with one. Unset, the TTL is 0 (the authorizer's API sets no default).
    let ttl = if sources.is_empty() {
        Duration::ZERO
    } else {
        ttl(identity, scope)?.unwrap_or(Duration::ZERO)
    };
    Ok(Authorizer::Lambda(LambdaAuthorizer {
        function,
        kind: LambdaAuthorizerKind::Request,
        payload,
        simple_responses,
        identity: sources,
        ttl,
    }))
}

/// The logical id of the function a `FunctionArn` names (`!GetAtt F.Arn`, `!Sub
/// ${F.Arn}`, or an ARN ending in `:function:F`).
fn function_of(declared: &Value, scope: &Scope) -> anyhow::Result<String> {
    let arn = scope
        .string(&declared["FunctionArn"])?
        .context("the authorizer has no FunctionArn (or JwtConfiguration, or UserPoolArn)")?;
    function_named(&arn).with_context(|| format!("FunctionArn {arn:?} does not name a function"))
}

/// The function a Lambda ARN names (`...:function:NAME`, with or without a version or alias),
/// or an API Gateway invocation URI does (`.../functions/ARN/invocations`): as `serve` resolves
/// `Fn::GetAtt F.Arn` and `F.Alias`, a function of the template by its logical id.
pub(crate) fn function_named(arn: &str) -> Option<String> {
    let (_, name) = arn.split_once(":function:")?;
    let name = name.split(['/', ':']).next().unwrap_or(name);
    (!name.is_empty()).then(|| name.to_owned())
}

/// SAM's `Identity`: `Headers`, `QueryStrings`, `StageVariables`, `Context`.
fn identity_sources(identity: &Value, scope: &Scope) -> anyhow::Result<Vec<IdentitySource>> {
    let mut sources = Vec::new();
    let kinds: [(&str, Source); 4] = [
        ("Headers", IdentitySource::Header),
        ("QueryStrings", IdentitySource::Query),
        ("StageVariables", IdentitySource::StageVariable),
        ("Context", IdentitySource::Context),
    ];
    for (property, source) in kinds {
        for name in strings(&identity[property], scope)
            .with_context(|| format!("Identity.{property}"))?
            .unwrap_or_default()
        {
            sources.push(source(name));
        }
    }
    Ok(sources)
}

/// `Identity.ReauthorizeEvery`, within API Gateway's 0 to 3600 seconds.
fn ttl(identity: &Value, scope: &Scope) -> anyhow::Result<Option<Duration>> {
    scope
        .string(&identity["ReauthorizeEvery"])?
        .map(|seconds| ttl_of(&seconds))
        .transpose()
        .context("Identity.ReauthorizeEvery")
}

/// A cache TTL in seconds, within API Gateway's 0 to 3600.
pub(super) fn ttl_of(seconds: &str) -> anyhow::Result<Duration> {
    match seconds.parse::<u64>() {
        Ok(seconds) if seconds <= MAX_TTL_SECONDS => Ok(Duration::from_secs(seconds)),
        _ => bail!("a cache TTL must be 0 to {MAX_TTL_SECONDS} seconds, not {seconds:?}"),
    }
}

/// A list of strings, resolved; `None` when absent.
pub(super) fn strings(value: &Value, scope: &Scope) -> anyhow::Result<Option<Vec<String>>> {
    match scope.resolve(value)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .context("expected a list of strings")
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Some),
        Some(_) => bail!("expected a list of strings"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::template::yaml;

    fn scope() -> Scope {
        let template =
            yaml::load("Resources: { Auth: { Type: AWS::Serverless::Function } }").unwrap();
        Scope::new(&template, &[], "us-east-1").unwrap()
    }

    fn auth(text: &str, kind: ApiKind) -> anyhow::Result<ApiAuth> {
        ApiAuth::read(&yaml::load(text).unwrap(), kind, &scope())
    }

    #[test]
    fn identity_sources_of_both_flavours_parse() {
        assert_eq!(
            IdentitySource::parse("$request.header.Authorization").unwrap(),
            IdentitySource::Header("Authorization".into())
        );
        assert_eq!(
            IdentitySource::parse("method.request.querystring.token").unwrap(),
            IdentitySource::Query("token".into())
        );
        assert_eq!(
            IdentitySource::parse("$context.routeKey").unwrap(),
            IdentitySource::Context("routeKey".into())
        );
        assert!(IdentitySource::parse("$request.body.x").is_err());
    }

    #[test]
    fn a_rest_token_authorizer_defaults_to_the_authorization_header_and_300_seconds() {
        let auth = auth(
            "Authorizers: { Tok: { FunctionArn: !GetAtt Auth.Arn } }\nDefaultAuthorizer: Tok",
            ApiKind::Rest,
        )
        .unwrap();
        assert_eq!(auth.default.as_deref(), Some("Tok"));
        let Authorizer::Lambda(lambda) = &auth.authorizers["Tok"] else {
            panic!("{auth:?}")
        };
        assert_eq!(lambda.function, "Auth");
        assert_eq!(
            lambda.identity,
            [IdentitySource::Header("Authorization".into())]
        );
        assert_eq!(lambda.ttl, Duration::from_secs(300));
        assert_eq!(
            lambda.kind,
            LambdaAuthorizerKind::Token { validation: None }
        );
    }

    #[test]
    fn an_http_lambda_authorizer_needs_its_payload_version_and_caches_only_when_told() {
        let auth = auth(
            "Authorizers: { L: { FunctionArn: !GetAtt Auth.Arn, AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true, Identity: { Headers: [x-token], ReauthorizeEvery: 60 } } }",
            ApiKind::Http,
        )
        .unwrap();
        let Authorizer::Lambda(lambda) = &auth.authorizers["L"] else {
            panic!()
        };
        assert!(lambda.simple_responses);
        assert_eq!(lambda.ttl, Duration::from_secs(60));
        let missing = auth_error("Authorizers: { L: { FunctionArn: !GetAtt Auth.Arn } }");
        assert!(
            missing.contains("AuthorizerPayloadFormatVersion"),
            "{missing}"
        );
    }

    fn auth_error(text: &str) -> String {
        format!("{:#}", auth(text, ApiKind::Http).unwrap_err())
    }

    #[test]
    fn a_jwt_authorizer_reads_its_issuer_audiences_and_scopes() {
        let auth = auth(
            "Authorizers: { J: { JwtConfiguration: { issuer: 'https://issuer.example.com', audience: [a, b] }, IdentitySource: $request.header.Authorization, AuthorizationScopes: [read] } }",
            ApiKind::Http,
        )
        .unwrap();
        let route = RouteAuth {
            authorizer: Some("J".into()),
            scopes: None,
        };
        let resolved = route.resolve(&auth).unwrap().unwrap();
        assert_eq!(resolved.scopes, ["read"]);
        let Authorizer::Jwt(jwt) = resolved.authorizer else {
            panic!()
        };
        assert_eq!(jwt.audiences, ["a", "b"]);
        let plain_http = auth_error(
            "Authorizers: { J: { JwtConfiguration: { issuer: 'http://issuer.example.com' }, IdentitySource: $request.header.Authorization } }",
        );
        assert!(plain_http.contains("https"), "{plain_http}");
    }

    #[test]
    fn routes_take_the_default_unless_they_say_none_or_name_another() {
        let auth = auth(
            "Authorizers: { A: { FunctionArn: !GetAtt Auth.Arn }, B: { FunctionArn: !GetAtt Auth.Arn } }\nDefaultAuthorizer: A",
            ApiKind::Rest,
        )
        .unwrap();
        let name = |authorizer: Option<&str>| {
            RouteAuth {
                authorizer: authorizer.map(str::to_owned),
                scopes: None,
            }
            .resolve(&auth)
            .unwrap()
            .map(|resolved| resolved.name)
        };
        assert_eq!(name(None).as_deref(), Some("A"));
        assert_eq!(name(Some("B")).as_deref(), Some("B"));
        assert_eq!(name(Some("NONE")), None);
        let unknown = RouteAuth {
            authorizer: Some("C".into()),
            scopes: None,
        };
        assert!(unknown.resolve(&auth).is_err());
    }
}
