//! Activities: one file per inbound type, plus the renderers of what the
//! blog sends.

pub mod delete;
pub mod follow;
pub mod other;
pub mod outbound;
pub mod undo;

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

pub(crate) type Ctx = Data<FedData>;
pub(crate) type FedResult<T> = std::result::Result<T, FedError>;
