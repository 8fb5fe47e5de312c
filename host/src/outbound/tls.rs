//! TLS for guests' HTTPS requests: the Mozilla roots (webpki-roots), plus the roots of a PEM file
//! the operator names, for a private CA or a local HTTPS endpoint.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use tokio_rustls::TlsConnector;

/// The connector every HTTPS request of the process goes through.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    extra_roots: usize,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("extra_roots", &self.extra_roots)
            .finish_non_exhaustive()
    }
}

impl Default for Tls {
    fn default() -> Self {
        Self::with_roots(Vec::new()).expect("the Mozilla roots alone are valid")
    }
}

impl Tls {
    /// The Mozilla roots and, when `ca_file` is given, every certificate it holds. A file that
    /// cannot be read, or holds no certificate or a bad one, is an error naming it.
    pub fn new(ca_file: Option<&Path>) -> anyhow::Result<Self> {
        let Some(ca_file) = ca_file else {
            return Ok(Self::default());
        };
        let bad_file = || format!("{} is not a PEM file of certificates", ca_file.display());
        let roots = CertificateDer::pem_file_iter(ca_file)
            .with_context(bad_file)?
            .collect::<Result<Vec<_>, _>>()
            .with_context(bad_file)?;
        anyhow::ensure!(!roots.is_empty(), "{}: no certificate in it", bad_file());
        Self::with_roots(roots).with_context(bad_file)
    }

    fn with_roots(extra: Vec<CertificateDer<'static>>) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        let extra_roots = extra.len();
        for root in extra {
            roots.add(root).context("not a usable root certificate")?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context("TLS 1.2 and 1.3 with ring")?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            extra_roots,
        })
    }

    /// The connector.
    pub fn connector(&self) -> &TlsConnector {
        &self.connector
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_adds_its_roots_and_a_bad_one_is_named() {
        // (The variable is named by the settings that read it: settings::outbound.)
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).unwrap();
        let good = dir.path().join("ca.pem");
        std::fs::write(&good, ca.cert.pem()).unwrap();
        assert_eq!(Tls::new(Some(&good)).unwrap().extra_roots, 1);
        assert_eq!(Tls::new(None).unwrap().extra_roots, 0);

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let missing = dir.path().join("missing.pem");
        let garbled = dir.path().join("garbled.pem");
        std::fs::write(
            &garbled,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        for bad in [empty, missing, garbled] {
            let error = format!("{:#}", Tls::new(Some(&bad)).unwrap_err());
            assert!(error.contains(&*bad.to_string_lossy()), "{error}");
        }
    }
}
