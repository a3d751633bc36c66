//! HTTP caching for pages. Public pages are rendered once and kept in memory
//! until something changes; every public answer carries a strong `ETag` and
//! answers `If-None-Match` with 304; admin pages are never stored.
//!
//! Invalidation is deliberately coarse: any request that may write (every
//! method but GET and HEAD, which includes the inbox) empties the cache once
//! it has finished, and so does anything else that changes what readers see
//! (see [`PageCache::invalidate`]). Entries carry the generation they were
//! rendered in, so a page rendered from data read before a write can never
//! be served after it. With PostgreSQL, invalidations are broadcast with
//! `NOTIFY` so that every process sharing the database drops its copies.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use quick_cache::{Weighter, sync::Cache};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};

use super::AppState;

/// Pages larger than this are served but neither tagged nor kept.
const MAX_PAGE: usize = 4 * 1024 * 1024;
/// Accept headers longer than this are not worth a cache entry of their own.
const MAX_ACCEPT: usize = 256;
/// The PostgreSQL channel invalidations travel on.
const CHANNEL: &str = "blog_pages";

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    path_and_query: String,
    accept: String,
    encoding: Option<&'static str>,
}

struct Entry {
    generation: u64,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Arc<Entry>> for ByBytes {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        // The key's encoding is a static string; it costs nothing to keep.
        (key.path_and_query.len() + key.accept.len() + entry.body.len() + 512) as u64
    }
}

/// Rendered public pages, shared by all requests of one process.
pub struct PageCache {
    generation: AtomicU64,
    entries: Option<Cache<Key, Arc<Entry>, ByBytes>>,
    /// Tells this process's own notifications apart from other processes'.
    token: String,
}

impl PageCache {
    pub fn new(mebibytes: u64) -> Self {
        let bytes = mebibytes.saturating_mul(1024 * 1024);
        let entries = (bytes > 0).then(|| {
            let estimated_items = (bytes / (32 * 1024)).clamp(16, 4096) as usize;
            Cache::with_weighter(estimated_items, bytes, ByBytes)
        });
        PageCache {
            generation: AtomicU64::new(0),
            entries,
            token: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Forgets every page in this process.
    pub fn invalidate_local(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// Forgets every page here and, with PostgreSQL, in every other process
    /// serving the same database. Call after the change is committed.
    pub async fn invalidate(&self, db: &DatabaseConnection) {
        self.invalidate_local();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), self.token.clone().into()],
            );
            if let Err(err) = db.execute_raw(notify).await {
                tracing::warn!(error = %err, "failed to tell other processes to drop cached pages");
            }
        }
    }

    fn current(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn lookup(&self, key: &Key) -> Option<Arc<Entry>> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.generation == self.current()).then_some(entry)
    }

    fn store(&self, key: Key, entry: Entry) {
        if let Some(entries) = &self.entries
            && entry.generation == self.current()
        {
            entries.insert(key, Arc::new(entry));
        }
    }
}

/// Tells every server process on this PostgreSQL database to drop its
/// pages, after a change made outside them (by a command such as `blog
/// import`). Returns false on SQLite, where nothing can tell a running server.
pub async fn invalidate_servers(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(false);
    }
    let notify = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        // No process has this token, so every one of them listens to it.
        [CHANNEL.into(), "command".into()],
    );
    db.execute_raw(notify)
        .await
        .map_err(|err| anyhow::Error::new(err).context("failed to notify the servers"))?;
    Ok(true)
}

/// Listens for other processes' invalidations (PostgreSQL only) until the
/// process ends. Whenever the connection is lost, everything is dropped,
/// since notifications sent meanwhile are gone.
pub fn spawn_listener(
    cache: Arc<PageCache>,
    db: &DatabaseConnection,
) -> Option<tokio::task::JoinHandle<()>> {
    use sea_orm::sqlx::postgres::PgListener;
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool().clone();
    Some(tokio::spawn(async move {
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for page invalidations; retrying");
                    cache.invalidate_local();
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(err) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %err, "cannot listen for page invalidations; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            // Anything written before the listener was in place is unseen.
            cache.invalidate_local();
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        if notification.payload() != cache.token {
                            cache.invalidate_local();
                        }
                    }
                    Ok(None) => {
                        // Reconnected: notifications may have been missed.
                        cache.invalidate_local();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "page invalidation listener failed; reconnecting");
                        cache.invalidate_local();
                        break;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }))
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

pub async fn pages(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let response = next.run(request).await;
        state.pages.invalidate(&state.db).await;
        return response;
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
    let key = (!is_uncacheable(path) && accept.len() <= MAX_ACCEPT).then(|| Key {
        path_and_query: request
            .uri()
            .path_and_query()
            .map_or_else(|| path.to_owned(), |p| p.as_str().to_owned()),
        accept,
        encoding,
    });
    if let Some(entry) = key.as_ref().and_then(|key| state.pages.lookup(key)) {
        return answer(&entry, if_none_match.as_ref(), "hit");
    }
    let generation = state.pages.current();
    let response = next.run(request).await;
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
    let Some(key) = key else {
        return response;
    };
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
        generation,
        status: parts.status,
        etag: etag(&body),
        headers,
        body,
    };
    let response = answer(&entry, if_none_match.as_ref(), "miss");
    if method == Method::GET {
        state.pages.store(key, entry);
    }
    response
}

fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
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
