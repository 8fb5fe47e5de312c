//! Lambda authorizers for API Gateway, written as plain Rust: the event typed (a REST API
//! `TOKEN` or `REQUEST` event, an HTTP API `REQUEST` event in payload format 1.0 or 2.0), the
//! answer typed (an IAM policy with `principalId` and `context`, or an HTTP API simple
//! response), and `authorizer!` exporting the function as a component of the `event-handler`
//! world, whose result goes back to API Gateway as the function returned it.
//!
//! ```ignore
//! use lambda_wasm_sdk::authorizer::{AuthorizerError, AuthorizerRequest, AuthorizerResponse, PolicyResponse};
//!
//! lambda_wasm_sdk::authorizer!(authorize);
//!
//! fn authorize(request: &AuthorizerRequest) -> Result<AuthorizerResponse, AuthorizerError> {
//!     match request.token() {
//!         Some("allow") => Ok(PolicyResponse::allow("user", request.method_arn()).into()),
//!         Some(_) => Ok(PolicyResponse::deny("user", request.method_arn()).into()),
//!         None => Err(AuthorizerError::Unauthorized),
//!     }
//! }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event_bindings::ErrorDetails;

/// The event API Gateway sends a Lambda authorizer.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizerRequest {
    /// A REST API `TOKEN` authorizer's.
    Token(TokenRequest),
    /// A REST API `REQUEST` authorizer's, or an HTTP API one's in payload format 1.0.
    Request(RequestV1),
    /// An HTTP API `REQUEST` authorizer's in payload format 2.0.
    V2(RequestV2),
}

/// A REST API `TOKEN` authorizer's event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    /// The token: the value of the authorizer's identity header.
    pub authorization_token: String,
    /// The method being called: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub method_arn: String,
}

/// A `REQUEST` authorizer's event in payload format 1.0 (REST APIs, and HTTP APIs that ask for
/// it): the request's parts, without its body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestV1 {
    /// The method being called.
    pub method_arn: String,
    /// The resource (REST) or route path.
    #[serde(default)]
    pub resource: Option<String>,
    /// The request path.
    #[serde(default)]
    pub path: Option<String>,
    /// The HTTP method.
    #[serde(default)]
    pub http_method: Option<String>,
    /// The headers, one value each.
    #[serde(default, deserialize_with = "nullable_map")]
    pub headers: BTreeMap<String, String>,
    /// The query string parameters, one value each.
    #[serde(default, deserialize_with = "nullable_map")]
    pub query_string_parameters: BTreeMap<String, String>,
    /// The route's path parameters.
    #[serde(default, deserialize_with = "nullable_map")]
    pub path_parameters: BTreeMap<String, String>,
    /// The stage variables.
    #[serde(default, deserialize_with = "nullable_map")]
    pub stage_variables: BTreeMap<String, String>,
    /// HTTP APIs (1.0): the identity sources' values, comma-separated.
    #[serde(default)]
    pub identity_source: Option<String>,
    /// The request context, as API Gateway sent it.
    #[serde(default)]
    pub request_context: Value,
}

/// An HTTP API `REQUEST` authorizer's event in payload format 2.0.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestV2 {
    /// The route being called: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub route_arn: String,
    /// The identity sources' values, in the authorizer's order.
    #[serde(default)]
    pub identity_source: Vec<String>,
    /// The route key, e.g. `POST /users`.
    #[serde(default)]
    pub route_key: Option<String>,
    /// The path.
    #[serde(default)]
    pub raw_path: Option<String>,
    /// The query string, without `?`.
    #[serde(default)]
    pub raw_query_string: Option<String>,
    /// The cookies.
    #[serde(default)]
    pub cookies: Vec<String>,
    /// The headers, repeated ones joined with commas.
    #[serde(default, deserialize_with = "nullable_map")]
    pub headers: BTreeMap<String, String>,
    /// The query string parameters, repeated ones joined with commas.
    #[serde(default, deserialize_with = "nullable_map")]
    pub query_string_parameters: BTreeMap<String, String>,
    /// The route's path parameters.
    #[serde(default, deserialize_with = "nullable_map")]
    pub path_parameters: BTreeMap<String, String>,
    /// The stage variables.
    #[serde(default, deserialize_with = "nullable_map")]
    pub stage_variables: BTreeMap<String, String>,
    /// The request context, as API Gateway sent it.
    #[serde(default)]
    pub request_context: Value,
}

fn nullable_map<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(deserializer)?.unwrap_or_default())
}

