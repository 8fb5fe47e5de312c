//! Which AWS service a request is for, read from its host (`dynamodb.us-east-1.amazonaws.com`),
//! and where the operator sends that service instead: the AWS SDKs' `AWS_ENDPOINT_URL_<SERVICE>`
//! and `AWS_ENDPOINT_URL` (e.g. a local DynamoDB), so the same component runs unchanged locally.

use anyhow::{Context as _, bail};

use super::allowlist::{Scheme, normalize_host, port};

/// The domains of AWS service endpoints.
const AWS_DOMAINS: [&str; 2] = [".amazonaws.com", ".amazonaws.com.cn"];

/// Of `services`, the one `host` is an endpoint of: the last of its labels before the AWS domain
/// that names one (`s3` in `my-bucket.s3.us-east-1.amazonaws.com`).
pub fn aws_service<'a>(host: &str, services: &'a [String]) -> Option<&'a str> {
    let labels = AWS_DOMAINS
        .iter()
        .find_map(|domain| host.strip_suffix(domain))?;
    labels
        .rsplit('.')
        .find_map(|label| services.iter().find(|service| *service == label))
        .map(String::as_str)
}

/// The path prefix that keeps an S3 request's bucket when it goes to an endpoint override: the
/// AWS SDKs address a bucket in the host (`my-bucket.s3.us-east-1.amazonaws.com/key`), which the
/// override replaces, so the request becomes path-style (`/my-bucket/key`), as S3 and its local
/// stand-ins (moto, MinIO) also take it. Empty for another service and for a request that names
/// no bucket in its host (path-style already: `s3.us-east-1.amazonaws.com/my-bucket/key`).
pub fn bucket_path(host: &str, service: &str) -> String {
    if service != "s3" {
        return String::new();
    }
    let Some(labels) = AWS_DOMAINS
        .iter()
        .find_map(|domain| host.strip_suffix(domain))
    else {
        return String::new();
    };
    // The bucket is every label before the last `s3` (bucket names may hold dots).
    match labels
        .rfind(".s3.")
        .or_else(|| labels.strip_suffix(".s3").map(str::len))
    {
        Some(end) if end > 0 => format!("/{}", &labels[..end]),
        _ => String::new(),
    }
}

/// Where requests for a service go instead of its AWS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// The host, as [`normalize_host`] gives it.
    pub host: String,
    /// The port, explicit or the scheme's.
    pub port: u16,
    /// A path the request's path is appended to, without a trailing `/` (often empty).
    pub base_path: String,
}

impl Endpoint {
    /// Parses an endpoint URL such as `http://127.0.0.1:8000`; `name` is the variable it came
    /// from, for the error.
    pub fn parse(url: &str, name: &str) -> anyhow::Result<Self> {
        let parsed = || -> anyhow::Result<Self> {
            let uri: http::Uri = url.trim().parse().context("not a URL")?;
            let scheme = uri
                .scheme_str()
                .and_then(Scheme::parse)
                .context("the scheme must be http or https")?;
            let authority = uri.authority().context("no host")?;
            if authority.as_str().contains('@') {
                bail!("no user in the URL");
            }
            if uri.query().is_some() {
                bail!("no query in the URL");
            }
            Ok(Self {
                scheme,
                host: normalize_host(authority.host()),
                port: port(authority, scheme)?,
                base_path: uri.path().trim_end_matches('/').to_owned(),
            })
        };
        parsed().with_context(|| format!("{name} is not an http(s) endpoint URL: {url:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        vec!["dynamodb".to_owned(), "s3".to_owned()]
    }

    #[test]
    fn the_service_is_read_from_an_aws_host() {
        let services = services();
        for (host, service) in [
            ("dynamodb.us-east-1.amazonaws.com", Some("dynamodb")),
            ("s3.amazonaws.com", Some("s3")),
            ("my-bucket.s3.eu-west-1.amazonaws.com", Some("s3")),
            ("dynamodb.s3.eu-west-1.amazonaws.com", Some("s3")),
            ("dynamodb.cn-north-1.amazonaws.com.cn", Some("dynamodb")),
            ("sqs.us-east-1.amazonaws.com", None),
            ("dynamodb.example.com", None),
            ("dynamodb.amazonaws.com.evil.net", None),
        ] {
            assert_eq!(aws_service(host, &services), service, "{host}");
        }
    }

    #[test]
    fn a_virtual_hosted_s3_request_keeps_its_bucket_in_the_path() {
        for (host, service, path) in [
            ("my-bucket.s3.us-east-1.amazonaws.com", "s3", "/my-bucket"),
            (
                "my.dotted.bucket.s3.eu-west-3.amazonaws.com",
                "s3",
                "/my.dotted.bucket",
            ),
            ("my-bucket.s3.amazonaws.com", "s3", "/my-bucket"),
            (
                "my-bucket.s3.dualstack.us-east-1.amazonaws.com",
                "s3",
                "/my-bucket",
            ),
            (
                "my-bucket.s3.cn-north-1.amazonaws.com.cn",
                "s3",
                "/my-bucket",
            ),
            ("s3.us-east-1.amazonaws.com", "s3", ""),
            ("s3.amazonaws.com", "s3", ""),
            ("dynamodb.us-east-1.amazonaws.com", "dynamodb", ""),
            ("my-bucket.s3.example.com", "s3", ""),
        ] {
            assert_eq!(bucket_path(host, service), path, "{host}");
        }
    }

    #[test]
    fn endpoint_urls_parse_with_their_default_port_and_base_path() {
        let local = Endpoint::parse("http://127.0.0.1:8000/", "V").unwrap();
        assert_eq!(
            (
                local.scheme,
                local.host.as_str(),
                local.port,
                local.base_path.as_str()
            ),
            (Scheme::Http, "127.0.0.1", 8000, "")
        );
        let proxy = Endpoint::parse("https://Proxy.Example.com/aws/", "V").unwrap();
        assert_eq!(
            (proxy.host.as_str(), proxy.port, proxy.base_path.as_str()),
            ("proxy.example.com", 443, "/aws")
        );
        for bad in [
            "127.0.0.1:8000",
            "ftp://x",
            "http://u@x",
            "http://x/?a=1",
            "",
        ] {
            let error = format!(
                "{:#}",
                Endpoint::parse(bad, "AWS_ENDPOINT_URL_S3").unwrap_err()
            );
            assert!(error.contains("AWS_ENDPOINT_URL_S3"), "{error}");
        }
    }
}
