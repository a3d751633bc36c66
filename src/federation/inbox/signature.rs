//! The checks `activitypub_federation`'s `receive_activity` makes of an
//! inbox request, made here so that the RSA work is done by aws-lc (ten
//! times faster than the pure-Rust `rsa` crate the library uses): the body
//! matches its `Digest`; the activity's id is on its actor's server, is a
//! valid http(s) URL of a named host (no explicit port or private address
//! outside local testing) and not one of ours; the signature, over
//! `(request-target)` and the signed headers (`Digest` among them), within
//! an hour, verifies with the public key of the activity's actor.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use activitypub_federation::traits::{Activity, Actor};
use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
};
use axum::http::{StatusCode, request::Parts};
use base64::{Engine, engine::general_purpose::STANDARD as Base64};
use sha2::{Digest, Sha256};
use url::Url;

use crate::federation::{FedContext, error::FedError};

/// How old a signature may be, as the library allows.
const EXPIRES_AFTER: Duration = Duration::from_secs(60 * 60);
/// How long a host's addresses, once checked, are trusted.
const HOST_CHECK_TTL: Duration = Duration::from_secs(600);

fn unauthorized(message: &str) -> FedError {
    FedError::new(StatusCode::UNAUTHORIZED, message)
}

/// A public key ready to verify with: RSA of 2048 bits or more, or of
/// 1024 to 2047 bits, which a few older servers still use.
struct Key(ParsedPublicKey);

impl Key {
    fn parse(pem: &str) -> Option<Key> {
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).ok()?;
        if label != "PUBLIC KEY" {
            return None;
        }
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der)
            .or_else(|_| {
                ParsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, &der)
            })
            .ok()
            .map(Key)
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

/// Parsed public keys by their PEM, and hosts whose addresses were checked:
/// a busy inbox verifies each request without parsing keys or resolving
/// names again.
pub struct Verifier {
    keys: quick_cache::sync::Cache<String, Arc<Key>>,
    hosts: quick_cache::sync::Cache<String, std::time::Instant>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            keys: quick_cache::sync::Cache::new(4096),
            hosts: quick_cache::sync::Cache::new(4096),
        }
    }
}

/// The `Digest` header names SHA-256 values of the body, all of which must
/// match (the library's rule).
pub fn check_digest(parts: &Parts, body: &[u8]) -> Result<(), FedError> {
    let invalid = || unauthorized("the Digest header does not match the body");
    let header = parts
        .headers
        .get("digest")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(invalid)?;
    let expected = Base64.encode(Sha256::digest(body));
    let mut any = false;
    for part in header.split(',') {
        let Some((_, value)) = part.split_once('=') else {
            continue;
        };
        any = true;
        if value != expected {
            return Err(invalid());
        }
    }
    if any { Ok(()) } else { Err(invalid()) }
}