impl AuthorizerRequest {
    /// Reads an authorizer event, told apart as the host tells it: `type` `TOKEN`, or `REQUEST`
    /// with a `routeArn` (2.0) or a `methodArn` (1.0).
    pub fn from_json(event: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(event).map_err(|err| format!("the event is not JSON: {err}"))?;
        let kind = value["type"].as_str().unwrap_or_default().to_owned();
        let read = |err: serde_json::Error| format!("malformed {kind} authorizer event: {err}");
        match (kind.as_str(), value.get("routeArn").is_some()) {
            ("TOKEN", _) => serde_json::from_value(value).map(Self::Token).map_err(read),
            ("REQUEST", true) => serde_json::from_value(value).map(Self::V2).map_err(read),
            ("REQUEST", false) => serde_json::from_value(value)
                .map(Self::Request)
                .map_err(read),
            _ => Err(
                "not an API Gateway authorizer event: its type is neither TOKEN nor REQUEST"
                    .to_owned(),
            ),
        }
    }

    /// The ARN of the method (or route) being called: what a policy's `Resource` matches.
    pub fn method_arn(&self) -> &str {
        match self {
            Self::Token(token) => &token.method_arn,
            Self::Request(request) => &request.method_arn,
            Self::V2(request) => &request.route_arn,
        }
    }

    /// The header `name`, in any case; a `TOKEN` event has none.
    pub fn header(&self, name: &str) -> Option<&str> {
        let headers = match self {
            Self::Token(_) => return None,
            Self::Request(request) => &request.headers,
            Self::V2(request) => &request.headers,
        };
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The caller's token: a `TOKEN` event's `authorizationToken`, else the `Authorization`
    /// header; without its `Bearer ` prefix.
    pub fn token(&self) -> Option<&str> {
        let token = match self {
            Self::Token(token) => Some(token.authorization_token.as_str()),
            _ => self.header("authorization"),
        }?;
        Some(token.strip_prefix("Bearer ").unwrap_or(token))
    }
}

/// The parts of a method ARN: `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodArn {
    /// Everything before the API id: `arn:aws:execute-api:{region}:{account}`.
    pub prefix: String,
    /// The API id.
    pub api_id: String,
    /// The stage.
    pub stage: String,
    /// The HTTP method.
    pub method: String,
    /// The path, without its leading `/`.
    pub path: String,
}

impl MethodArn {
    /// Splits a method ARN; `None` when it is not one.
    pub fn parse(arn: &str) -> Option<Self> {
        let (prefix, rest) = arn.rsplit_once(':')?;
        let mut parts = rest.splitn(4, '/');
        Some(Self {
            prefix: prefix.to_owned(),
            api_id: parts.next()?.to_owned(),
            stage: parts.next()?.to_owned(),
            method: parts.next()?.to_owned(),
            path: parts.next().unwrap_or_default().to_owned(),
        })
    }

    /// The ARN of `method` on `path` (`*` for any) of the same API and stage: a policy's
    /// `Resource`, e.g. `arn.with("*", "*")` for every method of the stage, which a cached
    /// answer then allows on every route.
    pub fn with(&self, method: &str, path: &str) -> String {
        format!(
            "{}:{}/{}/{method}/{}",
            self.prefix,
            self.api_id,
            self.stage,
            path.trim_start_matches('/')
        )
    }
}

/// An authorizer's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AuthorizerResponse {
    /// An IAM policy (REST APIs; HTTP APIs without simple responses).
    Policy(PolicyResponse),
    /// `isAuthorized` (HTTP APIs with simple responses, payload format 2.0).
    Simple(SimpleResponse),
}

impl From<PolicyResponse> for AuthorizerResponse {
    fn from(response: PolicyResponse) -> Self {
        Self::Policy(response)
    }
}

impl From<SimpleResponse> for AuthorizerResponse {
    fn from(response: SimpleResponse) -> Self {
        Self::Simple(response)
    }
}

/// An HTTP API simple response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimpleResponse {
    /// Whether the request goes through.
    pub is_authorized: bool,
    /// What the integration gets in `requestContext.authorizer.lambda`.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub context: Map<String, Value>,
}

impl SimpleResponse {
    /// Lets the request through.
    pub fn allow() -> Self {
        Self {
            is_authorized: true,
            context: Map::new(),
        }
    }

    /// Refuses the request: API Gateway answers 403.
    pub fn deny() -> Self {
        Self {
            is_authorized: false,
            context: Map::new(),
        }
    }

    /// Adds `key` to the context the integration gets.
    pub fn with_context(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.context.insert(key.to_owned(), value.into());
        self
    }
}

/// An IAM policy answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyResponse {
    /// The caller, as the integration sees it in `requestContext.authorizer.principalId`.
    pub principal_id: String,
    /// What the caller may invoke.
    pub policy_document: PolicyDocument,
    /// What the integration gets in `requestContext.authorizer` (REST APIs: strings, numbers
    /// and booleans only).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub context: Map<String, Value>,
    /// The API key of a usage plan whose key source is the authorizer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_identifier_key: Option<String>,
}

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    /// `2012-10-17`.
    #[serde(rename = "Version")]
    pub version: String,
    /// The statements.
    #[serde(rename = "Statement")]
    pub statement: Vec<Statement>,
}

