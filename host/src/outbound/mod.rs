//! Outbound HTTP for guests: where a request may go, which requests the host signs, and what an
//! invocation may spend. Independent of any component world: every world that imports
//! `wasi:http/outgoing-handler` sends through [`send::send`] under one [`OutboundPolicy`].
//!
//! Deny by default: a request goes out only to a destination on the `LAMBDA_WASM_OUTBOUND_HOSTS`
//! allowlist, or, for an AWS service of `LAMBDA_WASM_AWS_SERVICES`, to the endpoint the operator
//! configured for it. The address a name resolves to is checked, and that very address is the
//! one connected to; link-local addresses, the instance metadata service and the Runtime API are
//! never reached, loopback and private ranges only when named literally.

pub mod address;
pub mod allowlist;
pub mod credentials;
pub mod endpoint;
mod log;
pub mod send;
pub mod signing;
pub mod tls;

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::ops::RangeInclusive;
use std::time::Duration;

use anyhow::Context as _;

use self::allowlist::{Allowlist, Scheme};
use self::endpoint::{ENDPOINT_URL_VAR, Endpoint};
use self::signing::Signer;
use self::tls::{CA_FILE_VAR, Tls};
use crate::config::number;

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
/// Where the Lambda Runtime API listens, `host:port`; set by Lambda.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

const MAX_REQUESTS: RangeInclusive<u64> = 0..=10_000;
/// Up to 4 GiB, the most a guest's memory could hold.
const MAX_RESPONSE_KB: RangeInclusive<u64> = 0..=4 << 20;
/// Up to Lambda's longest timeout, 15 minutes; each is cut to the invocation's time left.
const TIMEOUT_MS: RangeInclusive<u64> = 1..=900_000;
const DEFAULT_MAX_REQUESTS: u64 = 50;
const DEFAULT_MAX_RESPONSE_KB: u64 = 10 << 10;
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 3_000;
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// What an invocation may spend on outbound requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundLimits {
    /// Requests per invocation.
    pub max_requests: u32,
    /// Bytes of one response body.
    pub max_response_bytes: u64,
    /// Resolving and connecting, TLS included.
    pub connect_timeout: Duration,
    /// The whole request until its response headers.
    pub timeout: Duration,
}

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

/// Where guests' requests may go and how, read once at start. The default allows nothing.
#[derive(Debug, Default)]
pub struct OutboundPolicy {
    allowlist: Allowlist,
    /// The services whose requests are signed (empty without a signer).
    services: Vec<String>,
    /// The operator's endpoint for a service, by service.
    endpoints: HashMap<String, Endpoint>,
    signer: Option<Signer>,
    /// The Runtime API's addresses: never reachable.
    runtime_api: Vec<SocketAddr>,
    /// The roots HTTPS requests trust.
    tls: Tls,
    /// The per-invocation allowance.
    pub limits: OutboundLimits,
}

/// Where one request goes, once the policy allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The scheme to connect with.
    pub scheme: Scheme,
    /// The host to resolve, connect to and name in `Host` (and TLS).
    pub host: String,
    /// The port to connect to.
    pub port: u16,
    /// Put before the request's path (an endpoint override's path).
    pub base_path: String,
    /// The AWS service the request is signed for, if any.
    pub service: Option<String>,
    /// True when loopback and private addresses may be reached: the operator named this
    /// destination (an allowlist entry naming the address, or an endpoint override).
    pub private_allowed: bool,
}

