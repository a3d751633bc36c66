//! Rendered public pages kept in memory, and what makes each one stale.
//!
//! Every page says what it shows ([`Tag`]s: one post, the lists of posts,
//! the outbox, the followers); every write says what it changed
//! ([`Change`]), and only the pages that show it are dropped. A page that
//! names no tags is dropped by any change. Changes made here by people (the
//! author, the admin) apply at once; changes arriving from the fediverse are
//! gathered and applied at most once per `page_cache_coalesce_ms` (a
//! second by default), so that a storm of likes does not make a popular post
//! render on every request. With
//! PostgreSQL, changes are broadcast with `NOTIFY` and every process sharing
//! the database drops the same pages.
//!
//! Each entry remembers the moment (a sequence number) its rendering began;
//! a tag invalidated after that moment makes the entry stale, so a page
//! rendered from data read before a write is never served after it.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use quick_cache::{Weighter, sync::Cache};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::Notify;

/// The PostgreSQL channel invalidations travel on.
const CHANNEL: &str = "blog_pages";
/// NOTIFY payloads must stay under 8000 bytes.
const MAX_PAYLOAD: usize = 7000;

/// What a page shows.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Tag {
    /// One post: its page in every representation, its comment pages, its
    /// collections.
    Post(i32),
    /// Lists of posts with their reply counts: home, tag pages, feeds,
    /// sitemap, nodeinfo.
    Listing,
    /// The outbox, whose Articles carry their counts.
    Outbox,
    /// The followers collection.
    Followers,
}

impl Tag {
    fn encode(self) -> String {
        match self {
            Tag::Post(id) => format!("p{id}"),
            Tag::Listing => "l".into(),
            Tag::Outbox => "o".into(),
            Tag::Followers => "f".into(),
        }
    }

    fn decode(text: &str) -> Option<Tag> {
        match text {
            "l" => Some(Tag::Listing),
            "o" => Some(Tag::Outbox),
            "f" => Some(Tag::Followers),
            _ => text.strip_prefix('p')?.parse().ok().map(Tag::Post),
        }
    }
}

/// A response extension: the page shows only these (an empty list: nothing
/// that changes while the server runs).
#[derive(Clone, Debug)]
pub struct PageTags(pub Vec<Tag>);

impl PageTags {
    /// `response`, saying what it shows.
    pub fn on(self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        response.extensions_mut().insert(self);
        response
    }

    /// Shows nothing that changes while the server runs.
    pub fn fixed() -> PageTags {
        PageTags(Vec::new())
    }
}

/// For routes whose pages show the lists of posts (a response mapper).
pub async fn shows_listing(response: Response) -> Response {
    PageTags(vec![Tag::Listing]).on(response)
}

/// For routes whose pages show the outbox.
pub async fn shows_outbox(response: Response) -> Response {
    PageTags(vec![Tag::Outbox]).on(response)
}

/// For routes whose pages show the followers.
pub async fn shows_followers(response: Response) -> Response {
    PageTags(vec![Tag::Followers]).on(response)
}

/// For routes whose pages do not change while the server runs.
pub async fn shows_nothing_changing(response: Response) -> Response {
    PageTags::fixed().on(response)
}

/// What a write changed, in the blog's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A post's text, status or tags.
    Post(i32),
    /// The replies shown under a post, or their count.
    Replies(i32),
    /// A post's likes, boosts or reactions.
    Reactions(i32),
    Followers,
    /// Anything: every page goes.
    Everything,
}

/// Which pages to drop.
enum Scope {
    Tags(HashSet<Tag>),
    Everything,
}

fn scope_of(changes: &[Change]) -> Scope {
    let mut tags = HashSet::new();
    for change in changes {
        match *change {
            Change::Post(id) | Change::Replies(id) => {
                tags.extend([Tag::Post(id), Tag::Listing, Tag::Outbox]);
            }
            Change::Reactions(id) => {
                tags.extend([Tag::Post(id), Tag::Outbox]);
            }
            Change::Followers => {
                tags.insert(Tag::Followers);
            }
            Change::Everything => return Scope::Everything,
        }
    }
    Scope::Tags(tags)
}

#[derive(Clone, Hash, PartialEq, Eq)]
pub struct Key {
    pub path_and_query: String,
    pub accept: String,
    pub encoding: Option<&'static str>,
}

