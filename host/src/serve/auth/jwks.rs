//! An issuer's signing keys, as API Gateway finds them: the OpenID discovery document at
//! `{issuer}/.well-known/openid-configuration` names the `jwks_uri`, whose keys are cached. A
//! token naming a `kid` the cache lacks makes it fetch again (at most every
//! [`REFETCH_INTERVAL`]), so that a rotated key is picked up.
//!
//! The host fetches them itself: over HTTPS with the host's roots (and the operator's CA file),
//! or over plain HTTP from a loopback address only (a local issuer). A link-local address (the
//! instance metadata service among them) is never reached, and every fetch is bounded in time
//! and size.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use rustls::pki_types::ServerName;
use serde_json::Value;
use tokio::net::TcpStream;

use crate::outbound::address;
use crate::outbound::tls::Tls;

/// How long fetched keys are used before they are fetched again.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// The shortest time between two fetches for an issuer, whatever tokens arrive.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Connecting, TLS included.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One whole fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest discovery document or key set read.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Why no key verifies a token.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The issuer's keys do not include the token's `kid`.
    #[error("the issuer has no key {0:?}")]
    UnknownKid(String),
    /// The keys could not be fetched.
    #[error("fetching the issuer's keys failed: {0:#}")]
    Fetch(anyhow::Error),
}

/// The keys of every issuer the process's JWT authorizers name.
pub struct KeyCache {
    tls: Tls,
    issuers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<IssuerKeys>>>>,
}

#[derive(Default)]
struct IssuerKeys {
    keys: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
}

impl KeyCache {
    /// An empty cache whose HTTPS fetches trust `tls`'s roots.
    pub fn new(tls: Tls) -> Self {
        Self {
            tls,
            issuers: Mutex::new(HashMap::new()),
        }
    }

    /// The key `kid` of `issuer`, fetched when the cache has none fresh.
    pub async fn key(&self, issuer: &str, kid: &str) -> Result<DecodingKey, KeyError> {
        let entry = self
            .issuers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(issuer.to_owned())
            .or_default()
            .clone();
        // One fetch per issuer at a time: tokens arriving meanwhile wait for its keys.
        let mut keys = entry.lock().await;
        let now = Instant::now();
        let fresh = keys.fetched.is_some_and(|at| now - at < MAX_AGE);
        let may_fetch = keys.attempted.is_none_or(|at| now - at >= REFETCH_INTERVAL);
        if (!fresh || !keys.keys.contains_key(kid)) && may_fetch {
            keys.attempted = Some(now);
            match tokio::time::timeout(FETCH_TIMEOUT, self.fetch(issuer)).await {
                Ok(Ok(fetched)) => {
                    keys.keys = fetched;
                    keys.fetched = Some(now);
                }
                Ok(Err(err)) if keys.keys.is_empty() => return Err(KeyError::Fetch(err)),
                Err(_) if keys.keys.is_empty() => {
                    return Err(KeyError::Fetch(anyhow::anyhow!("timed out")));
                }
                // Keys fetched before still verify the tokens they signed.
                Ok(Err(err)) => {
                    tracing::warn!(issuer, "refreshing the issuer's keys failed: {err:#}")
                }
                Err(_) => tracing::warn!(issuer, "refreshing the issuer's keys timed out"),
            }
        }
        keys.keys
            .get(kid)
            .cloned()
            .ok_or_else(|| KeyError::UnknownKid(kid.to_owned()))
    }

