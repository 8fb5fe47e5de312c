//! Authorization at the local gateway, before the integration runs: an API's authorizers as
//! guards ([`jwt`] for HTTP API JWT authorizers, [`lambda`] for Lambda authorizers written as
//! components), each route with the guard and scopes its template names. A guard lets a
//! request through with what the integration's `requestContext.authorizer` gets, or answers it
//! as API Gateway would.

mod identity;
pub mod jwks;
pub mod jwt;
mod lambda;
mod policy;
pub mod ring_jwt;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::{Value, json};

use self::jwks::KeyCache;
use self::jwt::JwtGuard;
use self::lambda::LambdaGuard;
use super::api_kind::{ApiKind, PayloadFormat};
use super::functions::LocalFunction;
use super::gateway::{HttpBody, HttpRequest, HttpResponse};
use super::template::auth::{Authorizer, RouteAuthorization};

/// What a guard sees of one request.
pub struct AuthRequest<'a> {
    /// The API's flavour.
    pub kind: ApiKind,
    /// The route's event format: where the authorizer's context goes.
    pub payload: PayloadFormat,
    /// The request.
    pub request: &'a HttpRequest,
    /// The method ARN API Gateway asks about: `arn:aws:execute-api:{region}:{account}:{api}/
    /// {stage}/{METHOD}/{path}`.
    pub method_arn: &'a str,
    /// The request's proxy event in a payload format: what `REQUEST` authorizers get, less the
    /// body.
    pub events: &'a (dyn Fn(PayloadFormat) -> Value + Sync),
}

/// A guard's answer.
#[derive(Debug)]
pub enum Outcome {
    /// Let through: this is the integration's `requestContext.authorizer`.
    Allowed(Value),
    /// Answered by the gateway.
    Refused(HttpResponse),
}

/// One authorizer of an API.
pub enum Guard {
    /// A JWT authorizer.
    Jwt(JwtGuard),
    /// A Lambda authorizer.
    Lambda(LambdaGuard),
    /// An authorizer `serve` does not emulate: requests pass.
    NotEmulated,
}

/// The guard a route runs behind, and the scopes it needs.
pub struct RouteGuard {
    guard: Arc<Guard>,
    scopes: Vec<String>,
}

impl std::fmt::Debug for RouteGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteGuard")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl RouteGuard {
    /// Lets `request` through, or answers it.
    pub async fn authorize(&self, request: &AuthRequest<'_>) -> Outcome {
        match self.guard.as_ref() {
            Guard::Jwt(jwt) => jwt.authorize(request, &self.scopes).await,
            Guard::Lambda(lambda) => lambda.authorize(request).await,
            Guard::NotEmulated => Outcome::Allowed(Value::Null),
        }
    }
}

/// The guards of one API, built once and shared by its routes (a Lambda authorizer's cache is
/// the authorizer's, whatever route asks).
pub struct Guards {
    by_name: HashMap<String, Arc<Guard>>,
    functions: HashMap<String, Arc<LocalFunction>>,
    keys: Arc<KeyCache>,
}

impl Guards {
    /// Guards whose Lambda authorizers run on `functions`, and whose JWT authorizers fetch keys
    /// through `keys`.
    pub fn new(functions: HashMap<String, Arc<LocalFunction>>, keys: Arc<KeyCache>) -> Self {
        Self {
            by_name: HashMap::new(),
            functions,
            keys,
        }
    }

    /// The guard of a route the template authorizes with `authorization`.
    pub fn route(&mut self, authorization: &RouteAuthorization) -> anyhow::Result<RouteGuard> {
        let guard = match self.by_name.get(&authorization.name) {
            Some(guard) => guard.clone(),
            None => {
                let guard = Arc::new(self.guard(authorization)?);
                self.by_name
                    .insert(authorization.name.clone(), guard.clone());
                guard
            }
        };
        Ok(RouteGuard {
            guard,
            scopes: authorization.scopes.clone(),
        })
    }

    fn guard(&self, authorization: &RouteAuthorization) -> anyhow::Result<Guard> {
        let name = &authorization.name;
        Ok(match &authorization.authorizer {
            Authorizer::Jwt(config) => {
                tracing::info!(authorizer = %name, issuer = %config.issuer, "JWT authorizer");
                Guard::Jwt(JwtGuard::new(config.clone(), self.keys.clone()))
            }
            Authorizer::Lambda(config) => {
                let function = self.functions.get(&config.function).with_context(|| {
                    format!(
                        "the authorizer {name}'s function {} is not loaded",
                        config.function
                    )
                })?;
                tracing::info!(
                    authorizer = %name,
                    function = %config.function,
                    cache = lambda::describe_ttl(config.ttl),
                    "Lambda authorizer"
                );
                Guard::Lambda(LambdaGuard::new(name, config.clone(), function.clone())?)
            }
            Authorizer::NotEmulated(kind) => {
                tracing::warn!(
                    authorizer = %name,
                    "{kind} authorizers are not emulated: requests to its routes pass unchecked"
                );
                Guard::NotEmulated
            }
        })
    }
}

/// The gateway's JSON answer `{key: message}` with `status`.
pub(super) fn refuse(status: u16, key: &str, message: &str) -> HttpResponse {
    refuse_with(status, json!({ key: message }), Vec::new())
}

/// The gateway's JSON answer `body` with `status` and `headers`.
pub(super) fn refuse_with(
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
) -> HttpResponse {
    let mut all = vec![("content-type".to_owned(), "application/json".to_owned())];
    all.extend(headers);
    HttpResponse {
        status,
        headers: all,
        body: HttpBody::Whole(body.to_string().into_bytes()),
    }
}
