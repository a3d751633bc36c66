//! The JSON of what the blog sends: Create, Update and Delete of its posts,
//! and Accept of follows.

use serde_json::{Value, json};

use super::super::{
    Urls,
    context::{PUBLIC, with_context},
    objects::article::{article, tombstone},
};
use crate::services::posts::PostView;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn accept(urls: &Urls, uuid: &str, follow: Value) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Accept",
        "actor": urls.actor(),
        "object": follow,
    }))
}

/// `Create` or `Update` of a post.
pub fn create_or_update(
    urls: &Urls,
    uuid: &str,
    kind: &str,
    post: &PostView,
    language: &str,
) -> Value {
    let object = article(urls, post, language);
    let published = if kind == "Update" {
        object
            .get("updated")
            .cloned()
            .unwrap_or_else(|| json!(now()))
    } else {
        object["published"].clone()
    };
    with_context(json!({
        "id": urls.activity(uuid),
        "type": kind,
        "actor": urls.actor(),
        "published": published,
        "to": [PUBLIC],
        "cc": [urls.followers()],
        "object": object,
    }))
}

pub fn delete(urls: &Urls, uuid: &str, slug: &str) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Delete",
        "actor": urls.actor(),
        "published": now(),
        "to": [PUBLIC],
        "cc": [urls.followers()],
        "object": tombstone(urls, slug),
    }))
}
