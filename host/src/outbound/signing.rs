//! SigV4 in the host: requests to the AWS services the operator listed are signed with the
//! function's credentials, which never reach the guest. Whatever authentication the guest set is
//! dropped first, so a guest can neither forge nor replace the host's signature.

use std::time::SystemTime;

use anyhow::Context as _;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::AUTHORIZATION;

/// The headers a guest may not set on a request the host signs.
const GUEST_AUTH_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-security-token",
    "x-amz-date",
    "x-amz-content-sha256",
];

/// The function's credentials and region, read once at start.
pub struct Signer {
    identity: Identity,
    region: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("Signer")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (as
    /// Lambda sets them), the region from `AWS_REGION` (or `AWS_DEFAULT_REGION`).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let access_key_id = set("AWS_ACCESS_KEY_ID").context("AWS_ACCESS_KEY_ID is not set")?;
        let secret = set("AWS_SECRET_ACCESS_KEY").context("AWS_SECRET_ACCESS_KEY is not set")?;
        let region = set("AWS_REGION")
            .or_else(|| set("AWS_DEFAULT_REGION"))
            .context("AWS_REGION is not set")?;
        let credentials = Credentials::new(
            access_key_id,
            secret,
            set("AWS_SESSION_TOKEN"),
            None,
            "environment",
        );
        Ok(Self {
            identity: credentials.into(),
            region,
        })
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Drops the guest's own authentication headers from `request`, then signs it for `service`
    /// with `body` (the whole request body) as its payload.
    pub fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        body: &[u8],
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
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
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
            SignableBody::Bytes(body),
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

    fn signer() -> Signer {
        Signer::from_lookup(&|name: &str| {
            match name {
                "AWS_ACCESS_KEY_ID" => Some("AKIDTEST"),
                "AWS_SECRET_ACCESS_KEY" => Some("secret"),
                "AWS_SESSION_TOKEN" => Some("session"),
                "AWS_REGION" => Some("eu-west-3"),
                _ => None,
            }
            .map(str::to_owned)
        })
        .unwrap()
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
        signer().sign(&mut request, b"{}", "dynamodb").unwrap();
        let header = |name| request.headers()[name].to_str().unwrap();
        let authorization = header("authorization");
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
                && authorization.contains("/eu-west-3/dynamodb/aws4_request"),
            "{authorization}"
        );
        assert_eq!(header("x-amz-security-token"), "session");
        assert_ne!(header("x-amz-date"), "19990101T000000Z");
        assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    }

    #[test]
    fn missing_credentials_or_region_are_named() {
        let error = Signer::from_lookup(&|_: &str| None).unwrap_err();
        assert!(error.to_string().contains("AWS_ACCESS_KEY_ID"));
        assert!(!format!("{:?}", signer()).contains("secret"));
    }
}
