//! The AWS SDK for Rust inside a component (feature `aws`): clients over `wasi:http`, with no
//! credentials in the guest.
//!
//! [`config`] is the [`SdkConfig`] every `aws-sdk-*` client is built from: the HTTP client is
//! aws-smithy-wasm's (`wasi:http`), the region the host's `AWS_REGION`, and no credentials
//! provider at all. The host signs every request to a service in `LAMBDA_WASM_AWS_SERVICES`
//! with the function role's credentials, after dropping whatever `authorization`,
//! `x-amz-security-token` or `x-amz-date` the guest set; it also sends the request to the
//! endpoint in `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` when one is set (moto, say).
//!
//! A service client built from an `SdkConfig` without credentials refuses to send until it is
//! told that no signature is fine: its config's `allow_no_auth()`. The guest then signs
//! nothing (no placeholder keys, no SigV4 work in the guest) and the host signs once:
//!
//! ```ignore
//! use aws_sdk_dynamodb::{Client, config::Builder};
//! use lambda_wasm_sdk::aws;
//!
//! let client = Client::from_conf(Builder::from(&aws::config()).allow_no_auth().build());
//! let tables = aws::block_on(client.list_tables().send())?;
//! ```
//!
//! Add the service crate with `default-features = false` (its defaults are tokio and rustls;
//! a guest has neither, and the host speaks TLS).

use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_wasm::wasi::{WasiHttpClientBuilder, WasiSleep};
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SharedAsyncSleep;

/// Runs an SDK call (any future) to its end inside the synchronous `handle`.
pub use crate::http::block_on;

/// The region when the host passes none (it passes `AWS_REGION` on Lambda).
pub const DEFAULT_REGION: &str = "us-east-1";

/// The configuration for every `aws-sdk-*` client in this component: `wasi:http`, the
/// host's region, no credentials (see the module's documentation).
pub fn config() -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region()))
        .http_client(WasiHttpClientBuilder::new().build())
        .sleep_impl(SharedAsyncSleep::new(WasiSleep))
        .build()
}

/// `AWS_REGION` as the host passes it, else [`DEFAULT_REGION`].
pub fn region() -> String {
    std::env::var("AWS_REGION")
        .ok()
        .filter(|region| !region.is_empty())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_has_a_region_an_http_client_and_no_credentials() {
        let config = config();
        assert!(config.region().is_some());
        assert!(config.http_client().is_some());
        assert!(config.sleep_impl().is_some());
        assert!(config.credentials_provider().is_none());
    }
}
