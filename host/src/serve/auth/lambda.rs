//! A Lambda authorizer, the authorizer function a component of the template: its event (`TOKEN`,
//! `REQUEST` 1.0 or 2.0) built from the request, its answer (an IAM policy, or for an HTTP API
//! with simple responses `isAuthorized`) read as API Gateway reads it, cached by identity for
//! the TTL, and its context passed to the integration where each front end puts it.
//!
//! The statuses are API Gateway's: a missing identity source (or a token that fails the
//! `ValidationExpression`) is 401 without invoking the function; the function's `Unauthorized`
//! error is 401; a policy that denies is 403; an error or an answer API Gateway cannot read is
//! 500.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{Map, Value, json};

use super::policy::{self, Statement, Verdict};
use super::{AuthRequest, Outcome, identity, refuse, refuse_with};
use crate::pipeline::{self, Answer};
use crate::serve::api_kind::{ApiKind, PayloadFormat};
use crate::serve::functions::LocalFunction;
use crate::serve::template::auth::{AuthorizerPayload, LambdaAuthorizer, LambdaAuthorizerKind};

/// The most answers one authorizer keeps: a flood of distinct tokens cannot grow the host.
const MAX_CACHED: usize = 10_000;

/// One Lambda authorizer of an API, shared by the routes that use it.
pub struct LambdaGuard {
    name: String,
    config: LambdaAuthorizer,
    validation: Option<Regex>,
    function: Arc<LocalFunction>,
    cache: Mutex<HashMap<String, (Instant, Arc<Decision>)>>,
}

/// The authorizer function's answer, read.
#[derive(Debug)]
enum Decision {
    /// `{"isAuthorized": bool, "context": {...}}`.
    Simple { authorized: bool, context: Value },
    /// An IAM policy, with the caller's `principalId` and the `context`.
    Policy {
        principal: Option<Value>,
        statements: Vec<Statement>,
        context: Value,
    },
}