/// One statement of a policy: `execute-api:Invoke` allowed or denied on resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// `Allow` or `Deny`.
    #[serde(rename = "Effect")]
    pub effect: Effect,
    /// The actions, `execute-api:Invoke`.
    #[serde(rename = "Action")]
    pub action: Vec<String>,
    /// Method ARNs, `*` and `?` wildcards allowed.
    #[serde(rename = "Resource")]
    pub resource: Vec<String>,
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Allows.
    Allow,
    /// Denies, whatever else allows.
    Deny,
}

impl PolicyResponse {
    /// Allows `principal` to invoke `resource` (a method ARN, wildcards allowed).
    pub fn allow(principal: &str, resource: &str) -> Self {
        Self::new(principal, Effect::Allow, resource)
    }

    /// Denies `principal` `resource`: API Gateway answers 403.
    pub fn deny(principal: &str, resource: &str) -> Self {
        Self::new(principal, Effect::Deny, resource)
    }

    fn new(principal: &str, effect: Effect, resource: &str) -> Self {
        Self {
            principal_id: principal.to_owned(),
            policy_document: PolicyDocument {
                version: "2012-10-17".to_owned(),
                statement: vec![Statement {
                    effect,
                    action: vec!["execute-api:Invoke".to_owned()],
                    resource: vec![resource.to_owned()],
                }],
            },
            context: Map::new(),
            usage_identifier_key: None,
        }
    }

    /// Adds a statement.
    pub fn with_statement(mut self, effect: Effect, resource: &str) -> Self {
        self.policy_document.statement.push(Statement {
            effect,
            action: vec!["execute-api:Invoke".to_owned()],
            resource: vec![resource.to_owned()],
        });
        self
    }

    /// Adds `key` to the context the integration gets.
    pub fn with_context(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.context.insert(key.to_owned(), value.into());
        self
    }
}

/// An authorizer's refusal that is no answer: the invocation fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizerError {
    /// The caller is not authenticated: API Gateway answers 401 `Unauthorized`.
    Unauthorized,
    /// The authorizer failed: API Gateway answers 500. The message goes to the log.
    Failed(String),
}

/// An authorizer function, as `authorizer!` exports it.
pub trait Authorizer {
    /// The answer to `request`.
    fn authorize(&self, request: &AuthorizerRequest)
    -> Result<AuthorizerResponse, AuthorizerError>;
}

impl<F: Fn(&AuthorizerRequest) -> Result<AuthorizerResponse, AuthorizerError>> Authorizer for F {
    fn authorize(
        &self,
        request: &AuthorizerRequest,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        self(request)
    }
}

/// The body of the exported `handle-event`: the event JSON in, the answer JSON out, an error as
/// Lambda's runtimes report one (`Unauthorized` is its message, as API Gateway expects).
#[doc(hidden)]
pub fn handle(authorizer: &impl Authorizer, event: &str) -> Result<String, ErrorDetails> {
    let failed = |error_type: &str, message: String| ErrorDetails {
        error_type: error_type.to_owned(),
        error_message: message,
        stack_trace: Vec::new(),
    };
    let request =
        AuthorizerRequest::from_json(event).map_err(|why| failed("Runtime.UnmarshalError", why))?;
    match authorizer.authorize(&request) {
        Ok(response) => serde_json::to_string(&response)
            .map_err(|err| failed("Runtime.MarshalError", err.to_string())),
        Err(AuthorizerError::Unauthorized) => {
            Err(failed("Unauthorized", "Unauthorized".to_owned()))
        }
        Err(AuthorizerError::Failed(message)) => Err(failed("Error", message)),
    }
}

