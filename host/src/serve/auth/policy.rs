//! A Lambda authorizer's IAM policy, checked against the request's method ARN as API Gateway
//! checks it: a `Deny` statement that matches wins, else an `Allow` that matches lets the
//! request through, else it is denied. `Action` and `Resource` may be a string or a list and may
//! hold IAM wildcards (`*` any run of characters, `?` one).

use serde_json::Value;

/// API Gateway limits a policy's resource ARN to 512 characters; a longer pattern is refused
/// rather than matched.
const MAX_PATTERN_CHARS: usize = 512;
/// At most this many action and resource patterns are matched per policy: the authorizer's
/// answer bounds the work, not the reverse.
const MAX_PATTERNS: usize = 1000;

/// One statement of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
}

/// What the policy says of a method ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An `Allow` matches, and no `Deny`.
    Allow,
    /// A `Deny` matches.
    ExplicitDeny,
    /// Nothing matches.
    ImplicitDeny,
}

/// The statements of a `policyDocument`, or why it is not one API Gateway takes.
pub fn parse(document: &Value) -> Result<Vec<Statement>, String> {
    let statements = match &document["Statement"] {
        Value::Array(statements) if !statements.is_empty() => statements.clone(),
        statement @ Value::Object(_) => vec![statement.clone()],
        _ => return Err("policyDocument has no Statement".to_owned()),
    };
    let mut patterns = 0;
    let mut parsed = Vec::with_capacity(statements.len());
    for statement in &statements {
        let allow = match statement["Effect"].as_str() {
            Some(effect) if effect.eq_ignore_ascii_case("allow") => true,
            Some(effect) if effect.eq_ignore_ascii_case("deny") => false,
            _ => return Err("a Statement's Effect is neither Allow nor Deny".to_owned()),
        };
        let actions = strings(&statement["Action"], "Action")?;
        let resources = strings(&statement["Resource"], "Resource")?;
        patterns += actions.len() + resources.len();
        if patterns > MAX_PATTERNS {
            return Err(format!(
                "the policy has more than {MAX_PATTERNS} actions and resources"
            ));
        }
        if let Some(long) = resources
            .iter()
            .find(|r| r.chars().count() > MAX_PATTERN_CHARS)
        {
            return Err(format!(
                "a Resource is longer than {MAX_PATTERN_CHARS} characters ({} bytes)",
                long.len()
            ));
        }
        parsed.push(Statement {
            allow,
            actions,
            resources,
        });
    }
    Ok(parsed)
}

fn strings(value: &Value, name: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("a Statement's {name} is not a list of strings")),
        _ => Err(format!("a Statement has no {name}")),
    }
}

/// The verdict of `statements` on invoking `method_arn`.
pub fn evaluate(statements: &[Statement], method_arn: &str) -> Verdict {
    let applies = |statement: &Statement| {
        statement
            .actions
            .iter()
            .any(|action| matches(&action.to_ascii_lowercase(), "execute-api:invoke"))
            && statement
                .resources
                .iter()
                .any(|resource| matches(resource, method_arn))
    };
    if statements.iter().any(|s| !s.allow && applies(s)) {
        Verdict::ExplicitDeny
    } else if statements.iter().any(|s| s.allow && applies(s)) {
        Verdict::Allow
    } else {
        Verdict::ImplicitDeny
    }
}

/// Whether `text` matches the IAM `pattern`: `*` any run of characters (none included), `?` any
/// one character. Greedy with one backtrack point, so linear in practice and bounded by the
/// pattern's length times the text's.
fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/prod/POST/users";

    fn verdict(policy: Value) -> Verdict {
        evaluate(&parse(&policy).unwrap(), ARN)
    }

    #[test]
    fn an_allow_matching_the_arn_with_wildcards_lets_the_request_through() {
        for resource in [
            ARN,
            "arn:aws:execute-api:us-east-1:123456789012:local/prod/*/*",
            "arn:aws:execute-api:us-east-1:123456789012:local/*",
            "arn:aws:execute-api:*:*:*/prod/P?ST/users",
            "*",
        ] {
            let policy = json!({ "Statement": [{ "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource }] });
            assert_eq!(verdict(policy), Verdict::Allow, "{resource}");
        }
    }

    #[test]
    fn a_matching_deny_wins_and_no_match_is_an_implicit_deny() {
        let policy = json!({ "Statement": [
            { "Effect": "Allow", "Action": ["execute-api:*"], "Resource": ["*"] },
            { "Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*/prod/POST/*" },
        ] });
        assert_eq!(verdict(policy), Verdict::ExplicitDeny);
        let other = json!({ "Statement": [{ "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/users" }] });
        assert_eq!(verdict(other), Verdict::ImplicitDeny);
        let other_action = json!({ "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" }] });
        assert_eq!(verdict(other_action), Verdict::ImplicitDeny);
    }

    #[test]
    fn a_policy_api_gateway_would_refuse_is_an_error() {
        assert!(parse(&json!({})).is_err());
        assert!(parse(&json!({ "Statement": [] })).is_err());
        assert!(
            parse(&json!({ "Statement": [{ "Effect": "Maybe", "Action": "*", "Resource": "*" }] }))
                .is_err()
        );
        assert!(parse(&json!({ "Statement": [{ "Effect": "Allow", "Resource": "*" }] })).is_err());
        let long = "a".repeat(600);
        assert!(
            parse(
                &json!({ "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": long }] })
            )
            .is_err()
        );
        let many: Vec<Value> = (0..600)
            .map(|_| json!({ "Effect": "Allow", "Action": "*", "Resource": "*" }))
            .collect();
        assert!(parse(&json!({ "Statement": many })).is_err());
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a*", "a"));
        assert!(!matches("a?c", "ac"));
        assert!(!matches("abc", "abcd"));
        assert!(matches("*/*", "x/y/z"));
        let text = "a".repeat(1600);
        assert!(!matches(&format!("{}b", "*a".repeat(200)), &text));
    }
}
