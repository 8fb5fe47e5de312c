//! Outbound HTTP for guests: the allowlist, the AWS services the host signs for and their
//! endpoint overrides, the per-invocation allowance, and the roots HTTPS trusts.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use super::lambda::LambdaSettings;
use super::{Environment, list, number};
use crate::outbound::allowlist::Allowlist;
use crate::outbound::endpoint::Endpoint;
use crate::outbound::signing::Signer;
use crate::outbound::tls::Tls;
use crate::outbound::{OutboundLimits, OutboundPolicy};

/// Comma-separated destinations guests may send HTTP requests to, `scheme://host[:port]`, with
/// `*.` wildcards (`https://*.amazonaws.com`). Default: none.
pub const OUTBOUND_HOSTS_VAR: &str = "LAMBDA_WASM_OUTBOUND_HOSTS";
/// Comma-separated AWS services (endpoint names, e.g. `dynamodb,s3`) whose requests the host
/// signs with the function's credentials. Default: none.
pub const AWS_SERVICES_VAR: &str = "LAMBDA_WASM_AWS_SERVICES";
/// The most outbound requests one invocation may send. Default 50.
pub const MAX_REQUESTS_VAR: &str = "LAMBDA_WASM_OUTBOUND_MAX_REQUESTS";
/// The largest response body an outbound request may receive, in KiB. Default 10240 (10 MiB).
pub const MAX_RESPONSE_KB_VAR: &str = "LAMBDA_WASM_OUTBOUND_MAX_RESPONSE_KB";
/// How long resolving and connecting (TLS included) may take, in ms. Default 3000.
pub const CONNECT_TIMEOUT_MS_VAR: &str = "LAMBDA_WASM_OUTBOUND_CONNECT_TIMEOUT_MS";
/// How long a request may take until its response headers, in ms. Default 30000.
pub const TIMEOUT_MS_VAR: &str = "LAMBDA_WASM_OUTBOUND_TIMEOUT_MS";
/// A PEM file of root certificates guests' HTTPS requests trust besides the Mozilla roots.
pub const CA_FILE_VAR: &str = "LAMBDA_WASM_OUTBOUND_CA_FILE";
/// The AWS SDKs' endpoint override for every service; `AWS_ENDPOINT_URL_<SERVICE>` for one.
pub const ENDPOINT_URL_VAR: &str = "AWS_ENDPOINT_URL";

const MAX_REQUESTS: RangeInclusive<u64> = 0..=10_000;
/// Up to 4 GiB, the most a guest's memory could hold.
const MAX_RESPONSE_KB: RangeInclusive<u64> = 0..=4 << 20;
/// Up to Lambda's longest timeout, 15 minutes; each is cut to the invocation's time left.
const TIMEOUT_MS: RangeInclusive<u64> = 1..=900_000;
const DEFAULT_MAX_REQUESTS: u64 = 50;
const DEFAULT_MAX_RESPONSE_KB: u64 = 10 << 10;
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 3_000;
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

impl Default for OutboundLimits {
    fn default() -> Self {
        Self {
            max_requests: DEFAULT_MAX_REQUESTS as u32,
            max_response_bytes: DEFAULT_MAX_RESPONSE_KB << 10,
            connect_timeout: Duration::from_millis(DEFAULT_CONNECT_TIMEOUT_MS),
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
        }
    }
}

/// The variable that overrides `service`'s endpoint: `AWS_ENDPOINT_URL_DYNAMODB` for `dynamodb`.
pub fn service_endpoint_var(service: &str) -> String {
    format!(
        "{ENDPOINT_URL_VAR}_{}",
        service.to_ascii_uppercase().replace(['-', ' '], "_")
    )
}