/// Exports an authorizer function `fn(&AuthorizerRequest) -> Result<AuthorizerResponse,
/// AuthorizerError>` as the component's `handle-event` (the `event-handler` world). Left out of
/// the crate's own test build, as `handler!`'s export is.
#[macro_export]
macro_rules! authorizer {
    ($authorizer:expr) => {
        #[cfg(not(test))]
        const _: () = {
            struct LambdaWasmAuthorizer;

            impl $crate::event_bindings::Guest for LambdaWasmAuthorizer {
                // Rust has no module-level code to run at Init: statics are made on first use.
                fn init() -> ::core::result::Result<(), $crate::event_bindings::ErrorDetails> {
                    ::core::result::Result::Ok(())
                }

                fn handle_event(
                    event: ::std::string::String,
                ) -> ::core::result::Result<::std::string::String, $crate::event_bindings::ErrorDetails> {
                    $crate::authorizer::handle(&$authorizer, &event)
                }
            }

            $crate::event_bindings::export! { LambdaWasmAuthorizer with_types_in $crate::event_bindings }
        };

        #[cfg(test)]
        const _: () = {
            #[allow(dead_code)]
            fn lambda_wasm_authorizer() -> impl $crate::authorizer::Authorizer {
                $authorizer
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TOKEN: &str = include_str!(
        "../../../host/tests/fixtures/aws-samples/apigw-custom-auth-request-token.json"
    );
    const REQUEST: &str = include_str!(
        "../../../host/tests/fixtures/aws-samples/apigw-custom-auth-request-request-type.json"
    );
    const HTTP_V1: &str = include_str!(
        "../../../host/tests/fixtures/aws-samples/apigw-v2-custom-authorizer-v1-request.json"
    );
    const HTTP_V2: &str = include_str!(
        "../../../host/tests/fixtures/aws-samples/apigw-v2-custom-authorizer-v2-request.json"
    );
    const RESPONSE: &str =
        include_str!("../../../host/tests/fixtures/aws-samples/apigw-custom-auth-response.json");

    #[test]
    fn reads_each_of_aws_sample_authorizer_events() {
        let token = AuthorizerRequest::from_json(TOKEN).unwrap();
        assert_eq!(token.token(), Some("allow"));
        assert_eq!(
            token.method_arn(),
            "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"
        );
        let AuthorizerRequest::Request(request) = AuthorizerRequest::from_json(REQUEST).unwrap()
        else {
            panic!("a REQUEST event")
        };
        assert_eq!(request.headers["HeaderAuth1"], "headerValue1");
        assert_eq!(
            request.query_string_parameters["QueryString1"],
            "queryValue1"
        );
        let http_v1 = AuthorizerRequest::from_json(HTTP_V1).unwrap();
        let AuthorizerRequest::Request(v1) = &http_v1 else {
            panic!("a 1.0 event")
        };
        assert_eq!(v1.identity_source.as_deref(), Some("user1,123"));
        assert_eq!(http_v1.header("headerauth1"), Some("headerValue1"));
        let AuthorizerRequest::V2(v2) = AuthorizerRequest::from_json(HTTP_V2).unwrap() else {
            panic!("a 2.0 event")
        };
        assert_eq!(v2.identity_source, ["user1", "123"]);
        assert!(AuthorizerRequest::from_json(r#"{"httpMethod": "GET"}"#).is_err());
    }

    #[test]
    fn a_policy_answer_has_the_shape_of_aws_sample() {
        let answer = PolicyResponse::allow("yyyyyyyy", "arn:aws:execute-api:{regionId}:{accountId}:{appId}/{stage}/{httpVerb}/[{resource}/[child-resources]]")
            .with_context("stringKey", "value")
            .with_context("numberKey", "1")
            .with_context("booleanKey", "true");
        let mut answer = serde_json::to_value(AuthorizerResponse::from(answer)).unwrap();
        let mut sample: Value = serde_json::from_str(RESPONSE).unwrap();
        // The sample writes `Allow|Deny` and has a usage plan key; the rest is the same.
        sample["policyDocument"]["Statement"][0]["Effect"] = json!("Allow");
        sample.as_object_mut().unwrap().remove("usageIdentifierKey");
        answer.as_object_mut().unwrap().remove("usageIdentifierKey");
        assert_eq!(answer, sample);
    }

    #[test]
    fn a_simple_answer_and_errors_as_api_gateway_reads_them() {
        let simple = AuthorizerResponse::from(SimpleResponse::allow().with_context("user", "ann"));
        assert_eq!(
            serde_json::to_value(simple).unwrap(),
            json!({ "isAuthorized": true, "context": { "user": "ann" } })
        );
        let unauthorized = |_: &AuthorizerRequest| Err(AuthorizerError::Unauthorized);
        let error = handle(&unauthorized, TOKEN).unwrap_err();
        assert_eq!(error.error_message, "Unauthorized");
        let failing = |_: &AuthorizerRequest| Err(AuthorizerError::Failed("no keys".into()));
        assert_eq!(
            handle(&failing, TOKEN).unwrap_err().error_message,
            "no keys"
        );
        let garbage = handle(&unauthorized, "not json").unwrap_err();
        assert_eq!(garbage.error_type, "Runtime.UnmarshalError");
    }

    #[test]
    fn method_arns_split_and_widen() {
        let arn =
            MethodArn::parse("arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/users/42")
                .unwrap();
        assert_eq!(
            (arn.api_id.as_str(), arn.stage.as_str(), arn.method.as_str()),
            ("abc", "prod", "POST")
        );
        assert_eq!(arn.path, "users/42");
        assert_eq!(
            arn.with("*", "*"),
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/*/*"
        );
        assert!(MethodArn::parse("nope").is_none());
    }
}
