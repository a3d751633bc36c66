//! HTTP signatures as Mastodon makes them (draft-cavage over
//! `(request-target) host date digest`, rsa-sha256, a SHA-256 `Digest`), for
//! the simulated peers; checks of the blog's own signatures; and OpenSSL's
//! RSA-2048 figures the results are compared with. The peers use aws-lc (in
//! the tree through rustls) so that they cost the shared cores little.

use std::{collections::HashMap, process::Command, time::SystemTime};

use anyhow::Context;
use aws_lc_rs::{
    digest::{SHA256, digest},
    encoding::AsDer,
    rand::SystemRandom,
    rsa::KeySize,
    signature::{self, KeyPair as _, ParsedPublicKey, RsaKeyPair},
};
use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::STANDARD};

/// A remote account's RSA-2048 key.
pub struct Key {
    pair: RsaKeyPair,
    pub public_pem: String,
}

impl Key {
    pub fn generate() -> anyhow::Result<Key> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let der = pair
            .public_key()
            .as_der()
            .map_err(|_| anyhow::anyhow!("the public key cannot be encoded"))?;
        Ok(Key {
            public_pem: pem("PUBLIC KEY", der.as_ref()),
            pair,
        })
    }

    fn sign(&self, message: &[u8]) -> anyhow::Result<String> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        Ok(STANDARD.encode(signature))
    }

    /// The headers that sign a POST of `body` to `path` on `host` as `key_id`.
    pub fn sign_post(
        &self,
        key_id: &str,
        host: &str,
        path: &str,
        body: &[u8],
    ) -> anyhow::Result<Vec<(&'static str, String)>> {
        let date = httpdate::fmt_http_date(SystemTime::now());
        let digest = digest_header(body);
        let signing =
            format!("(request-target): post {path}\nhost: {host}\ndate: {date}\ndigest: {digest}");
        let signature = self.sign(signing.as_bytes())?;
        Ok(vec![
            ("host", host.to_owned()),
            ("date", date),
            ("digest", digest),
            (
                "signature",
                format!(
                    "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",\
                     headers=\"(request-target) host date digest\",signature=\"{signature}\""
                ),
            ),
        ])
    }
}

pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(digest(&SHA256, body)))
}

fn pem(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn pem_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    STANDARD.decode(body).context("the PEM is not base64")
}

/// `key="value"` pairs of a `Signature` header; numbers may come unquoted.
fn signature_params(header: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut rest = header.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_owned();
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((value, after)) => (value, after),
                None => (quoted, ""),
            },
            None => after.split_once(',').unwrap_or((after, "")),
        };
        params.insert(key, value.to_owned());
        rest = after.trim_start_matches(',').trim();
    }
    params
}

/// Checks requests signed by one actor's key.
pub struct Verifier {
    key: ParsedPublicKey,
    key_id: String,
}

impl Verifier {
    pub fn new(public_pem: &str, key_id: &str) -> anyhow::Result<Verifier> {
        let key =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, pem_der(public_pem)?)
                .map_err(|e| anyhow::anyhow!("the public key is not an RSA key: {e}"))?;
        Ok(Verifier {
            key,
            key_id: key_id.to_owned(),
        })
    }

    /// Whether the request carries this key's valid signature over its
    /// target, its other signed headers and, through `Digest`, its body.
    pub fn verify(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), String> {
        let header = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let digest = header("digest");
        if !digest.split(',').any(|d| d.trim() == digest_header(body)) {
            return Err(format!("Digest {digest:?} does not match the body"));
        }
        let params = signature_params(&header("signature"));
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if param("keyId") != self.key_id {
            return Err(format!("signed by {:?}", param("keyId")));
        }
        let signed: Vec<&str> = param("headers").split_whitespace().collect();
        for needed in ["(request-target)", "digest"] {
            if !signed.contains(&needed) {
                return Err(format!("{needed} is not signed"));
            }
        }
        let lines: Vec<String> = signed
            .iter()
            .map(|name| match *name {
                "(request-target)" => {
                    format!(
                        "(request-target): {} {path_and_query}",
                        method.to_lowercase()
                    )
                }
                "(created)" => format!("(created): {}", param("created")),
                "(expires)" => format!("(expires): {}", param("expires")),
                other => format!("{other}: {}", header(other)),
            })
            .collect();
        let signature = STANDARD
            .decode(param("signature"))
            .map_err(|_| "the signature is not base64".to_owned())?;
        self.key
            .verify_sig(lines.join("\n").as_bytes(), &signature)
            .map_err(|_| "the signature does not verify".to_owned())
    }
}

/// OpenSSL's RSA-2048 operations per second on one core.
pub struct OpenSsl {
    pub sign: f64,
    pub verify: f64,
}

/// Runs `openssl speed -seconds 3 rsa2048`; `None` when openssl is missing.
pub fn openssl_rsa2048() -> anyhow::Result<Option<OpenSsl>> {
    let output = match Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).context("failed to run openssl speed"),
    };
    anyhow::ensure!(output.status.success(), "openssl speed failed");
    parse_speed(&String::from_utf8_lossy(&output.stdout)).map(Some)
}

/// Reads the `sign/s` and `verify/s` columns of the `rsa 2048 bits` row;
/// OpenSSL 3.2 added columns, so they are found by their heading.
fn parse_speed(text: &str) -> anyhow::Result<OpenSsl> {
    let heading: Vec<&str> = text
        .lines()
        .find(|l| l.contains("sign/s") && l.contains("verify/s"))
        .context("openssl speed printed no sign/s heading")?
        .split_whitespace()
        .collect();
    let row: Vec<&str> = text
        .lines()
        .find_map(|l| l.split_once("2048 bits").map(|(_, values)| values))
        .context("openssl speed printed no rsa 2048 row")?
        .split_whitespace()
        .collect();
    let column = |name: &str| -> anyhow::Result<f64> {
        let at = heading
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("no {name} column"))?;
        row.get(at)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {name} value"))
    };
    Ok(OpenSsl {
        sign: column("sign/s")?,
        verify: column("verify/s")?,
    })
}
