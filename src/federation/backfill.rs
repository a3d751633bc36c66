//! Finding the replies the blog was not sent: a reply to a reply that does
//! not mention the blog, one sent only to its author's followers' servers.
//! The `replies` and `context` collections of the replies the blog holds
//! are walked (as replies arrive, and again for recent posts), and the
//! public replies found there that answer the blog's posts or the replies
//! it holds are stored under the moderation policy, marked as found.
//!
//! Every fetch is a signed GET through the bounded, address-checked client.
//! A walk is bounded in depth (replies away from one the blog held), items
//! and pages per collection, and requests per server; the collections wait
//! in a table, so a restart loses none.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use anyhow::Context;
use chrono::{Duration, Utc};
use serde_json::Value;
use tokio::{sync::watch, time::Instant};
use url::Url;

use super::{
    FedData, Federation, activities::embedded_id, actor::RemoteActorId, backoff, error::FedError,
    objects::note,
};
use crate::{
    domain::{HttpUrl, same_server},
    entities::{
        backfill_job,
        comment::{self, CommentStatus},
    },
    pages::Change,
    services::{
        backfill,
        comments::{self, Arrival, Received},
    },
};

/// Queues the collections `comment` names, `depth` replies away from what
/// the blog held, unless that is deeper than a walk goes.
pub async fn follow(
    data: &Data<FedData>,
    comment: &comment::Model,
    depth: i32,
) -> Result<(), FedError> {
    let deepest = i32::try_from(data.config.federation.backfill_depth).unwrap_or(i32::MAX);
    // What answers a refused reply would be refused with it.
    let refused = matches!(
        comment.status,
        CommentStatus::Rejected | CommentStatus::Spam
    );
    if depth > deepest || refused {
        return Ok(());
    }
    let urls: Vec<HttpUrl> = [&comment.replies_url, &comment.context_url]
        .into_iter()
        .flatten()
        .filter_map(|url| HttpUrl::parse_opt(url))
        .filter(|url| !data.urls.is_ours(url.as_url()))
        .collect();
    backfill::enqueue(&data.db, comment.post_id, depth, urls).await?;
    data.backfill_wake.notify_one();
    Ok(())
}

/// Runs until `shutdown` turns true; a walk under way is finished first.
pub fn spawn(
    federation: Federation,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let data = federation.to_request_data();
        let lease = data.config.lease();
        let mut swept: Option<Instant> = None;
        while !*shutdown.borrow() {
            sweep_when_due(&data, &mut swept).await;
            // The posts the author quotes are read here too: the same kind
            // of work, reading other servers.
            if super::quoting::read_due(&data).await {
                continue;
            }
            match backfill::claim(&data.db, lease).await {
                Ok(Some(job)) => walk(&data, job).await,
                Ok(None) => {
                    tokio::select! {
                        () = data.backfill_wake.notified() => {}
                        () = tokio::time::sleep(StdDuration::from_secs(5)) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "cannot read the backfill queue");
                    tokio::time::sleep(StdDuration::from_secs(5)).await;
                }
            }
        }
    })
}

/// Queues the collections of the replies to recent posts again, every
/// `backfill_every_minutes`.
async fn sweep_when_due(data: &Data<FedData>, swept: &mut Option<Instant>) {
    let federation = &data.config.federation;
    let every = StdDuration::from_secs(federation.backfill_every_minutes.saturating_mul(60));
    if every.is_zero() || swept.is_some_and(|at| at.elapsed() < every) {
        return;
    }
    *swept = Some(Instant::now());
    let since = Utc::now() - Duration::days(i64::from(federation.backfill_recent_days));
    match backfill::sweep(&data.db, since).await {
        Ok(count) => tracing::debug!(replies = count, "queued the collections of recent replies"),
        Err(err) => {
            tracing::warn!(error = %format!("{err:#}"), "cannot queue recent replies' collections")
        }
    }
}

/// Walks one collection; a failure is tried again later with growing
/// waits, and given up after a few.
async fn walk(data: &Data<FedData>, job: backfill_job::Model) {
    let mut walk = Walk {
        data,
        depth: job.depth,
        requests: HashMap::new(),
        items: 0,
    };
    let result = match Url::parse(&job.url) {
        Ok(url) => walk.collection(&url).await,
        Err(err) => Err(Refused(format!("{} is not a URL: {err}", job.url)).into()),
    };
    let recorded = match result {
        Ok(()) => backfill::done(&data.db, job.id).await,
        Err(err) => {
            let error = format!("{err:#}");
            tracing::info!(url = %job.url, error = %error, "a collection could not be walked");
            // An address the blog never asks is given up at once.
            let again = err.downcast_ref::<Refused>().is_none().then(|| {
                let first = StdDuration::from_millis(data.config.federation.retry_delay_ms);
                Utc::now() + backoff(first, job.attempts + 1)
            });
            backfill::failed(&data.db, &job, error, again).await
        }
    };
    if let Err(err) = recorded {
        tracing::error!(error = %format!("{err:#}"), "cannot record a walk");
    }
}

/// An address the blog never asks (a local or private one, plain http).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// What became of one item of a collection.
enum Taken {
    Stored,
    /// It answers a reply not held yet, which may come later in the walk.
    Later,
    Passed,
}

struct Walk<'a> {
    data: &'a Data<FedData>,
    depth: i32,
    /// Requests made to each server.
    requests: HashMap<String, u32>,
    items: u32,
}