pub struct Entry {
    /// When its rendering began (see the module's comment).
    pub stamp: u64,
    /// What it shows; `None`: it did not say, so anything may change it.
    pub tags: Option<Vec<Tag>>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub etag: HeaderValue,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Arc<Entry>> for ByBytes {
    fn weight(&self, key: &Key, entry: &Arc<Entry>) -> u64 {
        let tags = entry.tags.as_ref().map_or(0, Vec::len) * 16;
        (key.path_and_query.len() + key.accept.len() + entry.body.len() + tags + 512) as u64
    }
}

/// Rendered public pages, shared by all requests of one process.
pub struct PageCache {
    entries: Option<Cache<Key, Arc<Entry>, ByBytes>>,
    sequence: AtomicU64,
    /// When each tag was last invalidated.
    stamps: RwLock<HashMap<Tag, u64>>,
    /// When everything was last invalidated.
    everything: AtomicU64,
    /// When any change last happened (pages without tags depend on all).
    any: AtomicU64,
    /// Changes from the fediverse waiting for the next flush.
    pending: Mutex<Vec<Change>>,
    wake: Notify,
    /// How long changes from the fediverse may wait; zero applies them at
    /// once (and only tells other processes later).
    coalesce: Duration,
    /// Tells this process's own notifications apart from other processes'.
    token: String,
}

impl PageCache {
    pub fn new(mebibytes: u64, coalesce: Duration) -> Self {
        let bytes = mebibytes.saturating_mul(1024 * 1024);
        let entries = (bytes > 0).then(|| {
            let estimated_items = (bytes / (32 * 1024)).clamp(16, 4096) as usize;
            Cache::with_weighter(estimated_items, bytes, ByBytes)
        });
        PageCache {
            entries,
            sequence: AtomicU64::new(1),
            stamps: RwLock::new(HashMap::new()),
            everything: AtomicU64::new(0),
            any: AtomicU64::new(0),
            pending: Mutex::new(Vec::new()),
            wake: Notify::new(),
            coalesce,
            token: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// The stamp a rendering that begins now gets.
    pub fn now(&self) -> u64 {
        self.sequence.load(Ordering::SeqCst)
    }

    fn is_current(&self, entry: &Entry) -> bool {
        if entry.stamp < self.everything.load(Ordering::SeqCst) {
            return false;
        }
        let Some(tags) = &entry.tags else {
            return entry.stamp >= self.any.load(Ordering::SeqCst);
        };
        let stamps = self.stamps.read().unwrap_or_else(PoisonError::into_inner);
        tags.iter()
            .all(|tag| stamps.get(tag).is_none_or(|at| entry.stamp >= *at))
    }

    pub fn lookup(&self, key: &Key) -> Option<Arc<Entry>> {
        let entry = self.entries.as_ref()?.get(key)?;
        self.is_current(&entry).then_some(entry)
    }

    pub fn store(&self, key: Key, entry: Entry) {
        if let Some(entries) = &self.entries
            && self.is_current(&entry)
        {
            entries.insert(key, Arc::new(entry));
        }
    }

    fn apply(&self, scope: &Scope) {
        let at = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        match scope {
            Scope::Everything => {
                self.everything.store(at, Ordering::SeqCst);
                if let Some(entries) = &self.entries {
                    entries.clear();
                }
            }
            Scope::Tags(tags) => {
                let mut stamps = self.stamps.write().unwrap_or_else(PoisonError::into_inner);
                for tag in tags {
                    stamps.insert(*tag, at);
                }
            }
        }
        self.any.store(at, Ordering::SeqCst);
    }

    /// Drops the pages these changes affect, here and (PostgreSQL) in every
    /// other process on the database. Call after the change is committed.
    pub async fn changed(&self, db: &DatabaseConnection, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        let scope = scope_of(changes);
        self.apply(&scope);
        self.broadcast(db, &scope).await;
    }

    /// Like `changed`, for changes from the fediverse: applied within the
    /// coalescing interval, together with the others that arrive meanwhile.
    pub fn changed_soon(&self, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        if self.coalesce.is_zero() {
            self.apply(&scope_of(changes));
        }
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(changes);
        self.wake.notify_one();
    }

    /// Applies gathered changes, at most once per coalescing interval, and
    /// tells other processes about them, until the process ends.
    pub fn spawn_flusher(self: &Arc<Self>, db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
        let cache = self.clone();
        tokio::spawn(async move {
            let mut last = Instant::now()
                .checked_sub(cache.coalesce)
                .unwrap_or_else(Instant::now);
            loop {
                cache.wake.notified().await;
                tokio::time::sleep_until((last + cache.coalesce).into()).await;
                let changes = std::mem::take(
                    &mut *cache.pending.lock().unwrap_or_else(PoisonError::into_inner),
                );
                last = Instant::now();
                if changes.is_empty() {
                    continue;
                }
                let scope = scope_of(&changes);
                if !cache.coalesce.is_zero() {
                    cache.apply(&scope);
                }
                cache.broadcast(&db, &scope).await;
            }
        })
    }

    async fn broadcast(&self, db: &DatabaseConnection, scope: &Scope) {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return;
        }
        for payload in payloads(&self.token, scope) {
            if let Err(err) = notify(db, payload).await {
                tracing::warn!(error = %err, "failed to tell other processes to drop cached pages");
            }
        }
    }
}

/// `token tag tag ...`, or `token *` for everything, in payloads that fit.
fn payloads(token: &str, scope: &Scope) -> Vec<String> {
    let Scope::Tags(tags) = scope else {
        return vec![format!("{token} *")];
    };
    let mut all = Vec::new();
    let mut current = token.to_owned();
    for tag in tags {
        let tag = tag.encode();
        if current.len() + tag.len() + 1 > MAX_PAYLOAD {
            all.push(std::mem::replace(&mut current, token.to_owned()));
        }
        current.push(' ');
        current.push_str(&tag);
    }
    all.push(current);
    all
}

fn parse_payload(payload: &str) -> Option<(&str, Scope)> {
    let mut words = payload.split(' ');
    let token = words.next()?;
    let rest: Vec<&str> = words.collect();
    if rest.contains(&"*") || rest.is_empty() {
        return Some((token, Scope::Everything));
    }
    Some((
        token,
        Scope::Tags(rest.into_iter().filter_map(Tag::decode).collect()),
    ))
}

async fn notify(db: &DatabaseConnection, payload: String) -> Result<(), sea_orm::DbErr> {
    let notify = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    );
    db.execute_raw(notify).await.map(|_| ())
}

/// Tells every server process on this PostgreSQL database to drop all its
/// pages, after a change made outside them (by a command such as `blog
/// import`). Returns false on SQLite, where nothing can tell a running server.
pub async fn invalidate_servers(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(false);
    }
    // No process has this token, so every one of them listens to it.
    notify(db, "command *".into())
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
                    cache.apply(&Scope::Everything);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(err) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %err, "cannot listen for page invalidations; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            // Anything written before the listener was in place is unseen.
            cache.apply(&Scope::Everything);
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => match parse_payload(notification.payload()) {
                        Some((token, _)) if token == cache.token => {}
                        Some((_, scope)) => cache.apply(&scope),
                        None => cache.apply(&Scope::Everything),
                    },
                    Ok(None) => {
                        // Reconnected: notifications may have been missed.
                        cache.apply(&Scope::Everything);
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "page invalidation listener failed; reconnecting");
                        cache.apply(&Scope::Everything);
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(stamp: u64, tags: Option<Vec<Tag>>) -> Entry {
        Entry {
            stamp,
            tags,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            etag: HeaderValue::from_static("\"x\""),
        }
    }

