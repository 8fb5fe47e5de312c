//! The function's AWS credentials for host-side signing: the AWS SDKs' default chain, so the
//! variables Lambda sets on Lambda, and profiles, SSO, `credential_process`, web identity, ECS
//! or IMDS elsewhere. Resolved on the first signed request, then reused until shortly before
//! they expire; one lookup at a time, so concurrent invocations wait for the same refresh.

use std::time::{Duration, SystemTime};

use aws_config::Region;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials as _, SharedCredentialsProvider};
use aws_smithy_http_client::tls;
use tokio::sync::{Mutex, OnceCell};

/// Credentials this close to their expiry are fetched again: a request signed with them must
/// still reach AWS in time.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// Where the credentials come from, and the last ones it gave.
pub struct CredentialsCache {
    /// Built on first use: the chain's lookups are asynchronous.
    provider: OnceCell<SharedCredentialsProvider>,
    cached: Mutex<Option<Credentials>>,
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("CredentialsCache").finish_non_exhaustive()
    }
}

impl CredentialsCache {
    /// The SDKs' default chain.
    pub fn default_chain() -> Self {
        Self {
            provider: OnceCell::new(),
            cached: Mutex::new(None),
        }
    }

    /// Credentials from `provider` rather than the chain.
    pub fn from_provider(provider: SharedCredentialsProvider) -> Self {
        Self {
            provider: OnceCell::new_with(Some(provider)),
            cached: Mutex::new(None),
        }
    }

    /// Credentials valid for at least [`REFRESH_BEFORE_EXPIRY`]: the cached ones, or new ones
    /// (the chain's STS and SSO calls go to `region`).
    pub async fn get(&self, region: &str) -> Result<Credentials, CredentialsError> {
        let mut cached = self.cached.lock().await;
        let fresh_until = SystemTime::now() + REFRESH_BEFORE_EXPIRY;
        if let Some(credentials) = cached.as_ref().filter(|credentials| {
            credentials
                .expiry()
                .is_none_or(|expiry| expiry > fresh_until)
        }) {
            return Ok(credentials.clone());
        }
        let provider = self
            .provider
            .get_or_init(|| default_chain(Region::new(region.to_owned())))
            .await;
        let credentials = provider.provide_credentials().await?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

async fn default_chain(region: Region) -> SharedCredentialsProvider {
    // SSO, STS and IMDS are reached over HTTPS with the system's roots.
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let chain = DefaultCredentialsChain::builder()
        .configure(ProviderConfig::default().with_http_client(client))
        .region(region)
        .build()
        .await;
    SharedCredentialsProvider::new(chain)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use aws_credential_types::provider::future;

    use super::*;

    /// Gives credentials expiring `lifetime` from now, or fails when `lifetime` is `None`;
    /// counts its calls.
    #[derive(Debug)]
    struct Counting {
        lifetime: Option<Duration>,
        calls: Arc<AtomicU32>,
    }

    impl aws_credential_types::provider::ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            future::ProvideCredentials::ready(match self.lifetime {
                Some(lifetime) => Ok(Credentials::new(
                    format!("AKID{call}"),
                    "secret",
                    None,
                    Some(SystemTime::now() + lifetime),
                    "test",
                )),
                None => Err(CredentialsError::not_loaded("nothing configured")),
            })
        }
    }

    fn counting_cache(lifetime: Option<Duration>) -> (CredentialsCache, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let provider = Counting {
            lifetime,
            calls: calls.clone(),
        };
        let cache = CredentialsCache::from_provider(SharedCredentialsProvider::new(provider));
        (cache, calls)
    }

    #[tokio::test]
    async fn credentials_are_reused_until_shortly_before_they_expire() {
        let (cache, calls) = counting_cache(Some(Duration::from_secs(3600)));
        for _ in 0..3 {
            assert_eq!(
                cache.get("eu-west-3").await.unwrap().access_key_id(),
                "AKID1"
            );
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let (cache, calls) = counting_cache(Some(REFRESH_BEFORE_EXPIRY / 2));
        assert_eq!(
            cache.get("eu-west-3").await.unwrap().access_key_id(),
            "AKID1"
        );
        assert_eq!(
            cache.get("eu-west-3").await.unwrap().access_key_id(),
            "AKID2"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_lookup_is_not_remembered() {
        let (cache, calls) = counting_cache(None);
        assert!(cache.get("eu-west-3").await.is_err());
        assert!(cache.get("eu-west-3").await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
