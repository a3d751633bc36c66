//! Every request the blog makes to another server goes through one client
//! whose costs are bounded, whoever triggered it (a visitor's handle
//! lookup, a remote's activity naming an object or an actor): addresses
//! checked after DNS resolution (`ssrf`), no redirects followed, a total
//! deadline that covers reading the body, a cap on the body (a declared
//! `Content-Length` over it is refused before reading; a body that grows
//! past it is cut off while streaming), and a limit on how many requests
//! are under way at once. A remote that streams without end costs at most
//! the cap and the deadline.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use anyhow::Context as _;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use reqwest::{Request, Response};
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;

/// Largest body read from another server: ActivityPub documents and
/// WebFinger answers are a few KiB; the library's own cap is the same.
pub const MAX_BODY: usize = 1024 * 1024;

/// The bounds of outgoing requests, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_body: usize,
    pub deadline: Duration,
    pub concurrency: usize,
}

impl Bounds {
    pub fn of(config: &Config) -> Bounds {
        let federation = &config.federation;
        Bounds {
            max_body: MAX_BODY,
            deadline: Duration::from_secs(federation.fetch_timeout_secs.max(1)),
            concurrency: federation.fetch_concurrency.max(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the answer of {0} declares {1} bytes, more than the {2} read from other servers")]
    DeclaredTooLarge(String, u64, usize),
    #[error("the answer is larger than the {0} bytes read from other servers")]
    TooLarge(usize),
    #[error("too many requests to other servers are under way; {0} waited in vain")]
    Busy(String),
    #[error("{0} did not answer in full within {1:?}")]
    TimedOut(String, Duration),
    #[error("the answer could not be read")]
    Read(#[source] reqwest::Error),
}

/// The plain client: the guarded resolver, no redirects, the deadline.
/// Deliveries use it directly (they read no bodies); fetches through
/// [`bounded_client`].
pub fn http_client(config: &Config) -> anyhow::Result<reqwest::Client> {
    let bounds = Bounds::of(config);
    reqwest::Client::builder()
        .user_agent(concat!("blog/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(bounds.deadline)
        .connect_timeout(bounds.deadline.min(Duration::from_secs(10)))
        .dns_resolver(Arc::new(super::ssrf::GuardedResolver {
            check: !config.federation.allow_insecure_local,
        }))
        .build()
        .context("failed to build the federation HTTP client")
}

/// `client` with the body cap and the concurrency limit.
pub fn bounded_client(client: reqwest::Client, bounds: Bounds) -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(client)
        .with(Bounded {
            bounds,
            permits: Arc::new(Semaphore::new(bounds.concurrency)),
        })
        .build()
}

struct Bounded {
    bounds: Bounds,
    permits: Arc<Semaphore>,
}

#[async_trait::async_trait]
impl Middleware for Bounded {
    async fn handle(
        &self,
        request: Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let target = request.url().to_string();
        let deadline = self.bounds.deadline;
        let ends = tokio::time::Instant::now() + deadline;
        let permit = tokio::time::timeout_at(ends, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                reqwest_middleware::Error::middleware(FetchError::Busy(target.clone()))
            })?;
        let response = tokio::time::timeout_at(ends, next.run(request, extensions))
            .await
            .map_err(|_| {
                reqwest_middleware::Error::middleware(FetchError::TimedOut(
                    target.clone(),
                    deadline,
                ))
            })??;
        let max = self.bounds.max_body;
        if let Some(declared) = response.content_length()
            && declared > max as u64
        {
            return Err(reqwest_middleware::Error::middleware(
                FetchError::DeclaredTooLarge(response.url().to_string(), declared, max),
            ));
        }
        let limits = Limits {
            max,
            left: max,
            deadline: Box::pin(tokio::time::sleep_until(ends)),
            target,
            total: deadline,
            _permit: permit,
        };
        Ok(capped(response, limits))
    }
}

/// What a body may still take: bytes, time, and the permit it holds until
/// it is read or dropped.
struct Limits {
    max: usize,
    left: usize,
    deadline: Pin<Box<tokio::time::Sleep>>,
    target: String,
    total: Duration,
    _permit: OwnedSemaphorePermit,
}

/// `response` with a body that fails once it passes its byte or time limit.
fn capped(response: Response, limits: Limits) -> Response {
    use reqwest::ResponseBuilderExt;
    let url = response.url().clone();
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body: reqwest::Body = response.into();
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(all) = builder.headers_mut() {
        *all = headers;
    }
    let wrapped = reqwest::Body::wrap(Capped {
        inner: body,
        limits,
    });
    match builder.body(wrapped) {
        Ok(response) => Response::from(response),
        // Only an invalid status or header could fail, and these came
        // from a response already parsed.
        Err(_) => Response::from(http::Response::new(reqwest::Body::from(Bytes::new()))),
    }
}

struct Capped {
    inner: reqwest::Body,
    limits: Limits,
}

impl HttpBody for Capped {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.limits.deadline.as_mut().poll(cx).is_ready() {
            let err = FetchError::TimedOut(self.limits.target.clone(), self.limits.total);
            return Poll::Ready(Some(Err(Box::new(err))));
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    if data.len() > self.limits.left {
                        self.limits.left = 0;
                        return Poll::Ready(Some(Err(Box::new(FetchError::TooLarge(
                            self.limits.max,
                        )))));
                    }
                    self.limits.left -= data.len();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(Box::new(err)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Reads a body up to `max` bytes (below the client's own cap, for answers
/// that are smaller still), stopping as soon as it passes it.
pub async fn read_limited(mut response: Response, max: usize) -> Result<Bytes, FetchError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(FetchError::DeclaredTooLarge(
            response.url().to_string(),
            response.content_length().unwrap_or_default(),
            max,
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::Read)? {
        if body.len() + chunk.len() > max {
            return Err(FetchError::TooLarge(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}
