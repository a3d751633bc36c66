//! Activities: one file per inbound type, plus the renderers of what the
//! blog sends.

pub mod announce;
pub mod create;
pub mod delete;
pub mod follow;
pub mod like;
pub mod other;
pub mod outbound;
pub mod undo;
pub mod update;

use activitypub_federation::{config::Data, traits::Activity};
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use super::{FedData, error::FedError};

/// Everything the inbox understands, tried in order; `Other` acknowledges
/// the rest without acting on it.
#[derive(Deserialize, Serialize, Debug)]
#[serde(untagged)]
#[enum_delegate::implement(Activity)]
pub enum InboxActivity {
    Follow(follow::Follow),
    Create(create::Create),
    Update(update::Update),
    Like(like::Like),
    Announce(announce::Announce),
    Undo(undo::Undo),
    Delete(delete::Delete),
    Other(other::Other),
}

/// An `object` or `actor` given either as its id or embedded with an `id`.
pub fn id_of<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IdOrObject {
        Id(Url),
        Object { id: Url },
    }
    Ok(match IdOrObject::deserialize(deserializer)? {
        IdOrObject::Id(id) | IdOrObject::Object { id } => id,
    })
}

/// The sending actor, given by id or embedded (Hubzilla, Osada).
pub fn actor_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<super::actor::RemoteActorId, D::Error> {
    id_of(deserializer).map(Into::into)
}

/// The `type` of an embedded object, if it has one.
pub fn embedded_type(object: &serde_json::Value) -> Option<&str> {
    object.get("type").and_then(|t| t.as_str())
}

/// The id of an object given as a string or embedded.
pub fn embedded_id(object: &serde_json::Value) -> Option<&str> {
    object
        .as_str()
        .or_else(|| object.get("id").and_then(|i| i.as_str()))
}

/// The object of a Create or Update: embedded, or fetched when given as a
/// URL. Either way it must come from the sender's server and name the sender
/// as its author, so no one can put words in someone else's mouth.
pub async fn authored_object(
    object: &serde_json::Value,
    actor: &Url,
    data: &Ctx,
) -> FedResult<serde_json::Value> {
    use activitypub_federation::{
        fetch::fetch_object_http, protocol::verification::verify_domains_match,
    };
    let object = match object.as_str() {
        Some(id) => {
            let url = Url::parse(id)?;
            fetch_object_http::<_, serde_json::Value>(&url, data)
                .await?
                .object
        }
        None => object.clone(),
    };
    let id = super::objects::note::object_id(&object)
        .ok_or_else(|| FedError::bad_request("the object has no id"))?;
    verify_domains_match(&Url::parse(&id)?, actor)?;
    let authors = super::objects::note::attributed_to(&object);
    if !authors.is_empty() && !authors.iter().any(|a| a == actor.as_str()) {
        return Err(FedError::new(
            axum::http::StatusCode::FORBIDDEN,
            "the object is attributed to someone other than the sender",
        ));
    }
    Ok(object)
}

pub(crate) type Ctx = Data<FedData>;
pub(crate) type FedResult<T> = std::result::Result<T, FedError>;
