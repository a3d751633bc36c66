//! The blog's own actor (its keys and identity) and the remote actors we
//! fetch to verify signatures and to deliver to.

use activitypub_federation::{
    fetch::object_id::ObjectId,
    http_signatures::generate_actor_keypair,
    traits::{Actor, Object},
};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{FedContext, FedData, Urls, error::FedError, objects::person::RemotePerson};
use crate::{
    entities::actor,
    services::{actors, secrets},
};

/// The blog as a fediverse account.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: Url,
    pub inbox: Url,
    pub public_key_pem: String,
    private_key_pem: String,
    pub published: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    public_key_pem: String,
    private_key_pem: String,
    created_at: DateTime<Utc>,
}

impl LocalActor {
    /// The PKCS#8 PEM private key, for signing deliveries.
    pub fn signing_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    /// Loads the actor's RSA key pair, generating and storing it on first start.
    pub async fn load(db: &DatabaseConnection, urls: &Urls) -> anyhow::Result<LocalActor> {
        let stored = secrets::get_or_create(db, "actor_keys", || {
            let keys = generate_actor_keypair().expect("RSA key generation does not fail");
            serde_json::to_string(&StoredKeys {
                public_key_pem: keys.public_key,
                private_key_pem: keys.private_key,
                created_at: Utc::now(),
            })
            .expect("keys serialise")
        })
        .await?;
        let keys: StoredKeys =
            serde_json::from_str(&stored).context("stored actor keys are unreadable")?;
        Ok(LocalActor {
            id: urls.actor_url(),
            inbox: Url::parse(&urls.inbox()).context("inbox URL")?,
            public_key_pem: keys.public_key_pem,
            private_key_pem: keys.private_key_pem,
            published: keys.created_at,
        })
    }
}

#[async_trait::async_trait]
impl Object for LocalActor {
    type DataType = FedData;
    type Kind = serde_json::Value;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &FedContext) -> Result<Option<Self>, FedError> {
        Ok((id == data.actor.id).then(|| data.actor.as_ref().clone()))
    }

    async fn into_json(self, data: &FedContext) -> Result<Self::Kind, FedError> {
        super::objects::person::local_person(data).await
    }

    async fn verify(_: &Self::Kind, _: &Url, _: &FedContext) -> Result<(), FedError> {
        Err(FedError::bad_request(
            "the blog's own actor is never received",
        ))
    }

    async fn from_json(_: Self::Kind, _: &FedContext) -> Result<Self, FedError> {
        Err(FedError::bad_request(
            "the blog's own actor is never received",
        ))
    }
}

impl Actor for LocalActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// A remote account, as cached in the database.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub row: std::sync::Arc<actor::Model>,
    id: Url,
    inbox: Url,
}

impl RemoteActor {
    fn new(row: actor::Model) -> Result<RemoteActor, FedError> {
        let id = Url::parse(&row.ap_id)
            .map_err(|_| FedError::bad_request("stored actor id is not a URL"))?;
        let inbox = Url::parse(&row.inbox)
            .map_err(|_| FedError::bad_request("stored inbox is not a URL"))?;
        Ok(RemoteActor {
            row: std::sync::Arc::new(row),
            id,
            inbox,
        })
    }
}

pub type RemoteActorId = ObjectId<RemoteActor>;

#[async_trait::async_trait]
impl Object for RemoteActor {
    type DataType = FedData;
    type Kind = RemotePerson;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.row.fetched_at)
    }

    async fn read_from_id(id: Url, data: &FedContext) -> Result<Option<Self>, FedError> {
        if let Some(actor) = data.actors.get(id.as_str()) {
            return Ok(Some(actor));
        }
        match actors::find_by_ap_id(&data.db, id.as_str()).await? {
            Some(row) => {
                let actor = RemoteActor::new(row)?;
                data.actors.put(actor.clone());
                Ok(Some(actor))
            }
            None => Ok(None),
        }
    }

    async fn into_json(self, _: &FedContext) -> Result<RemotePerson, FedError> {
        Err(FedError::bad_request(
            "remote actors are not served from here",
        ))
    }

    async fn verify(
        json: &RemotePerson,
        expected_domain: &Url,
        _: &FedContext,
    ) -> Result<(), FedError> {
        crate::federation::verify_same_server(&json.id, expected_domain)?;
        json.check_key_owner()
    }

    async fn from_json(json: RemotePerson, data: &FedContext) -> Result<Self, FedError> {
        let row = actors::upsert(&data.db, json.into_data(), Utc::now()).await?;
        let actor = RemoteActor::new(row)?;
        data.actors.put(actor.clone());
        Ok(actor)
    }
}

impl Actor for RemoteActor {
    fn public_key_pem(&self) -> &str {
        &self.row.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        None
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.row
            .shared_inbox
            .as_deref()
            .and_then(|s| Url::parse(s).ok())
    }
}

/// Remote actors (and so their public keys) recently read, kept in memory for
/// a minute: an inbox busy with one server's replies verifies each signature
/// without reading the same actor from the database twice per activity.
/// Changes made here update it; other processes' changes are seen within
/// the minute.
pub struct ActorCache {
    entries: quick_cache::sync::Cache<String, (std::time::Instant, RemoteActor)>,
}

impl ActorCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);

    pub fn new() -> ActorCache {
        ActorCache {
            entries: quick_cache::sync::Cache::new(4096),
        }
    }

    pub fn get(&self, ap_id: &str) -> Option<RemoteActor> {
        let (at, actor) = self.entries.get(ap_id)?;
        (at.elapsed() < Self::TTL).then_some(actor)
    }

    pub fn put(&self, actor: RemoteActor) {
        self.entries
            .insert(actor.row.ap_id.clone(), (std::time::Instant::now(), actor));
    }
}

impl Default for ActorCache {
    fn default() -> Self {
        ActorCache::new()
    }
}
