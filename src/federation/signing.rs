//! Signatures on outgoing deliveries: the same draft-cavage signatures as
//! `activitypub_federation` makes (http-signature-normalization builds the
//! signing string and headers, with a SHA-256 `Digest` and a one-hour
//! expiry), with the RSA operation done by aws-lc, several times faster than
//! the pure-Rust `rsa` crate, on the blocking pool so that every core signs.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use aws_lc_rs::{
    rand::SystemRandom,
    signature::{RSA_PKCS1_SHA256, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::STANDARD as Base64};
use bytes::Bytes;
use http_signature_normalization_reqwest::{Config, SignError, digest::SignExt};
use reqwest_middleware::RequestBuilder;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::{Digest, Sha256};

/// How long a signature is valid, as `activitypub_federation` sets it.
const EXPIRES_AFTER: Duration = Duration::from_secs(60 * 60);

/// Signs requests as the blog's actor.
#[derive(Clone)]
pub struct Signer {
    key_id: String,
    pair: Arc<RsaKeyPair>,
    config: Config,
}

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("cannot sign the request: {0:?}")]
    Headers(SignError),
    #[error("cannot build the request: {0}")]
    Request(#[from] reqwest::Error),
    #[error("the RSA signature failed")]
    Rsa,
}

impl From<SignError> for SigningError {
    fn from(err: SignError) -> Self {
        SigningError::Headers(err)
    }
}

impl Signer {
    /// From the actor's PKCS#8 PEM private key.
    pub fn new(key_id: String, private_key_pem: &str) -> anyhow::Result<Signer> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem)
            .context("the actor's private key is not PKCS#8 PEM")?;
        let der = key
            .to_pkcs8_der()
            .context("the actor's private key cannot be encoded")?;
        let pair = RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|err| anyhow::anyhow!("the actor's private key is unusable: {err}"))?;
        Ok(Signer {
            key_id,
            pair: Arc::new(pair),
            config: Config::new().set_expiration(EXPIRES_AFTER),
        })
    }

    /// Adds `Digest` and `Signature` to a POST of `body`.
    pub async fn sign(
        &self,
        request: RequestBuilder,
        body: Bytes,
    ) -> Result<reqwest::Request, SigningError> {
        let pair = self.pair.clone();
        request
            .signature_with_digest(
                self.config.clone(),
                self.key_id.clone(),
                Sha256::new(),
                body,
                move |signing_string| {
                    let mut signature = vec![0; pair.public_modulus_len()];
                    pair.sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        signing_string.as_bytes(),
                        &mut signature,
                    )
                    .map_err(|_| SigningError::Rsa)?;
                    Ok(Base64.encode(signature))
                },
            )
            .await
    }
}