impl LambdaGuard {
    /// The authorizer `name` of `config`, whose decisions `function` makes.
    pub fn new(
        name: &str,
        config: LambdaAuthorizer,
        function: Arc<LocalFunction>,
    ) -> anyhow::Result<Self> {
        let validation = match &config.kind {
            LambdaAuthorizerKind::Token {
                validation: Some(expression),
            } => Some(Regex::new(&format!("^(?:{expression})$"))?),
            _ => None,
        };
        Ok(Self {
            name: name.to_owned(),
            config,
            validation,
            function,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Lets the request through with the authorizer's context, or refuses it.
    pub async fn authorize(&self, request: &AuthRequest<'_>) -> Outcome {
        let mut identity = Vec::with_capacity(self.config.identity.len());
        for source in &self.config.identity {
            match identity::value(request, source) {
                Some(value) => identity.push(value),
                None => {
                    tracing::info!(authorizer = %self.name, "refused: an identity source is missing");
                    return unauthorized();
                }
            }
        }
        if let (Some(validation), Some(token)) = (&self.validation, identity.first())
            && !validation.is_match(token)
        {
            tracing::info!(authorizer = %self.name, "refused: the token does not match the ValidationExpression");
            return unauthorized();
        }
        let key = identity.join("\u{0}");
        let started = Instant::now();
        let decision = match self.cached(&key) {
            Some(decision) => decision,
            None => match self.invoke(request, &identity).await {
                Ok(decision) => {
                    let decision = Arc::new(decision);
                    self.remember(key, decision.clone());
                    decision
                }
                Err(refused) => return refused,
            },
        };
        let latency = started.elapsed().as_millis() as u64;
        self.verdict(&decision, request, latency)
    }

    /// The cached decision for this identity, if the TTL keeps one.
    fn cached(&self, key: &str) -> Option<Arc<Decision>> {
        if self.config.ttl.is_zero() {
            return None;
        }
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (expires, decision) = cache.get(key)?;
        (Instant::now() < *expires).then(|| {
            tracing::info!(authorizer = %self.name, "the cached decision answers");
            decision.clone()
        })
    }

    fn remember(&self, key: String, decision: Arc<Decision>) {
        if self.config.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (expires, _)| *expires > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(key, (now + self.config.ttl, decision));
    }

    /// Invokes the authorizer function on this request's event and reads its answer.
    async fn invoke(
        &self,
        request: &AuthRequest<'_>,
        identity: &[String],
    ) -> Result<Decision, Outcome> {
        let event = self.event(request, identity);
        let event = serde_json::to_vec(&event).unwrap_or_default();
        let component = self.function.component();
        let answer = pipeline::handle(component.as_ref(), &event, self.function.invocation()).await;
        let result = match answer {
            Ok(Answer::Authorizer(result)) => result,
            other => {
                tracing::error!(authorizer = %self.name, "the authorizer event was not taken for one: {other:?}");
                return Err(self.failed(request.kind));
            }
        };
        let result = match result {
            Ok(result) => result,
            Err(error) if error.error_message == "Unauthorized" => {
                tracing::info!(authorizer = %self.name, "the authorizer answered Unauthorized");
                return Err(unauthorized());
            }
            Err(error) => {
                tracing::warn!(
                    authorizer = %self.name,
                    error_type = %error.error_type,
                    "the authorizer failed: {}",
                    crate::guest_text::for_log(&error.error_message)
                );
                return Err(self.failed(request.kind));
            }
        };
        self.read(&result).map_err(|why| {
            tracing::warn!(authorizer = %self.name, "the authorizer's answer is invalid: {why}");
            self.failed(request.kind)
        })
    }

    /// The event API Gateway sends this authorizer for `request`.
    fn event(&self, request: &AuthRequest<'_>, identity: &[String]) -> Value {
        let arn = request.method_arn;
        match (&self.config.kind, self.config.payload, request.kind) {
            (LambdaAuthorizerKind::Token { .. }, ..) => json!({
                "type": "TOKEN",
                "authorizationToken": identity.first().cloned().unwrap_or_default(),
                "methodArn": arn,
            }),
            (LambdaAuthorizerKind::Request, AuthorizerPayload::V2, _) => {
                let mut event = without_body((request.events)(PayloadFormat::V2));
                event.insert("type".into(), json!("REQUEST"));
                event.insert("routeArn".into(), json!(arn));
                event.insert("identitySource".into(), json!(identity));
                Value::Object(event)
            }
            (LambdaAuthorizerKind::Request, AuthorizerPayload::V1, ApiKind::Rest) => {
                let mut event = without_body((request.events)(PayloadFormat::V1));
                event.insert("type".into(), json!("REQUEST"));
                event.insert("methodArn".into(), json!(arn));
                Value::Object(event)
            }
            (LambdaAuthorizerKind::Request, AuthorizerPayload::V1, ApiKind::Http) => {
                let mut event = without_body((request.events)(PayloadFormat::V1));
                let joined = identity.join(",");
                event.insert("version".into(), json!("1.0"));
                event.insert("type".into(), json!("REQUEST"));
                event.insert("methodArn".into(), json!(arn));
                event.insert("identitySource".into(), json!(joined));
                event.insert("authorizationToken".into(), json!(joined));
                Value::Object(event)
            }
        }
    }

    /// The decision in the function's `result`, or why API Gateway could not read it.
    fn read(&self, result: &str) -> Result<Decision, String> {
        let answer: Value =
            serde_json::from_str(result).map_err(|_| "it is not JSON".to_owned())?;
        let Value::Object(answer) = answer else {
            return Err("it is not a JSON object".to_owned());
        };
        let context = match answer.get("context") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(context @ Value::Object(fields)) => {
                // Payload 1.0 context values must be strings, numbers or booleans.
                if self.config.payload == AuthorizerPayload::V1
                    && let Some((key, _)) = fields
                        .iter()
                        .find(|(_, value)| value.is_object() || value.is_array())
                {
                    return Err(format!("context.{key} is an object or a list"));
                }
                context.clone()
            }
            Some(_) => return Err("context is not an object".to_owned()),
        };
        if self.config.simple_responses {
            let Some(authorized) = answer.get("isAuthorized").and_then(Value::as_bool) else {
                return Err("isAuthorized is missing or not a boolean".to_owned());
            };
            return Ok(Decision::Simple {
                authorized,
                context,
            });
        }
        let principal = match answer.get("principalId") {
            Some(principal @ (Value::String(_) | Value::Number(_))) => Some(principal.clone()),
            None | Some(Value::Null) if self.config.payload == AuthorizerPayload::V2 => None,
            _ => return Err("principalId is missing or not a string".to_owned()),
        };
        let document = answer
            .get("policyDocument")
            .filter(|document| document.is_object())
            .ok_or("policyDocument is missing")?;
        Ok(Decision::Policy {
            principal,
            statements: policy::parse(document)?,
            context,
        })
    }

    /// What the decision means for this request.
    fn verdict(&self, decision: &Decision, request: &AuthRequest<'_>, latency_ms: u64) -> Outcome {
        let (context, principal) = match decision {
            Decision::Simple {
                authorized: false, ..
            } => return forbidden(request.kind, Verdict::ImplicitDeny),
            Decision::Simple { context, .. } => (context, None),
            Decision::Policy {
                principal,
                statements,
                context,
            } => match policy::evaluate(statements, request.method_arn) {
                Verdict::Allow => (context, principal.as_ref()),
                denied => {
                    tracing::info!(authorizer = %self.name, arn = request.method_arn, ?denied, "the policy denies");
                    return forbidden(request.kind, denied);
                }
            },
        };
        Outcome::Allowed(match (request.kind, request.payload) {
            (ApiKind::Http, PayloadFormat::V2) => json!({ "lambda": context }),
            _ => {
                let mut fields = context.as_object().cloned().unwrap_or_default();
                if let Some(principal) = principal {
                    fields.insert("principalId".into(), principal.clone());
                }
                fields.insert("integrationLatency".into(), json!(latency_ms));
                Value::Object(fields)
            }
        })
    }

    /// API Gateway's answer when the authorizer fails or answers what it cannot read.
    fn failed(&self, kind: ApiKind) -> Outcome {
        Outcome::Refused(match kind {
            // REST APIs answer AUTHORIZER_CONFIGURATION_ERROR with a null message.
            ApiKind::Rest => refuse_with(
                500,
                json!({ "message": null }),
                vec![(
                    "x-amzn-errortype".to_owned(),
                    "AuthorizerConfigurationException".to_owned(),
                )],
            ),
            ApiKind::Http => refuse(500, "message", "Internal Server Error"),
        })
    }
}

/// The event without the request's body: authorizers never see it.
fn without_body(event: Value) -> Map<String, Value> {
    let mut fields = match event {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    fields.remove("body");
    fields.remove("isBase64Encoded");
    fields
}

/// 401 `{"message":"Unauthorized"}`, the same on both front ends.
fn unauthorized() -> Outcome {
    Outcome::Refused(refuse(401, "message", "Unauthorized"))
}

/// 403 for a policy that denies, or a simple `false`: a REST API says which deny it was (with a
/// capital `Message`), an HTTP API says `Forbidden`.
fn forbidden(kind: ApiKind, verdict: Verdict) -> Outcome {
    Outcome::Refused(match (kind, verdict) {
        (ApiKind::Http, _) => refuse(403, "message", "Forbidden"),
        (ApiKind::Rest, Verdict::ExplicitDeny) => refuse(
            403,
            "Message",
            "User is not authorized to access this resource with an explicit deny",
        ),
        (ApiKind::Rest, _) => refuse(
            403,
            "Message",
            "User is not authorized to access this resource",
        ),
    })
}

/// How long answers of a TTL are kept; for the log at start.
pub fn describe_ttl(ttl: Duration) -> String {
    if ttl.is_zero() {
        "not cached".to_owned()
    } else {
        format!("cached {} s", ttl.as_secs())
    }
}