impl Walk<'_> {
    /// Whether another request to `url`'s server stays within the bound.
    fn may_ask(&mut self, url: &Url) -> bool {
        let most = self.data.config.federation.backfill_requests_per_host;
        let used = self
            .requests
            .entry(url.host_str().unwrap_or_default().to_owned())
            .or_default();
        if *used >= most {
            return false;
        }
        *used += 1;
        true
    }

    async fn fetch(&mut self, url: &Url) -> anyhow::Result<Option<Value>> {
        super::ssrf::check_url(url, self.data.config.federation.allow_insecure_local)
            .map_err(Refused)?;
        if !self.may_ask(url) {
            tracing::debug!(%url, "the walk made as many requests to this server as it may");
            return Ok(None);
        }
        let fetched = fetch_object_http::<_, Value>(url, self.data)
            .await
            .with_context(|| format!("failed to fetch {url}"))?;
        Ok(Some(fetched.object))
    }

    /// A page given embedded or by its URL.
    async fn page(&mut self, value: &Value) -> anyhow::Result<Option<Value>> {
        if value.is_object() && value.get("type").is_some() {
            return Ok(Some(value.clone()));
        }
        match embedded_id(value).map(Url::parse) {
            Some(Ok(url)) => self.fetch(&url).await,
            _ => Ok(None),
        }
    }

    async fn collection(&mut self, url: &Url) -> anyhow::Result<()> {
        let federation = &self.data.config.federation;
        let (most_items, most_pages) = (federation.backfill_items, federation.backfill_pages);
        let Some(collection) = self.fetch(url).await? else {
            return Ok(());
        };
        let mut page = match collection.get("first") {
            Some(first) => self.page(first).await?,
            None => Some(collection.clone()),
        };
        let mut items = Vec::new();
        let mut pages = 0;
        while let Some(current) = page.take() {
            pages += 1;
            for item in items_of(&current) {
                if self.items >= most_items {
                    break;
                }
                self.items += 1;
                items.push(item.clone());
            }
            if pages >= most_pages || self.items >= most_items {
                break;
            }
            if let Some(next) = current.get("next") {
                page = self.page(next).await?;
            }
        }
        // Items in the order given; one that answers a reply listed after
        // it is tried once more at the end.
        let mut later = Vec::new();
        for item in items {
            match self.item(&item, url).await {
                Ok(Taken::Later) => later.push(item),
                Ok(_) => {}
                Err(err) => tracing::debug!(error = %format!("{err:#}"), "passed over an item"),
            }
        }
        for item in later {
            if let Err(err) = self.item(&item, url).await {
                tracing::debug!(error = %format!("{err:#}"), "passed over an item");
            }
        }
        Ok(())
    }

    async fn item(&mut self, item: &Value, collection: &Url) -> anyhow::Result<Taken> {
        let data = self.data;
        let Some(id) = embedded_id(item).and_then(|id| Url::parse(id).ok()) else {
            return Ok(Taken::Passed);
        };
        if data.urls.is_ours(&id) || backfill::held(&data.db, id.as_str()).await? {
            return Ok(Taken::Passed);
        }
        // An embedded object is believed only from its own server.
        let object = if item.is_object() && same_server(&id, collection) {
            item.clone()
        } else {
            match self.fetch(&id).await? {
                Some(object) => object,
                None => return Ok(Taken::Passed),
            }
        };
        if note::object_id(&object).as_deref() != Some(id.as_str()) || !note::is_public(&object) {
            return Ok(Taken::Passed);
        }
        let Some(mut reply) = note::parse_reply(&object, &data.urls) else {
            return Ok(Taken::Passed);
        };
        let author = note::attributed_to(&object)
            .into_iter()
            .find_map(|a| Url::parse(&a).ok())
            .filter(|author| same_server(author, &id));
        let Some(author) = author else {
            return Ok(Taken::Passed);
        };
        if note::check_size(&reply).is_err()
            || data.blocks.blocks(&data.db, author.as_str()).await?
        {
            return Ok(Taken::Passed);
        }
        let actor = RemoteActorId::from(author)
            .dereference(data)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        reply.arrival = Arrival::Found;
        Ok(
            match comments::receive(&data.db, &actor.row, reply, &data.config.moderation).await? {
                Received::Stored(found) => {
                    tracing::info!(id = %found.ap_id, "reply found");
                    if found.visible {
                        data.pages.changed_soon(&[Change::Replies(found.post_id)]);
                    }
                    follow(data, &found, self.depth + 1)
                        .await
                        .map_err(|err| anyhow::anyhow!("{err}"))?;
                    Taken::Stored
                }
                Received::NotForUs => Taken::Later,
                Received::Duplicate => Taken::Passed,
            },
        )
    }
}

/// A page's items: `orderedItems` or `items`, a list or (compacted) one.
fn items_of(page: &Value) -> Vec<&Value> {
    match page.get("orderedItems").or_else(|| page.get("items")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::items_of;

    #[test]
    fn items_are_read_as_lists_single_values_or_nothing() {
        let page =
            json!({ "orderedItems": ["https://a.example/1", { "id": "https://a.example/2" }] });
        assert_eq!(items_of(&page).len(), 2);
        // JSON-LD compaction turns a one-item list into the item (Fedify).
        let compacted = json!({ "items": "https://a.example/1" });
        assert_eq!(items_of(&compacted), [&json!("https://a.example/1")]);
        assert!(items_of(&json!({ "orderedItems": null })).is_empty());
        assert!(items_of(&json!({ "type": "OrderedCollection" })).is_empty());
    }
}
