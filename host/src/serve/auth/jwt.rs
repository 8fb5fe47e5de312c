//! An HTTP API JWT authorizer, as API Gateway documents it ("Control access to HTTP APIs with
//! JWT authorizers"): the token from the identity source, `Bearer ` prefix allowed; an RSA
//! signature by the issuer's key that the token's `kid` names; `iss` the issuer; `aud` (or,
//! without one, `client_id`) one of the audiences; `exp` after now, `nbf` and `iat` before;
//! and, when the route names scopes, one of them in `scope` or `scp`. A token that fails gets
//! 401, a token without a needed scope 403. The claims and scopes reach the integration.

use std::collections::HashSet;
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{AlgorithmFamily, Validation};
use serde_json::{Map, Value, json};

use super::jwks::{self, KeyCache, KeyError};
use super::{AuthRequest, Outcome, identity, refuse_with};
use crate::serve::api_kind::PayloadFormat;
use crate::serve::template::auth::{IdentitySource, JwtAuthorizer};

/// What `iss` a JWT authorizer may name: HTTPS, or plain HTTP on loopback (a local issuer).
pub fn check_issuer(issuer: &str) -> anyhow::Result<()> {
    jwks::check_url(issuer).map_err(|err| anyhow::anyhow!("the issuer {issuer:?} {err}"))
}

/// One JWT authorizer, its keys from the process's cache.
pub struct JwtGuard {
    config: JwtAuthorizer,
    keys: Arc<KeyCache>,
}

/// Why a token is refused: the `error_description` of the `www-authenticate` header.
type Reason = &'static str;

impl JwtGuard {
    /// The authorizer `config`, fetching keys through `keys`.
    pub fn new(config: JwtAuthorizer, keys: Arc<KeyCache>) -> Self {
        super::ring_jwt::install();
        Self { config, keys }
    }

    /// Lets the request through with its claims, or refuses it as API Gateway does.
    pub async fn authorize(&self, request: &AuthRequest<'_>, scopes: &[String]) -> Outcome {
        let token = match &self.config.identity {
            IdentitySource::Header(name) => identity::header(request, name),
            other => identity::value(request, other),
        };
        let Some(token) = token else {
            return unauthorized("no token in the identity source");
        };
        let token = token.strip_prefix("Bearer ").unwrap_or(&token).trim();
        let claims = match self.validate(token).await {
            Ok(claims) => claims,
            Err(reason) => return unauthorized(reason),
        };
        let granted = token_scopes(&claims);
        if !scopes.is_empty() && !scopes.iter().any(|needed| granted.contains(needed)) {
            let expected = scopes.join(" ");
            return Outcome::Refused(refuse_with(
                403,
                json!({ "message": "Forbidden" }),
                vec![(
                    "www-authenticate".to_owned(),
                    format!(
                        "Bearer scope=\"{expected}\" error=\"insufficient_scope\" \
                         error_description=\"the token has none of the route's scopes\""
                    ),
                )],
            ));
        }
        let scopes = (!granted.is_empty()).then(|| json!(granted));
        let claims = Value::Object(
            claims
                .into_iter()
                .map(|(name, value)| (name, Value::String(claim_text(&value))))
                .collect(),
        );
        let fields = json!({ "claims": claims, "scopes": scopes });
        Outcome::Allowed(match request.payload {
            PayloadFormat::V2 => json!({ "jwt": fields }),
            PayloadFormat::V1 => fields,
        })
    }

    /// The token's claims, if it is valid for this authorizer.
    async fn validate(&self, token: &str) -> Result<Map<String, Value>, Reason> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "the token is not a JWT")?;
        if AlgorithmFamily::Rsa != header.alg.family() {
            return Err("the token is not signed with an RSA algorithm");
        }
        let kid = header.kid.ok_or("the token names no key (kid)")?;
        let key = match self.keys.key(&self.config.issuer, &kid).await {
            Ok(key) => key,
            Err(KeyError::UnknownKid(_)) => {
                return Err("the token's kid is not one of the issuer's keys");
            }
            Err(err @ KeyError::Fetch(_)) => {
                tracing::warn!(issuer = %self.config.issuer, "{err}");
                return Err("the issuer's keys could not be fetched");
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.config.issuer]);
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(
            |err| match err.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
                ErrorKind::InvalidIssuer => "the token does not have a valid issuer",
                ErrorKind::InvalidSignature => "the token's signature is not valid",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim (exp, iss)",
                _ => "the token is not valid",
            },
        )?;
        let claims = data.claims;
        let now = jsonwebtoken::get_current_timestamp();
        if claims
            .get("iat")
            .and_then(Value::as_f64)
            .is_some_and(|iat| iat > now as f64)
        {
            return Err("the token was issued in the future (iat)");
        }
        if !self.config.audiences.is_empty() && !self.audience_matches(&claims) {
            return Err("the token does not have a valid audience");
        }
        Ok(claims)
    }

    /// `aud` (a string or a list) names one of the audiences; without `aud`, `client_id` does.
    fn audience_matches(&self, claims: &Map<String, Value>) -> bool {
        let allowed = |value: &Value| {
            value
                .as_str()
                .is_some_and(|audience| self.config.audiences.iter().any(|a| a == audience))
        };
        match claims.get("aud") {
            Some(Value::Array(audiences)) => audiences.iter().any(allowed),
            Some(audience) => allowed(audience),
            None => claims.get("client_id").is_some_and(allowed),
        }
    }
}

fn unauthorized(reason: Reason) -> Outcome {
    tracing::info!("JWT authorizer refused the token: {reason}");
    Outcome::Refused(refuse_with(
        401,
        json!({ "message": "Unauthorized" }),
        vec![(
            "www-authenticate".to_owned(),
            format!("Bearer scope=\"\" error=\"invalid_token\" error_description=\"{reason}\""),
        )],
    ))
}

/// The token's scopes: `scope` (space-separated), else `scp` (a list, or space-separated).
fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut scopes = match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(scope)), _) => words(scope),
        (_, Some(Value::String(scp))) => words(scp),
        (_, Some(Value::Array(scp))) => scp
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let mut seen = HashSet::new();
    scopes.retain(|scope| seen.insert(scope.clone()));
    scopes
}

/// A claim as API Gateway passes it to the integration: text, with numbers and booleans as
/// written and a list as `[a b]`.
fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(claim_text).collect::<Vec<_>>().join(" ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let claims = |value: Value| value.as_object().unwrap().clone();
        assert_eq!(
            token_scopes(&claims(json!({ "scope": "a b a" }))),
            ["a", "b"]
        );
        assert_eq!(
            token_scopes(&claims(json!({ "scp": ["x", "y"] }))),
            ["x", "y"]
        );
        assert_eq!(token_scopes(&claims(json!({ "scp": "x" }))), ["x"]);
        assert!(token_scopes(&claims(json!({}))).is_empty());
    }

    #[test]
    fn claims_reach_the_integration_as_text() {
        assert_eq!(claim_text(&json!("ann")), "ann");
        assert_eq!(claim_text(&json!(1_700_000_000)), "1700000000");
        assert_eq!(claim_text(&json!(["admins", "users"])), "[admins users]");
        assert_eq!(claim_text(&json!(true)), "true");
    }
}
