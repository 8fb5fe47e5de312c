//! SigV4 in the host: requests to the AWS services the operator listed are signed with the
//! function's credentials, which never reach the guest. Whatever authentication the guest set is
//! dropped first, so a guest can neither forge nor replace the host's signature.

use std::time::SystemTime;

use anyhow::Context as _;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::AUTHORIZATION;
use ring::digest;

use super::credentials::CredentialsCache;

/// The headers a guest may not set on a request the host signs.
const GUEST_AUTH_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-security-token",
    "x-amz-date",
    "x-amz-content-sha256",
];

/// The payload hash SigV4 signs: the SHA-256 of the whole body, fed in the pieces it comes in.
pub struct PayloadHash(digest::Context);

impl Default for PayloadHash {
    fn default() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }
}

impl PayloadHash {
    /// Adds the next piece of the body.
    pub fn update(&mut self, piece: &[u8]) {
        self.0.update(piece);
    }

    /// The hash, in lower-case hex as `x-amz-content-sha256` carries it.
    pub fn finish(self) -> String {
        self.0
            .finish()
            .as_ref()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The function's credentials and region.
#[derive(Debug)]
pub struct Signer {
    credentials: CredentialsCache,
    region: String,
}

impl Signer {
    /// Signs for `region`, with the credentials of the AWS SDKs' default chain, looked up on
    /// the first signed request.
    pub fn new(region: &str) -> Self {
        Self {
            credentials: CredentialsCache::default_chain(),
            region: region.to_owned(),
        }
    }

    /// Signs with the credentials `provider` gives, for `region`.
    pub fn with_credentials(provider: SharedCredentialsProvider, region: &str) -> Self {
        Self {
            credentials: CredentialsCache::from_provider(provider),
            region: region.to_owned(),
        }
    }

    /// The credentials to sign with now.
    pub async fn credentials(&self) -> anyhow::Result<Credentials> {
        self.credentials
            .get(&self.region)
            .await
            .context("no AWS credentials to sign with")
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Drops the guest's own authentication headers from `request`, then signs it with
    /// `credentials` for `service`; `payload_sha256` is the body's [`PayloadHash`].
    pub fn sign<B>(
        &self,
        credentials: &Credentials,
        request: &mut http::Request<B>,
        payload_sha256: &str,
        service: &str,
    ) -> anyhow::Result<()> {
        for name in GUEST_AUTH_HEADERS {
            request.headers_mut().remove(name);
        }
        let mut settings = SigningSettings::default();
        // S3 wants the payload hash as a header; every other service accepts it.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        if service == "s3" {
            // S3 signs the path as sent (SigV4's documented exception).
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.percent_encoding_mode = PercentEncodingMode::Single;
        }
        let identity = Identity::from(credentials.clone());
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .context("signing parameters")?
            .into();
        let uri = request.uri().to_string();
        let headers = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
        let signable = SignableRequest::new(
            request.method().as_str(),
            uri,
            headers,
            SignableBody::Precomputed(payload_sha256.to_owned()),
        )
        .context("the request cannot be signed")?;
        let (instructions, _signature) = sign(signable, &params)
            .context("signing failed")?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        debug_assert!(request.headers().contains_key(AUTHORIZATION));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials::new("AKIDTEST", "secret", Some("session".into()), None, "test")
    }

    fn signer() -> Signer {
        Signer::with_credentials(SharedCredentialsProvider::new(credentials()), "eu-west-3")
    }

    #[test]
    fn the_guests_authentication_is_replaced_by_the_hosts() {
        let mut request = http::Request::post("http://127.0.0.1:8000/")
            .header("host", "127.0.0.1:8000")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=GUEST/forged")
            .header("x-amz-security-token", "guest-token")
            .header("x-amz-date", "19990101T000000Z")
            .body(())
            .unwrap();
        let mut hash = PayloadHash::default();
        hash.update(b"{");
        hash.update(b"}");
        let payload = hash.finish();
        assert_eq!(
            payload, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "the SHA-256 of `{{}}`"
        );
        signer()
            .sign(&credentials(), &mut request, &payload, "dynamodb")
            .unwrap();
        let header = |name| request.headers()[name].to_str().unwrap();
        let authorization = header("authorization");
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
                && authorization.contains("/eu-west-3/dynamodb/aws4_request"),
            "{authorization}"
        );
        assert_eq!(header("x-amz-security-token"), "session");
        assert_ne!(header("x-amz-date"), "19990101T000000Z");
        assert_eq!(header("x-amz-content-sha256"), payload.as_str());
        assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    }

    #[tokio::test]
    async fn the_credentials_are_never_shown() {
        let signer = signer();
        assert_eq!(
            signer.credentials().await.unwrap().secret_access_key(),
            "secret"
        );
        assert!(!format!("{signer:?}").contains("secret"));
    }
}