impl Verifier {
    /// The library's URL checks of the activity's id against its actor.
    pub async fn check_ids<A: Activity>(
        &self,
        activity: &A,
        data: &FedContext,
    ) -> Result<(), FedError> {
        crate::federation::verify_same_server(activity.id(), activity.actor())?;
        let id = activity.id();
        let insecure = data.config.federation.allow_insecure_local;
        match id.scheme() {
            "https" => {}
            "http" if insecure => {}
            "http" => return Err(FedError::bad_request("http ids are refused here")),
            _ => return Err(FedError::bad_request("the id is not an http(s) URL")),
        }
        if data.urls.is_ours(id) {
            return Err(FedError::bad_request(
                "the activity claims to come from this blog",
            ));
        }
        let domain = id
            .domain()
            .ok_or_else(|| FedError::bad_request("the id has no host name"))?;
        if !domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(FedError::bad_request("invalid characters in the id's host"));
        }
        if insecure {
            return Ok(());
        }
        if id.port().is_some() {
            return Err(FedError::bad_request("explicit ports are refused here"));
        }
        self.check_host(id).await
    }

    /// The id's host must not resolve to a private or local address.
    async fn check_host(&self, id: &Url) -> Result<(), FedError> {
        let host = id.host_str().unwrap_or_default().to_owned();
        if let Some(at) = self.hosts.get(&host)
            && at.elapsed() < HOST_CHECK_TTL
        {
            return Ok(());
        }
        crate::federation::ssrf::check_resolved(id)
            .await
            .map_err(FedError::bad_request)?;
        self.hosts.insert(host, std::time::Instant::now());
        Ok(())
    }

    /// The request's signature, by `actor`'s key: it must cover
    /// `(request-target)`, `host`, `date` and `digest`, and the signed host
    /// must be this blog's, so a request signed for another server cannot
    /// be replayed here.
    pub fn check_signature(
        &self,
        parts: &Parts,
        actor: &impl Actor,
        urls: &crate::urls::Urls,
    ) -> Result<(), FedError> {
        let signed = signed_request(parts, urls, true)?;
        self.verify(signed, actor.public_key_pem())
    }

    /// Whether `signed` verifies with the key in `pem`.
    pub fn verify(&self, signed: Unverified, pem: &str) -> Result<(), FedError> {
        let key = match self.keys.get(pem) {
            Some(key) => key,
            None => {
                let key = Arc::new(
                    Key::parse(pem)
                        .ok_or_else(|| unauthorized("the sender's key is unreadable"))?,
                );
                self.keys.insert(pem.to_owned(), key.clone());
                key
            }
        };
        let verified = signed.verify(|signature, signing_string| {
            Base64
                .decode(signature)
                .is_ok_and(|signature| key.verifies(signing_string.as_bytes(), &signature))
        });
        if verified {
            Ok(())
        } else {
            Err(unauthorized("the signature does not verify"))
        }
    }
}

pub use http_signature_normalization::verify::Unverified;

/// A request's `Signature`, read but not yet verified: it covers
/// `(request-target)`, `host`, `date` (and `digest` when the request has a
/// body), is at most an hour old, and was made for this blog's host.
pub fn signed_request(
    parts: &Parts,
    urls: &crate::urls::Urls,
    with_digest: bool,
) -> Result<Unverified, FedError> {
    let mut headers = BTreeMap::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.insert(name.as_str().to_owned(), value.to_owned());
        }
    }
    // HTTP/2 carries the host as the request's authority.
    if !headers.contains_key("host")
        && let Some(authority) = parts.uri.authority()
    {
        headers.insert("host".to_owned(), authority.to_string());
    }
    let host = headers
        .get("host")
        .ok_or_else(|| unauthorized("the request names no Host"))?;
    if !urls.is_our_host(host) {
        return Err(unauthorized(&format!(
            "the request was signed for {host}, not for this blog"
        )));
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let mut config = http_signature_normalization::Config::new()
        .set_expiration(EXPIRES_AFTER)
        .require_header("(request-target)")
        .require_header("host")
        .require_header("date");
    if with_digest {
        config = config.require_digest();
    }
    config
        .begin_verify(parts.method.as_str(), target, headers)
        .map_err(|err| unauthorized(&format!("the signature cannot be checked: {err}")))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::check_digest;

    fn parts(digest: Option<&str>) -> axum::http::request::Parts {
        let mut request = Request::builder().method("POST").uri("/inbox");
        if let Some(digest) = digest {
            request = request.header("digest", digest);
        }
        request.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_digest_must_name_the_bodys_sha256() {
        let body = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.";
        let good = "SHA-256=lzFT+G7C2hdI5j8M+FuJg1tC+O6AGMVJhooTCKGfbKM=";
        assert!(check_digest(&parts(Some(good)), body).is_ok());
        assert!(check_digest(&parts(Some(good)), b"lorem ipsum").is_err());
        assert!(check_digest(&parts(None), body).is_err());
        assert!(check_digest(&parts(Some("SHA-256")), body).is_err());
    }
}
