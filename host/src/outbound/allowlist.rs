//! `LAMBDA_WASM_OUTBOUND_HOSTS`: the destinations a guest may send HTTP requests to, each a
//! scheme, a host (or `*.` and a domain) and an optional port, e.g.
//! `https://*.amazonaws.com,http://127.0.0.1:8000`. Empty, the default, allows nothing.

use std::net::IpAddr;

use anyhow::{Context as _, bail};

/// One allowed destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    scheme: Scheme,
    host: Host,
    port: u16,
}

/// The schemes an outbound request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP, port 80 by default.
    Http,
    /// HTTP over TLS, port 443 by default.
    Https,
}

impl Scheme {
    /// `http` or `https`, in any case; anything else is `None`.
    pub fn parse(scheme: &str) -> Option<Self> {
        match scheme.to_ascii_lowercase().as_str() {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            _ => None,
        }
    }

    /// The port a URL of this scheme without one means.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// A name or an address, exactly (lower case, no trailing dot).
    Exact(String),
    /// `*.example.com`: any name ending in `.example.com`, not `example.com` itself.
    Subdomains(String),
}

/// The allowed destinations, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

impl Allowlist {
    /// Parses the comma-separated list; an entry that is not `scheme://host[:port]` is an error
    /// naming it, so that a typo is found at start rather than as refusals.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| Entry::parse(entry).with_context(|| format!("allowlist entry {entry:?}")))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { entries })
    }

    /// The entry that allows `scheme://host:port`, if any; `host` as [`normalize_host`] gives it.
    pub fn allows(&self, scheme: Scheme, host: &str, port: u16) -> Option<&Entry> {
        self.entries.iter().find(|entry| {
            entry.scheme == scheme
                && entry.port == port
                && match &entry.host {
                    Host::Exact(exact) => exact == host,
                    Host::Subdomains(domain) => host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|labels| !labels.is_empty()),
                }
        })
    }
}

impl Entry {
    fn parse(entry: &str) -> anyhow::Result<Self> {
        let (scheme, rest) = entry
            .split_once("://")
            .context("expected scheme://host[:port]")?;
        let scheme = Scheme::parse(scheme).context("the scheme must be http or https")?;
        if rest.contains(['/', '?', '#', '@']) {
            bail!("only a scheme, a host and a port: no path, query or user");
        }
        let (wildcard, rest) = match rest.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        if rest.contains('*') {
            bail!("a wildcard only as a whole first label, `*.`");
        }
        let authority: http::uri::Authority = rest.parse().context("not a host[:port]")?;
        let port = port(&authority, scheme)?;
        let host = normalize_host(authority.host());
        let host = match (wildcard, host.is_empty()) {
            (_, true) => bail!("no host"),
            (true, false) => Host::Subdomains(format!(".{host}")),
            (false, false) => Host::Exact(host),
        };
        Ok(Self { scheme, host, port })
    }

    /// The address this entry names literally: only such an entry lets a request reach a
    /// loopback or private address (for local development).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        match &self.host {
            Host::Exact(host) => parse_ip(host),
            Host::Subdomains(_) => None,
        }
    }
}

/// The port `authority` names, or `scheme`'s; one past 65535 is an error, not the default.
pub fn port(authority: &http::uri::Authority, scheme: Scheme) -> anyhow::Result<u16> {
    match authority.as_str().rsplit_once(':') {
        // A colon after the host (not inside an IPv6 literal) starts the port.
        Some((host, port)) if !port.contains(']') && !host.is_empty() => {
            port.parse().context("the port must be 0 to 65535")
        }
        _ => Ok(scheme.default_port()),
    }
}

/// A URL's host as the allowlist compares it: lower case, without a trailing dot.
pub fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The address a URL's host names literally (`127.0.0.1`, `[::1]`), if it is one.
pub fn parse_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &str) -> Allowlist {
        Allowlist::parse(entries).unwrap()
    }

    #[test]
    fn empty_allows_nothing() {
        assert!(list("").allows(Scheme::Https, "example.com", 443).is_none());
        assert!(list(" , ").entries.is_empty());
    }

    #[test]
    fn an_entry_matches_its_scheme_host_and_port_only() {
        let allow = list("https://api.example.com, http://127.0.0.1:8000");
        assert!(
            allow
                .allows(Scheme::Https, "api.example.com", 443)
                .is_some()
        );
        assert!(allow.allows(Scheme::Http, "api.example.com", 80).is_none());
        assert!(
            allow
                .allows(Scheme::Https, "api.example.com", 8443)
                .is_none()
        );
        assert!(
            allow
                .allows(Scheme::Https, "evil.api.example.com", 443)
                .is_none()
        );
        let local = allow.allows(Scheme::Http, "127.0.0.1", 8000).unwrap();
        assert_eq!(local.literal_ip(), Some([127, 0, 0, 1].into()));
        assert!(allow.allows(Scheme::Http, "127.0.0.1", 8001).is_none());
    }

    #[test]
    fn a_wildcard_matches_subdomains_but_not_the_domain_or_a_lookalike() {
        let allow = list("HTTPS://*.AmazonAWS.com");
        assert!(
            allow
                .allows(Scheme::Https, "dynamodb.us-east-1.amazonaws.com", 443)
                .is_some()
        );
        assert!(allow.allows(Scheme::Https, "amazonaws.com", 443).is_none());
        assert!(
            allow
                .allows(Scheme::Https, "evilamazonaws.com", 443)
                .is_none()
        );
        assert!(
            allow
                .allows(Scheme::Https, "amazonaws.com.evil.net", 443)
                .is_none()
        );
        assert_eq!(
            allow
                .allows(Scheme::Https, "s3.amazonaws.com", 443)
                .unwrap()
                .literal_ip(),
            None
        );
    }

    #[test]
    fn bad_entries_are_errors_naming_the_entry() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://a.*.com",
            "https://*",
            "https://example.com:99999",
        ] {
            let error = format!("{:#}", Allowlist::parse(bad).expect_err(bad));
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn ipv6_literals_are_addresses() {
        let allow = list("http://[::1]:9000");
        let entry = allow.allows(Scheme::Http, "[::1]", 9000).unwrap();
        assert_eq!(
            entry.literal_ip(),
            Some(std::net::Ipv6Addr::LOCALHOST.into())
        );
    }
}
