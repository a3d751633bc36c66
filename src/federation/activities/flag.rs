//! `Flag`: a report from another server's moderators about what the blog
//! shows (a post, a comment, the blog's account), put before the admin.

use activitypub_federation::{kinds::activity::FlagType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Ctx, FedResult, embedded_id};
use crate::services::reports::{self, IncomingReport, Reported};

#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct Flag {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FlagType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: crate::federation::actor::RemoteActorId,
    /// One id, embedded or not, or a list of them.
    pub object: serde_json::Value,
    #[serde(default)]
    pub content: Option<String>,
}

/// The longest report text kept.
const MAX_CONTENT_CHARS: usize = 5000;

impl Flag {
    /// The ids the report names, each once, in order.
    pub fn objects(&self) -> Vec<String> {
        let items = match &self.object {
            serde_json::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let mut ids: Vec<String> = Vec::new();
        for id in items.into_iter().filter_map(embedded_id) {
            if !ids.iter().any(|seen| seen == id) {
                ids.push(id.to_owned());
            }
        }
        ids
    }
}

/// What an object of a report is here.
fn recognise(data: &Ctx, id: &str) -> Reported {
    if let Some(slug) = data.urls.post_slug(id) {
        return Reported::Post(slug.to_owned());
    }
    if id == data.urls.actor() || data.urls.author_name(id).is_some() {
        return Reported::Blog;
    }
    match id.strip_prefix(&data.urls.comment("")) {
        Some(uuid) if !uuid.is_empty() && !uuid.contains('/') => Reported::Comment(uuid.to_owned()),
        _ => Reported::Other,
    }
}

#[async_trait::async_trait]
impl Activity for Flag {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let reporter = self.actor.dereference(data).await?;
        let objects = self
            .objects()
            .into_iter()
            .take(100)
            .map(|id| {
                let what = recognise(data, &id);
                (id, what)
            })
            .collect();
        let content: String = self
            .content
            .as_deref()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(MAX_CONTENT_CHARS)
            .collect();
        let report = IncomingReport {
            ap_id: self.id.to_string(),
            content,
            objects,
        };
        if reports::receive(&data.db, &reporter.row, report).await? {
            tracing::info!(id = %self.id, reporter = %reporter.row.ap_id, "a report arrived");
        }
        Ok(())
    }
}
