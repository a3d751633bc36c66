//! Signatures on outgoing deliveries: the same draft-cavage signatures as
//! `activitypub_federation` makes (http-signature-normalization builds the
//! signing string and headers, with a SHA-256 `Digest` and a one-hour
//! expiry), with the RSA operation done by aws-lc, several times faster than
//! the pure-Rust `rsa` crate, on signing threads, one per core.

use std::{
    sync::{Arc, Mutex, OnceLock, PoisonError, mpsc},
    time::Duration,
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{RSA_PKCS1_SHA256, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::STANDARD as Base64};
use bytes::Bytes;
use http_signature_normalization_reqwest::{Canceled, Config, SignError, Spawn, digest::SignExt};
use reqwest_middleware::RequestBuilder;
use sha2::{Digest, Sha256};

/// How long a signature is valid, as `activitypub_federation` sets it.
const EXPIRES_AFTER: Duration = Duration::from_secs(60 * 60);

/// Signs requests as the blog's actor.
#[derive(Clone)]
pub struct Signer {
    key_id: String,
    pair: Arc<RsaKeyPair>,
    config: Config<SigningThreads>,
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
        let (label, der) = pem_rfc7468::decode_vec(private_key_pem.trim().as_bytes())
            .map_err(|err| anyhow::anyhow!("the actor's private key is not PEM: {err}"))?;
        anyhow::ensure!(
            label == "PRIVATE KEY",
            "the actor's private key is a {label}, not PKCS#8"
        );
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|err| anyhow::anyhow!("the actor's private key is unusable: {err}"))?;
        Ok(Signer {
            key_id,
            pair: Arc::new(pair),
            config: Config::new_with_spawner(SigningThreads).set_expiration(EXPIRES_AFTER),
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

type Job = Box<dyn FnOnce() + Send>;

/// Where signatures are made: one thread per core, started with the first
/// signature. A signature is about a quarter of a millisecond of CPU: too
/// long to hold up the async workers, and too short to pay for tokio's
/// blocking pool, which grows a thread per delivery under way and spends
/// the cores switching between them.
#[derive(Clone, Copy, Debug, Default)]
pub struct SigningThreads;

impl SigningThreads {
    fn queue() -> &'static mpsc::Sender<Job> {
        static QUEUE: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
        QUEUE.get_or_init(|| {
            let (queue, jobs) = mpsc::channel::<Job>();
            let jobs = Arc::new(Mutex::new(jobs));
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            for n in 0..cores {
                let jobs = jobs.clone();
                let started = std::thread::Builder::new()
                    .name(format!("signing-{n}"))
                    .spawn(move || {
                        loop {
                            let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            match job {
                                // A panic loses that signature (its caller
                                // sees Canceled), not the thread.
                                Ok(job) => {
                                    let _ =
                                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                                }
                                Err(_) => break,
                            }
                        }
                    });
                if let Err(err) = started {
                    tracing::error!(error = %err, "cannot start a signing thread");
                }
            }
            queue
        })
    }
}

impl Spawn for SigningThreads {
    type Future<T>
        = Signed<T>
    where
        T: Send;

    fn spawn_blocking<Func, Out>(&self, func: Func) -> Self::Future<Out>
    where
        Func: FnOnce() -> Out + Send + 'static,
        Out: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(func());
        });
        // If no thread runs, the job is dropped and the caller sees Canceled.
        let _ = Self::queue().send(job);
        Signed(result)
    }
}

/// A signature under way on a signing thread.
pub struct Signed<T>(tokio::sync::oneshot::Receiver<T>);

impl<T> std::future::Future for Signed<T> {
    type Output = Result<T, Canceled>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|result| result.map_err(|_| Canceled))
    }
}
