//! jsonwebtoken's cryptography on ring, the crypto library the rest of the host uses: RSA
//! signatures only (RS256/384/512 and PS256/384/512), as API Gateway's JWT authorizers take
//! only RSA-based algorithms. Signing is here for tests and local issuers that mint tokens.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{
    self as ring_signature, RsaKeyPair, RsaPublicKeyComponents, UnparsedPublicKey,
};

/// The provider: install it with [`install`] before decoding or encoding tokens.
pub static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: rsa_components_from_private_key,
        rsa_pub_components_from_public_key: rsa_components_from_public_key,
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
        ed_pub_components_from_private_key: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
        compute_digest,
    },
};

/// Makes [`RING_PROVIDER`] the process's provider; calling it again changes nothing.
pub fn install() {
    // Only this provider is ever installed: a second call finds it there.
    let _ = RING_PROVIDER.install_default();
}

/// ring's verification parameters for an RSA algorithm.
fn verification(algorithm: Algorithm) -> Option<&'static ring_signature::RsaParameters> {
    Some(match algorithm {
        Algorithm::RS256 => &ring_signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &ring_signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &ring_signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &ring_signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &ring_signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &ring_signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// ring's signing encoding for an RSA algorithm.
fn signing(algorithm: Algorithm) -> Option<&'static dyn ring_signature::RsaEncoding> {
    Some(match algorithm {
        Algorithm::RS256 => &ring_signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &ring_signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &ring_signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &ring_signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &ring_signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &ring_signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

struct RsaVerifier {
    algorithm: Algorithm,
    parameters: &'static ring_signature::RsaParameters,
    key: DecodingKey,
}

impl Verifier<Vec<u8>> for RsaVerifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let verified = match self.key.kind() {
            DecodingKeyKind::RsaModulusExponent { n, e } => {
                RsaPublicKeyComponents { n, e }.verify(self.parameters, message, signature)
            }
            DecodingKeyKind::SecretOrDer(der) => {
                UnparsedPublicKey::new(self.parameters, der).verify(message, signature)
            }
        };
        verified.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RsaVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

struct RsaSigner {
    algorithm: Algorithm,
    encoding: &'static dyn ring_signature::RsaEncoding,
    key: RsaKeyPair,
}

impl Signer<Vec<u8>> for RsaSigner {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(self.encoding, &SystemRandom::new(), message, &mut signature)
            .map_err(|_| signature::Error::new())?;
        Ok(signature)
    }
}

impl JwtSigner for RsaSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let parameters = verification(*algorithm).ok_or(ErrorKind::InvalidAlgorithm)?;
    Ok(Box::new(RsaVerifier {
        algorithm: *algorithm,
        parameters,
        key: key.clone(),
    }))
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    let encoding = signing(*algorithm).ok_or(ErrorKind::InvalidAlgorithm)?;
    Ok(Box::new(RsaSigner {
        algorithm: *algorithm,
        encoding,
        key: key_pair(key.as_bytes())?,
    }))
}

/// An RSA private key in PKCS#1 or PKCS#8 DER.
fn key_pair(der: &[u8]) -> Result<RsaKeyPair, Error> {
    RsaKeyPair::from_der(der)
        .or_else(|_| RsaKeyPair::from_pkcs8(der))
        .map_err(|err| ErrorKind::InvalidRsaKey(err.to_string()).into())
}

fn rsa_components_from_private_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let public = key_pair(der)?.public().clone();
    let components: RsaPublicKeyComponents<Vec<u8>> = (&public).into();
    Ok((components.n, components.e))
}

fn rsa_components_from_public_key(_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    // ring parses RSA public keys only to verify with them; JWKs from public PEM files are not
    // needed by the host.
    Err(ErrorKind::InvalidKeyFormat.into())
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>, Error> {
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(ring::digest::digest(algorithm, data).as_ref().to_vec())
}