/// Where guests' requests may go and how.
pub(super) fn read(env: &Environment, lambda: &LambdaSettings) -> anyhow::Result<OutboundPolicy> {
    let allowlist = Allowlist::parse(env.get(OUTBOUND_HOSTS_VAR).unwrap_or_default())
        .with_context(|| format!("{OUTBOUND_HOSTS_VAR} is not a list of scheme://host[:port]"))?;
    let services: Vec<String> = list(env.get(AWS_SERVICES_VAR))
        .map(str::to_ascii_lowercase)
        .collect();
    let signer = if services.is_empty() {
        None
    } else {
        let region = lambda.region.as_deref().with_context(|| {
            format!("{AWS_SERVICES_VAR} asks for signed requests, so a region is needed: AWS_REGION is not set")
        })?;
        Some(Signer::new(region))
    };
    let mut endpoints = HashMap::new();
    for service in &services {
        let var = service_endpoint_var(service);
        let url = env
            .non_blank(&var)
            .map(|url| (url, var.as_str()))
            .or_else(|| {
                env.non_blank(ENDPOINT_URL_VAR)
                    .map(|url| (url, ENDPOINT_URL_VAR))
            });
        if let Some((url, var)) = url {
            endpoints.insert(service.clone(), Endpoint::parse(url, var)?);
        }
    }
    let limits = OutboundLimits {
        max_requests: number(env, MAX_REQUESTS_VAR, MAX_REQUESTS)?
            .map_or(DEFAULT_MAX_REQUESTS as u32, |max| max as u32),
        max_response_bytes: number(env, MAX_RESPONSE_KB_VAR, MAX_RESPONSE_KB)?
            .unwrap_or(DEFAULT_MAX_RESPONSE_KB)
            << 10,
        connect_timeout: Duration::from_millis(
            number(env, CONNECT_TIMEOUT_MS_VAR, TIMEOUT_MS)?.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS),
        ),
        timeout: Duration::from_millis(
            number(env, TIMEOUT_MS_VAR, TIMEOUT_MS)?.unwrap_or(DEFAULT_TIMEOUT_MS),
        ),
    };
    let tls = Tls::new(env.non_blank(CA_FILE_VAR).map(Path::new))
        .with_context(|| format!("{CA_FILE_VAR} cannot be used"))?;
    Ok(OutboundPolicy {
        allowlist,
        services,
        endpoints,
        signer,
        runtime_api: lambda
            .runtime_api
            .as_ref()
            .map(|api| api.addresses.clone())
            .unwrap_or_default(),
        tls,
        limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::allowlist::Scheme;
    use crate::outbound::{Destination, Refused};

    fn policy(vars: &[(&str, &str)]) -> anyhow::Result<OutboundPolicy> {
        let env = Environment::from_pairs(vars.iter().copied());
        read(&env, &LambdaSettings::read(&env)?)
    }

    const CREDENTIALS: [(&str, &str); 3] = [
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "eu-west-3"),
    ];

    #[test]
    fn the_default_policy_refuses_everything() {
        let policy = policy(&[]).unwrap();
        assert_eq!(
            policy.route(Scheme::Https, "example.com", 443),
            Err(Refused("not on the allowlist"))
        );
        assert_eq!(policy.limits, OutboundLimits::default());
    }

    #[test]
    fn an_overridden_service_goes_to_its_endpoint_signed_and_may_be_local() {
        let mut vars = CREDENTIALS.to_vec();
        vars.extend([
            (AWS_SERVICES_VAR, "DynamoDB, s3"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"),
        ]);
        let policy = policy(&vars).unwrap();
        let destination = policy
            .route(Scheme::Https, "dynamodb.eu-west-3.amazonaws.com", 443)
            .unwrap();
        assert_eq!(
            destination,
            Destination {
                scheme: Scheme::Http,
                host: "localhost".into(),
                port: 8000,
                base_path: String::new(),
                service: Some("dynamodb".into()),
                private_allowed: true,
            }
        );
        // S3 has no override here, so it needs the allowlist like anything else.
        assert!(
            policy
                .route(Scheme::Https, "s3.amazonaws.com", 443)
                .is_err()
        );
    }

    #[test]
    fn a_listed_service_on_the_allowlist_is_signed_and_others_are_not() {
        let mut vars = CREDENTIALS.to_vec();
        vars.extend([
            (AWS_SERVICES_VAR, "dynamodb"),
            (OUTBOUND_HOSTS_VAR, "https://*.amazonaws.com"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1"),
        ]);
        let policy = policy(&vars).unwrap();
        let dynamodb = policy
            .route(Scheme::Https, "dynamodb.eu-west-3.amazonaws.com", 443)
            .unwrap();
        assert_eq!(
            (dynamodb.service.as_deref(), dynamodb.private_allowed),
            (Some("dynamodb"), false)
        );
        // Not a listed service: its override is not read, and it is not signed.
        let s3 = policy
            .route(Scheme::Https, "s3.amazonaws.com", 443)
            .unwrap();
        assert_eq!((s3.host.as_str(), s3.service), ("s3.amazonaws.com", None));
    }

    #[test]
    fn configuration_errors_name_the_variable() {
        for (vars, name) in [
            (
                vec![(OUTBOUND_HOSTS_VAR, "example.com")],
                OUTBOUND_HOSTS_VAR,
            ),
            (vec![(AWS_SERVICES_VAR, "s3")], AWS_SERVICES_VAR),
            (vec![(MAX_REQUESTS_VAR, "10001")], MAX_REQUESTS_VAR),
            (vec![(TIMEOUT_MS_VAR, "0")], TIMEOUT_MS_VAR),
            (vec![(CA_FILE_VAR, "/nonexistent/ca.pem")], CA_FILE_VAR),
            (
                vec![("AWS_LAMBDA_RUNTIME_API", "no port")],
                "AWS_LAMBDA_RUNTIME_API",
            ),
        ] {
            let error = format!("{:#}", policy(&vars).unwrap_err());
            assert!(error.contains(name), "{error}");
        }
        let mut vars = CREDENTIALS.to_vec();
        vars.extend([(AWS_SERVICES_VAR, "s3"), (ENDPOINT_URL_VAR, "localhost:1")]);
        let error = format!("{:#}", policy(&vars).unwrap_err());
        assert!(error.contains(ENDPOINT_URL_VAR), "{error}");
    }

    #[test]
    fn a_signed_service_needs_a_region() {
        let error = format!("{:#}", policy(&[(AWS_SERVICES_VAR, "s3")]).unwrap_err());
        assert!(error.contains("AWS_REGION"), "{error}");
        assert!(policy(&[(AWS_SERVICES_VAR, "s3"), ("AWS_REGION", "eu-west-3")]).is_ok());
    }

    #[test]
    fn the_runtime_api_is_never_a_destination() {
        let policy = policy(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]).unwrap();
        assert_eq!(
            policy.runtime_api(),
            [std::net::SocketAddr::from(([127, 0, 0, 1], 9001))]
        );
    }

    #[test]
    fn the_endpoint_variable_is_the_sdks_name() {
        assert_eq!(
            service_endpoint_var("dynamodb"),
            "AWS_ENDPOINT_URL_DYNAMODB"
        );
        assert_eq!(
            service_endpoint_var("api-gateway"),
            "AWS_ENDPOINT_URL_API_GATEWAY"
        );
    }
}