    #[test]
    fn a_change_drops_the_pages_that_show_it_and_no_others() {
        let cache = PageCache::new(1, Duration::from_secs(1));
        let start = cache.now();
        let post = entry(start, Some(vec![Tag::Post(1)]));
        let other = entry(start, Some(vec![Tag::Post(2)]));
        let list = entry(start, Some(vec![Tag::Listing]));
        let unsaid = entry(start, None);
        cache.apply(&scope_of(&[Change::Reactions(1)]));
        assert!(!cache.is_current(&post));
        assert!(cache.is_current(&other));
        assert!(cache.is_current(&list), "likes are not on the lists");
        assert!(!cache.is_current(&unsaid));
        // Rendered after the change: current.
        assert!(cache.is_current(&entry(cache.now(), Some(vec![Tag::Post(1)]))));
        cache.apply(&Scope::Everything);
        assert!(!cache.is_current(&other));
    }

    #[test]
    fn notifications_carry_their_tags_across_processes() {
        let tags: HashSet<Tag> = (0..2000).map(Tag::Post).chain([Tag::Listing]).collect();
        let sent = payloads("abc", &Scope::Tags(tags.clone()));
        assert!(sent.len() > 1 && sent.iter().all(|p| p.len() < 8000));
        let mut received = HashSet::new();
        for payload in &sent {
            let Some(("abc", Scope::Tags(part))) = parse_payload(payload) else {
                panic!("unreadable {payload}");
            };
            received.extend(part);
        }
        assert_eq!(received, tags);
        assert!(matches!(
            parse_payload("command *"),
            Some(("command", Scope::Everything))
        ));
    }
}
