//! HTTP caching for pages. Public pages are rendered once and kept in
//! memory (`crate::pages`) until something they show changes; every public
//! answer carries a strong `ETag` and answers `If-None-Match` with 304; admin
//! pages are never stored. When many readers ask for a page that is not
//! kept, one renders it and the others wait for that rendering.
//!
//! Nothing here guesses what a write changed: every write tells the cache
//! itself (`WebState::changed` for what people do, at once;
//! `PageCache::changed_soon` for what arrives from the fediverse), so that a
//! flood of requests that change nothing public (held replies, failed
//! logins) never empties the cache.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::WebState;
use crate::pages::{Entry, Key, PageTags};

/// Pages larger than this are served but neither tagged nor kept.
const MAX_PAGE: usize = 4 * 1024 * 1024;
/// Accept headers longer than this are not worth a cache entry of their own.
const MAX_ACCEPT: usize = 256;
/// How long a reader waits for someone else's rendering before rendering
/// the page itself.
const WAIT_FOR_RENDER: Duration = Duration::from_secs(5);

/// Renderings under way, by page, so that readers of a page that is not
/// kept wait for one rendering rather than each making their own.
#[derive(Default)]
pub struct Renderings {
    under_way: Mutex<HashMap<Key, watch::Receiver<()>>>,
}

/// Held by the one rendering a page; dropping it lets the waiting readers go.
struct Rendering<'a> {
    renderings: &'a Renderings,
    key: Key,
    _done: watch::Sender<()>,
}

impl Drop for Rendering<'_> {
    fn drop(&mut self) {
        self.renderings
            .under_way
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl Renderings {
    /// Either the right to render `key`, or a rendering to wait for.
    fn join(&self, key: &Key) -> Result<Rendering<'_>, watch::Receiver<()>> {
        let mut under_way = self
            .under_way
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = under_way.get(key) {
            return Err(done.clone());
        }
        let (sender, receiver) = watch::channel(());
        under_way.insert(key.clone(), receiver);
        Ok(Rendering {
            renderings: self,
            key: key.clone(),
            _done: sender,
        })
    }
}

fn is_private(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/") || path == "/login"
}

/// Pages that depend on more than their URL and `Accept` header.
fn is_uncacheable(path: &str) -> bool {
    // Images are files with their own long-lived cache headers.
    // Micropub answers depend on the token presented.
    path.ends_with("/interact")
        || path == "/healthz"
        || path.starts_with("/media/")
        || path.starts_with("/micropub")
}

/// The one content coding this answer will use: brotli, then gzip, when the
/// client accepts them. The request is rewritten to ask for exactly that, so
/// the compression layer's choice follows from the cache key.
fn negotiate_encoding(headers: &mut HeaderMap) -> Option<&'static str> {
    let accepted: Vec<(String, f32)> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| {
            let mut pieces = part.split(';');
            let coding = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding, quality)
        })
        .collect();
    let chosen = ["br", "gzip"].into_iter().find(|coding| {
        accepted
            .iter()
            .any(|(c, q)| c.as_str() == *coding && *q > 0.0)
    });
    match chosen {
        Some(coding) => {
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(coding));
        }
        None => {
            headers.remove(header::ACCEPT_ENCODING);
        }
    }
    chosen
}

pub async fn pages(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if is_private(path) {
        let mut response = next.run(request).await;
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let accept = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let encoding = negotiate_encoding(request.headers_mut());
    let path = request.uri().path();
    if is_uncacheable(path) || accept.len() > MAX_ACCEPT {
        return next.run(request).await;
    }
    let key = Key {
        path_and_query: request
            .uri()
            .path_and_query()
            .map_or_else(|| path.to_owned(), |p| p.as_str().to_owned()),
        accept,
        encoding,
    };
    if let Some(entry) = state.pages.lookup(&key) {
        return answer(&entry, if_none_match.as_ref(), "hit");
    }
    let rendering = match state.renderings.join(&key) {
        Ok(rendering) => Some(rendering),
        Err(mut done) => {
            // Someone is rendering this page: wait, then take theirs.
            let _ = tokio::time::timeout(WAIT_FOR_RENDER, done.changed()).await;
            if let Some(entry) = state.pages.lookup(&key) {
                return answer(&entry, if_none_match.as_ref(), "hit");
            }
            None
        }
    };
    let stamp = state.pages.now();
    let response = next.run(request).await;
    let response = keep(&state, key, stamp, method, response, if_none_match.as_ref()).await;
    drop(rendering);
    response
}

/// Keeps a fresh rendering when it can be kept, and answers with it.
async fn keep(
    state: &WebState,
    key: Key,
    stamp: u64,
    method: Method,
    response: Response,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let private = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store") || v.contains("private"));
    if response.status() != StatusCode::OK
        || private
        || response.headers().contains_key(header::ETAG)
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let tags = response.extensions().get::<PageTags>().map(|t| t.0.clone());
    let (parts, body) = response.into_parts();
    // The page is in memory already (rendered, then compressed); a page too
    // large to keep is still served whole.
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) if body.len() > MAX_PAGE => return Response::from_parts(parts, Body::from(body)),
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "failed to read a page to cache it");
            let mut failed = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            failed.extensions_mut().insert(crate::error::Logged);
            return failed;
        }
    };
    let mut headers = parts.headers;
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Readers always get the current page; unchanged ones cost a 304.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    let entry = Entry {
        stamp,
        tags,
        status: parts.status,
        etag: etag(&body),
        headers,
        body,
    };
    let response = answer(&entry, if_none_match, "miss");
    if method == Method::GET {
        state.pages.store(key, entry);
    }
    response
}

fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex = hex::encode(&digest[..16]);
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

fn answer(entry: &Entry, if_none_match: Option<&HeaderValue>, cache: &'static str) -> Response {
    let matches = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let tag = entry.etag.to_str().unwrap_or_default();
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*")
        });
    let mut response = if matches {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        let headers = response.headers_mut();
        for name in [header::CACHE_CONTROL, header::VARY, header::CONTENT_TYPE] {
            for value in entry.headers.get_all(&name) {
                headers.append(name.clone(), value.clone());
            }
        }
        response
    } else {
        let mut response = Response::new(Body::from(entry.body.clone()));
        *response.status_mut() = entry.status;
        *response.headers_mut() = entry.headers.clone();
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, entry.etag.clone());
    headers.insert("x-cache", HeaderValue::from_static(cache));
    response
}