    /// The RSA keys of `issuer`'s JWKS, by `kid`.
    async fn fetch(&self, issuer: &str) -> anyhow::Result<HashMap<String, DecodingKey>> {
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let document = get_json(&discovery, &self.tls)
            .await
            .with_context(|| format!("the discovery document {discovery}"))?;
        let jwks_uri = document["jwks_uri"]
            .as_str()
            .with_context(|| format!("{discovery} has no jwks_uri"))?;
        check_url(jwks_uri).with_context(|| format!("jwks_uri {jwks_uri}"))?;
        let set = get_json(jwks_uri, &self.tls)
            .await
            .with_context(|| format!("the key set {jwks_uri}"))?;
        let set: JwkSet = serde_json::from_value(set)
            .with_context(|| format!("{jwks_uri} is not a JSON Web Key Set"))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let (Some(kid), AlgorithmParameters::RSA(_)) = (&jwk.common.key_id, &jwk.algorithm)
            else {
                continue;
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid.clone(), key);
                }
                Err(err) => tracing::warn!(issuer, kid, "skipped a key of the issuer's set: {err}"),
            }
        }
        tracing::info!(
            issuer,
            keys = keys.len(),
            "fetched the issuer's signing keys"
        );
        Ok(keys)
    }
}

/// Whether `url` may be fetched: HTTPS, or plain HTTP to a loopback address.
pub fn check_url(url: &str) -> anyhow::Result<()> {
    let uri: http::Uri = url.parse().context("not a URL")?;
    let host = uri.host().context("no host")?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) => Ok(()),
        Some("http") => bail!(
            "must be https (plain http is taken only from a loopback address, for a local issuer)"
        ),
        _ => bail!("must be an https URL"),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// GETs `url` and reads its body as JSON: 200 only, at most [`MAX_DOCUMENT_BYTES`].
async fn get_json(url: &str, tls: &Tls) -> anyhow::Result<Value> {
    check_url(url)?;
    let uri: http::Uri = url.parse()?;
    let host = uri.host().context("no host")?.to_owned();
    let https = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let address = resolve(&host, port).await?;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
        .await
        .context("connecting timed out")??;
    let path = uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_owned();
    let authority = uri.authority().context("no host")?.as_str().to_owned();
    let request = http::Request::get(path)
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, "lambda-wasm-serve")
        .body(Empty::<Bytes>::new())?;
    let response = if https {
        let name = match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ServerName::from(ip),
            Err(_) => ServerName::try_from(host.clone())?,
        };
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, tls.connector().connect(name, stream))
            .await
            .context("the TLS handshake timed out")??;
        send(stream, request).await?
    } else {
        send(stream, request).await?
    };
    let status = response.status();
    anyhow::ensure!(status == http::StatusCode::OK, "answered {status}");
    let body = Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
        .collect()
        .await
        .map_err(|err| anyhow::anyhow!("reading the body: {err}"))?
        .to_bytes();
    serde_json::from_slice(&body).context("not JSON")
}

async fn send<S>(
    stream: S,
    request: http::Request<Empty<Bytes>>,
) -> anyhow::Result<http::Response<hyper::body::Incoming>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender.send_request(request).await?)
}

/// The first address of `host` that is not link-local (the metadata service) nor otherwise
/// refused.
async fn resolve(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((bare, port)))
            .await
            .context("resolving timed out")??
            .collect(),
    };
    let mut refused = None;
    for address in addresses {
        match address::check(address, &[], true) {
            None => return Ok(address),
            Some(refusal) => refused = Some(refusal),
        }
    }
    match refused {
        Some(refusal) => bail!("{host} is refused: {}", refusal.reason()),
        None => bail!("{host} has no address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_plain_http_on_loopback() {
        assert!(check_url("https://cognito-idp.us-east-1.amazonaws.com/pool").is_ok());
        assert!(check_url("http://127.0.0.1:9000").is_ok());
        assert!(check_url("http://localhost:9000/realm").is_ok());
        assert!(check_url("http://[::1]:9000").is_ok());
        assert!(check_url("http://issuer.example.com").is_err());
        assert!(check_url("http://169.254.169.254").is_err());
        assert!(check_url("ftp://127.0.0.1").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[tokio::test]
    async fn the_metadata_service_is_never_fetched() {
        let error = get_json("https://169.254.169.254/latest", &Tls::default())
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("refused"), "{error}");
    }
}