/// A request the policy refuses, with the reason the log gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl OutboundPolicy {
    /// Reads the policy from the process environment.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let number = |name: &str, range| number(name, lookup(name), range);
        let allowlist = Allowlist::parse(&lookup(OUTBOUND_HOSTS_VAR).unwrap_or_default())
            .with_context(|| {
                format!("{OUTBOUND_HOSTS_VAR} is not a list of scheme://host[:port]")
            })?;
        let services: Vec<String> = lookup(AWS_SERVICES_VAR)
            .unwrap_or_default()
            .split(',')
            .map(|service| service.trim().to_ascii_lowercase())
            .filter(|service| !service.is_empty())
            .collect();
        let signer = if services.is_empty() {
            None
        } else {
            Some(Signer::from_lookup(lookup).with_context(|| {
                format!("{AWS_SERVICES_VAR} asks for signed requests, so a region is needed")
            })?)
        };
        let mut endpoints = HashMap::new();
        for service in &services {
            let var = endpoint::service_endpoint_var(service);
            let url = lookup(&var)
                .filter(|url| !url.trim().is_empty())
                .map(|url| (url, var))
                .or_else(|| {
                    lookup(ENDPOINT_URL_VAR)
                        .filter(|url| !url.trim().is_empty())
                        .map(|url| (url, ENDPOINT_URL_VAR.to_owned()))
                });
            if let Some((url, var)) = url {
                endpoints.insert(service.clone(), Endpoint::parse(&url, &var)?);
            }
        }
        let limits = OutboundLimits {
            max_requests: number(MAX_REQUESTS_VAR, MAX_REQUESTS)?.unwrap_or(DEFAULT_MAX_REQUESTS)
                as u32,
            max_response_bytes: number(MAX_RESPONSE_KB_VAR, MAX_RESPONSE_KB)?
                .unwrap_or(DEFAULT_MAX_RESPONSE_KB)
                << 10,
            connect_timeout: Duration::from_millis(
                number(CONNECT_TIMEOUT_MS_VAR, TIMEOUT_MS)?.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS),
            ),
            timeout: Duration::from_millis(
                number(TIMEOUT_MS_VAR, TIMEOUT_MS)?.unwrap_or(DEFAULT_TIMEOUT_MS),
            ),
        };
        Ok(Self {
            allowlist,
            services,
            endpoints,
            signer,
            runtime_api: runtime_api(lookup(RUNTIME_API_VAR))?,
            tls: Tls::new(
                lookup(CA_FILE_VAR)
                    .filter(|file| !file.trim().is_empty())
                    .as_deref()
                    .map(std::path::Path::new),
            )?,
            limits,
        })
    }

    /// The signer, when some services are signed.
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// The Runtime API's addresses.
    pub fn runtime_api(&self) -> &[SocketAddr] {
        &self.runtime_api
    }

    /// TLS for HTTPS destinations.
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// Where a guest's request for `scheme://host:port` goes, or why it may not go anywhere.
    /// `host` as [`allowlist::normalize_host`] gives it.
    pub fn route(&self, scheme: Scheme, host: &str, port: u16) -> Result<Route, Refused> {
        let service = endpoint::aws_service(host, &self.services);
        if let Some(endpoint) = service.and_then(|service| self.endpoints.get(service)) {
            return Ok(Route {
                scheme: endpoint.scheme,
                host: endpoint.host.clone(),
                port: endpoint.port,
                base_path: endpoint.base_path.clone(),
                service: service.map(str::to_owned),
                private_allowed: true,
            });
        }
        let entry = self
            .allowlist
            .allows(scheme, host, port)
            .ok_or(Refused("not on the allowlist"))?;
        Ok(Route {
            scheme,
            host: host.to_owned(),
            port,
            base_path: String::new(),
            service: service.map(str::to_owned),
            private_allowed: entry.literal_ip().is_some(),
        })
    }
}

/// The Runtime API's addresses, resolved once: Lambda gives `127.0.0.1:9001`; emulators such
/// as cargo-lambda's give a URL (`http://127.0.0.1:9009/.rt/bootstrap`), whose authority counts.
fn runtime_api(value: Option<String>) -> anyhow::Result<Vec<SocketAddr>> {
    let Some(value) = value.filter(|value| !value.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let not_an_address = || format!("{RUNTIME_API_VAR} is not a host:port or a URL: {value:?}");
    let uri: http::Uri = value.trim().parse().with_context(not_an_address)?;
    let authority = uri.authority().with_context(not_an_address)?;
    let port = authority
        .port_u16()
        .or_else(|| (uri.scheme() == Some(&http::uri::Scheme::HTTP)).then_some(80))
        .with_context(not_an_address)?;
    let addresses = (authority.host(), port)
        .to_socket_addrs()
        .with_context(not_an_address)?;
    Ok(addresses.collect())
}

/// What one invocation has spent: a fresh one per instance.
#[derive(Debug, Default)]
pub struct Budget {
    sent: u32,
}

impl Budget {
    /// Counts one more request, or refuses it past `limits.max_requests`.
    pub fn take(&mut self, limits: &OutboundLimits) -> Result<(), Refused> {
        if self.sent >= limits.max_requests {
            return Err(Refused("too many outbound requests in this invocation"));
        }
        self.sent += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(vars: &[(&str, &str)]) -> anyhow::Result<OutboundPolicy> {
        OutboundPolicy::from_lookup(&|name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
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
        let route = policy
            .route(Scheme::Https, "dynamodb.eu-west-3.amazonaws.com", 443)
            .unwrap();
        assert_eq!(
            route,
            Route {
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
            (vec![(RUNTIME_API_VAR, "no port")], RUNTIME_API_VAR),
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
    fn the_runtime_api_is_read_as_lambda_and_emulators_set_it() {
        let local = |port| vec![SocketAddr::from(([127, 0, 0, 1], port))];
        assert_eq!(
            runtime_api(Some("127.0.0.1:9001".into())).unwrap(),
            local(9001)
        );
        assert_eq!(
            runtime_api(Some("http://127.0.0.1:9009/.rt/bootstrap".into())).unwrap(),
            local(9009)
        );
        assert_eq!(
            runtime_api(Some("http://127.0.0.1".into())).unwrap(),
            local(80)
        );
        assert!(runtime_api(None).unwrap().is_empty());
        for bad in ["no port", "127.0.0.1", "/just/a/path"] {
            assert!(runtime_api(Some(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_budget_refuses_one_request_too_many() {
        let limits = OutboundLimits {
            max_requests: 2,
            ..OutboundLimits::default()
        };
        let mut budget = Budget::default();
        assert!(budget.take(&limits).is_ok() && budget.take(&limits).is_ok());
        assert!(budget.take(&limits).is_err());
    }
}
