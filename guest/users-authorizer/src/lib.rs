//! A Lambda authorizer for the users API's writes, as a component: a REST API `TOKEN`
//! authorizer whose callers hold API keys. `USERS_API_KEYS` lists them, `name=key` pairs
//! separated by commas; a request whose `Authorization` header is `Bearer <key>` (or the key
//! alone) of a listed caller may write, with the caller's name as `principalId` and in the
//! context (`user`); another key is denied (API Gateway answers 403); a header that holds no
//! key at all is `Unauthorized` (401).
//!
//! The policy allows every method of the stage, so that API Gateway's cached answer (five
//! minutes by default) serves the caller's other writes too.

use lambda_wasm_sdk::authorizer::{
    AuthorizerError, AuthorizerRequest, AuthorizerResponse, MethodArn, PolicyResponse,
};

lambda_wasm_sdk::authorizer!(authorize);

/// The variable that lists the callers and their keys.
const KEYS_VAR: &str = "USERS_API_KEYS";

fn authorize(request: &AuthorizerRequest) -> Result<AuthorizerResponse, AuthorizerError> {
    let keys = std::env::var(KEYS_VAR).unwrap_or_default();
    decide(&keys, request)
}

/// The answer to `request` for the callers of `keys` (`name=key,name=key`).
fn decide(keys: &str, request: &AuthorizerRequest) -> Result<AuthorizerResponse, AuthorizerError> {
    let token = request
        .token()
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(AuthorizerError::Unauthorized)?;
    let arn = MethodArn::parse(request.method_arn()).ok_or_else(|| {
        AuthorizerError::Failed(format!("not a method ARN: {}", request.method_arn()))
    })?;
    let stage = arn.with("*", "*");
    let caller = keys
        .split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(_, key)| !key.is_empty() && same(key.as_bytes(), token.as_bytes()))
        .map(|(name, _)| name.trim());
    Ok(match caller {
        Some(name) => PolicyResponse::allow(name, &stage).with_context("user", name),
        None => PolicyResponse::deny("anonymous", &stage),
    }
    .into())
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |differ, (x, y)| differ | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::authorizer::{Effect, TokenRequest};

    use super::*;

    const KEYS: &str = "ann=k-ann-1, bob=k-bob-2";
    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/users";

    fn token(token: &str) -> AuthorizerRequest {
        AuthorizerRequest::Token(TokenRequest {
            authorization_token: token.to_owned(),
            method_arn: ARN.to_owned(),
        })
    }

    fn policy(answer: Result<AuthorizerResponse, AuthorizerError>) -> PolicyResponse {
        match answer {
            Ok(AuthorizerResponse::Policy(policy)) => policy,
            other => panic!("not a policy: {other:?}"),
        }
    }

    #[test]
    fn a_listed_key_may_write_on_the_whole_stage_as_its_caller() {
        let answer = policy(decide(KEYS, &token("Bearer k-bob-2")));
        assert_eq!(answer.principal_id, "bob");
        assert_eq!(answer.context["user"], "bob");
        let statement = &answer.policy_document.statement[0];
        assert_eq!(statement.effect, Effect::Allow);
        assert_eq!(
            statement.resource,
            ["arn:aws:execute-api:us-east-1:123456789012:abc/prod/*/*"]
        );
        assert_eq!(policy(decide(KEYS, &token("k-ann-1"))).principal_id, "ann");
    }

    #[test]
    fn another_key_is_denied_and_no_key_is_unauthorized() {
        let answer = policy(decide(KEYS, &token("Bearer k-bob-3")));
        assert_eq!(answer.policy_document.statement[0].effect, Effect::Deny);
        assert_eq!(
            decide(KEYS, &token("Bearer ")),
            Err(AuthorizerError::Unauthorized)
        );
        assert_eq!(
            policy(decide("", &token("anything")))
                .policy_document
                .statement[0]
                .effect,
            Effect::Deny,
            "no keys configured: nobody writes"
        );
        let empty_key = policy(decide("eve=", &token("x")));
        assert_eq!(empty_key.policy_document.statement[0].effect, Effect::Deny);
    }

    #[test]
    fn keys_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
