//! The blog's actor document, and remote actor documents as other servers
//! write them (liberally parsed).

use activitypub_federation::protocol::helpers::deserialize_skip_error;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::super::{FedContext, context::with_context, error::FedError};
use crate::{domain::HttpUrl, services::actors::RemoteActorData};

/// The blog's avatar: the configured one, or the built-in picture.
pub fn avatar_url(data: &FedContext) -> String {
    match &data.config.blog.avatar_url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => url.clone(),
        Some(path) => data
            .urls
            .absolute(&format!("/{}", path.trim_start_matches('/'))),
        None => data.urls.absolute("/avatar.png"),
    }
}

fn media_type(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else if lower.ends_with(".webp") {
        "image/webp"
    } else if lower.ends_with(".gif") {
        "image/gif"
    } else {
        "image/png"
    }
}

/// The blog's `Person` document.
pub async fn local_person(data: &FedContext) -> Result<Value, FedError> {
    let urls = &data.urls;
    let blog = &data.config.blog;
    let avatar = avatar_url(data);
    let identity = crate::services::identity::load(&data.db).await?;
    let mut person = json!({
        "id": urls.actor(),
        "type": "Person",
        "preferredUsername": blog.username,
        "name": blog.title,
        "summary": format!("<p>{}</p>", ammonia::clean_text(&blog.description)),
        "url": urls.home(),
        "icon": { "type": "Image", "mediaType": media_type(&avatar), "url": avatar },
        "inbox": urls.inbox(),
        "outbox": urls.outbox(),
        "followers": urls.followers(),
        "following": urls.following(),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": {
            "id": urls.key_id(),
            "owner": urls.actor(),
            "publicKeyPem": data.actor.public_key_pem,
        },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": data.actor.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "attachment": [],
        "tag": [],
        // Mastodon credits the blog's pages to it ("More from") only when
        // the actor names their domain.
        "attributionDomains": urls.domain().into_iter().collect::<Vec<_>>(),
    });
    if !identity.also_known_as.is_empty() {
        person["alsoKnownAs"] = json!(identity.alias_ids());
    }
    if let Some(moved) = identity.moved {
        person["movedTo"] = json!(moved.to.id);
    }
    Ok(with_context(person))
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub shared_inbox: Option<Url>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RemotePublicKey {
    #[serde(default)]
    pub owner: Option<String>,
    pub public_key_pem: String,
}

/// Any actor type (Person, Service, Group, Application, Organization).
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RemotePerson {
    pub id: Url,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub preferred_username: Option<String>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub name: Option<String>,
    pub inbox: Url,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub endpoints: Option<Endpoints>,
    pub public_key: RemotePublicKey,
    #[serde(default)]
    pub url: Option<Value>,
    #[serde(default)]
    pub icon: Option<Value>,
}

/// The first http(s) URL in a value that may be a string, a Link or Image
/// object, or a list of them; any other scheme is dropped here.
fn first_url(value: &Value) -> Option<HttpUrl> {
    match value {
        Value::String(s) => HttpUrl::parse_opt(s),
        Value::Array(items) => items.iter().find_map(first_url),
        Value::Object(map) => map
            .get("href")
            .or_else(|| map.get("url"))
            .and_then(first_url),
        _ => None,
    }
}

impl RemotePerson {
    /// The key must belong to this actor, or anyone could sign as anyone.
    pub fn check_key_owner(&self) -> Result<(), FedError> {
        match &self.public_key.owner {
            Some(owner) if owner != self.id.as_str() => Err(FedError::bad_request(format!(
                "the key of {} is owned by {owner}",
                self.id
            ))),
            _ => Ok(()),
        }
    }

    pub fn into_data(self) -> RemoteActorData {
        let id = self.id;
        let host = crate::domain::authority(&id).unwrap_or_default();
        let fallback_name = id
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_owned))
            .unwrap_or_default();
        RemoteActorData {
            ap_id: id.to_string(),
            inbox: self.inbox.to_string(),
            shared_inbox: self
                .endpoints
                .and_then(|e| e.shared_inbox)
                .map(|u| u.to_string()),
            public_key_pem: self.public_key.public_key_pem,
            preferred_username: self
                .preferred_username
                .filter(|u| !u.is_empty())
                .unwrap_or(fallback_name),
            name: self.name.filter(|n| !n.trim().is_empty()),
            host,
            url: self.url.as_ref().and_then(first_url).map(String::from),
            icon_url: self.icon.as_ref().and_then(first_url).map(String::from),
        }
    }
}
