//! Outbound HTTP for guests: where a request may go, which requests the host signs, and what an
//! invocation may spend. Independent of any component world: every world that imports
//! `wasi:http/outgoing-handler` sends through [`send::send`] under one [`OutboundPolicy`].
//!
//! Deny by default: a request goes out only to a destination on the `LAMBDA_WASM_OUTBOUND_HOSTS`
//! allowlist, or, for an AWS service of `LAMBDA_WASM_AWS_SERVICES`, to the endpoint the operator
//! configured for it. The address a name resolves to is checked, and that very address is the
//! one connected to; link-local addresses, the instance metadata service and the Runtime API are
//! never reached, loopback and private ranges only when named literally. A signed request never
//! goes out in plain HTTP but to the operator's own endpoint.

pub(crate) mod address;
pub mod allowlist;
pub(crate) mod credentials;
pub(crate) mod endpoint;
pub(crate) mod held_body;
mod log;
pub(crate) mod send;
pub mod signing;
pub(crate) mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use self::allowlist::{Allowlist, Scheme};
use self::endpoint::Endpoint;
use self::log::InvocationLog;
use self::signing::Signer;
use self::tls::Tls;
use crate::memory_budget::MemoryBudget;

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

/// Where guests' requests may go and how, built once at start from the settings
/// (`crate::settings`). The default allows nothing.
#[derive(Debug, Default)]
pub struct OutboundPolicy {
    pub(crate) allowlist: Allowlist,
    /// The services whose requests are signed (empty without a signer).
    pub(crate) services: Vec<String>,
    /// The operator's endpoint for a service, by service.
    pub(crate) endpoints: HashMap<String, Endpoint>,
    pub(crate) signer: Option<Signer>,
    /// The Runtime API's addresses: never reachable.
    pub(crate) runtime_api: Vec<SocketAddr>,
    /// The roots HTTPS requests trust.
    pub(crate) tls: Tls,
    /// The per-invocation allowance.
    pub limits: OutboundLimits,
}

/// Where one request goes, once the policy allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
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
    pub fn route(&self, scheme: Scheme, host: &str, port: u16) -> Result<Destination, Refused> {
        let service = endpoint::aws_service(host, &self.services);
        if let Some(endpoint) = service.and_then(|service| self.endpoints.get(service)) {
            let bucket =
                service.map_or_else(String::new, |service| endpoint::bucket_path(host, service));
            return Ok(Destination {
                scheme: endpoint.scheme,
                host: endpoint.host.clone(),
                port: endpoint.port,
                base_path: format!("{}{bucket}", endpoint.base_path),
                service: service.map(str::to_owned),
                private_allowed: true,
            });
        }
        let entry = self
            .allowlist
            .allows(scheme, host, port)
            .ok_or(Refused("not on the allowlist"))?;
        // The signature and the session token would travel in clear. Refused rather than sent
        // unsigned: the guest asked for a signed service, and an unsigned request to it would
        // only fail further on, having sent its body in clear all the same.
        if service.is_some() && scheme == Scheme::Http {
            return Err(Refused(
                "a signed AWS service over plain HTTP (only an endpoint override may be plain)",
            ));
        }
        Ok(Destination {
            scheme,
            host: host.to_owned(),
            port,
            base_path: String::new(),
            service: service.map(str::to_owned),
            private_allowed: entry.literal_ip().is_some(),
        })
    }
}

/// What one invocation has spent, and where its lines go: a fresh one per instance.
#[derive(Debug)]
pub struct Budget {
    sent: u32,
    /// The invocation's memory, which request bodies held to sign them count against.
    memory: MemoryBudget,
    log: Arc<InvocationLog>,
}

impl Budget {
    /// Nothing spent yet, with the invocation's `memory`, logging in the current span (the
    /// invocation's).
    pub fn new(memory: MemoryBudget) -> Self {
        Self {
            sent: 0,
            memory,
            log: InvocationLog::current(),
        }
    }

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

    #[test]
    fn the_budget_refuses_one_request_too_many() {
        let limits = OutboundLimits {
            max_requests: 2,
            ..OutboundLimits::default()
        };
        let mut budget = Budget::new(MemoryBudget::new(0));
        assert!(budget.take(&limits).is_ok() && budget.take(&limits).is_ok());
        assert!(budget.take(&limits).is_err());
    }
}
