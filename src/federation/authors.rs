//! Authors' own accounts on the wire: their key pairs (made the first time
//! they are needed, kept like the blog's), the signers that send for them,
//! and their actor documents.

use std::{collections::HashMap, sync::Arc};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{FedContext, context::with_context, error::FedError, signing::Signer};
use crate::services::{authors::AuthorAccount, secrets};

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    public_key_pem: String,
    private_key_pem: String,
}

/// An author's keys, ready to sign with.
pub struct AuthorKeys {
    pub public_key_pem: String,
    pub signer: Signer,
}

/// Keys by author, read once.
#[derive(Default)]
pub struct AuthorKeyring {
    keys: tokio::sync::Mutex<HashMap<i32, Arc<AuthorKeys>>>,
}

impl AuthorKeyring {
    /// Author `author`'s keys, made and stored on first use.
    pub async fn keys(
        &self,
        data: &FedContext,
        author: &AuthorAccount,
    ) -> anyhow::Result<Arc<AuthorKeys>> {
        let mut keys = self.keys.lock().await;
        if let Some(found) = keys.get(&author.id) {
            return Ok(found.clone());
        }
        let name = format!("author_keys:{}", author.id);
        let stored = match secrets::get(&data.db, &name).await? {
            Some(stored) => stored,
            // Made off the async threads: RSA key generation takes a while.
            None => {
                let made = tokio::task::spawn_blocking(|| {
                    activitypub_federation::http_signatures::generate_actor_keypair()
                })
                .await
                .context("key generation stopped")?
                .context("failed to make an author's keys")?;
                let made = serde_json::to_string(&StoredKeys {
                    public_key_pem: made.public_key,
                    private_key_pem: made.private_key,
                })
                .context("failed to write an author's keys")?;
                secrets::get_or_create(&data.db, &name, move || made).await?
            }
        };
        let stored: StoredKeys =
            serde_json::from_str(&stored).context("an author's stored keys are unreadable")?;
        let key_id = format!("{}#main-key", data.urls.author(&author.username));
        let made = Arc::new(AuthorKeys {
            signer: Signer::new(key_id, &stored.private_key_pem)?,
            public_key_pem: stored.public_key_pem,
        });
        keys.insert(author.id, made.clone());
        Ok(made)
    }

    /// The signer of the author whose user id is `id`.
    pub async fn signer(&self, data: &FedContext, id: i32) -> anyhow::Result<Signer> {
        if let Some(found) = self.keys.lock().await.get(&id) {
            return Ok(found.signer.clone());
        }
        let author = crate::services::users::find(&data.db, id)
            .await?
            .map(AuthorAccount::from)
            .with_context(|| format!("no author {id} to sign for"))?;
        Ok(self.keys(data, &author).await?.signer.clone())
    }
}

/// An author's `Person` document.
pub async fn author_person(data: &FedContext, author: &AuthorAccount) -> Result<Value, FedError> {
    let urls = &data.urls;
    let id = urls.author(&author.username);
    let keys = data.author_keys.keys(data, author).await?;
    let avatar = super::objects::person::avatar_url(data);
    Ok(with_context(json!({
        "id": id,
        "type": "Person",
        "preferredUsername": author.username,
        "name": author.name,
        "summary": format!(
            "<p>Writes on <a href=\"{}\">{}</a>.</p>",
            urls.home(),
            ammonia::clean_text(&data.config.blog.title)
        ),
        "url": urls.author_page(&author.username),
        "icon": { "type": "Image", "url": avatar },
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": urls.author_followers(&author.username),
        "following": format!("{id}/following"),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": keys.public_key_pem,
        },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": author.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "attributionDomains": urls.domain().into_iter().collect::<Vec<_>>(),
    })))
}

/// The author with an account of their own at `/users/{name}`.
async fn found(data: &FedContext, name: &str) -> Result<AuthorAccount, FedError> {
    crate::services::authors::by_username(&data.db, name)
        .await?
        .ok_or_else(FedError::not_found)
}

/// An author's account: JSON for servers, their page of posts for people.
pub async fn actor(
    axum::extract::State(fed): axum::extract::State<super::Federation>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, FedError> {
    use axum::response::IntoResponse;
    let data = fed.to_request_data();
    let author = found(&data, &name).await?;
    if !super::wants_activity_json(&headers) {
        let mut response =
            axum::response::Redirect::to(&format!("/authors/{}", author.username)).into_response();
        response.headers_mut().insert(
            axum::http::header::VARY,
            axum::http::HeaderValue::from_static("Accept"),
        );
        return Ok(response);
    }
    let doc = author_person(&data, &author).await?;
    Ok(super::activity_json(axum::http::StatusCode::OK, &doc))
}

/// An author's followers (`followers`), posts (`outbox`) and follows
/// (`following`, none), as counts.
pub async fn collection(
    axum::extract::State(fed): axum::extract::State<super::Federation>,
    axum::extract::Path((name, which)): axum::extract::Path<(String, String)>,
) -> Result<axum::response::Response, FedError> {
    let data = fed.to_request_data();
    let author = found(&data, &name).await?;
    let total = match which.as_str() {
        "followers" => crate::services::authors::follower_count(&data.db, author.id).await?,
        "outbox" => crate::services::posts::published_count_by(&data.db, author.id).await?,
        "following" => 0,
        _ => return Err(FedError::not_found()),
    };
    let doc = with_context(json!({
        "id": format!("{}/{which}", data.urls.author(&author.username)),
        "type": "OrderedCollection",
        "totalItems": total,
    }));
    Ok(super::activity_json(axum::http::StatusCode::OK, &doc))
}
