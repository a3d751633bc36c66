//! Activities: one file per inbound type, plus the renderers of what the
//! blog sends.

/// What every inbox activity says the same way: its error and data types,
/// its id and its (remote) actor.
macro_rules! id_and_sender {
    // An activity whose common fields sit in its `envelope`.
    (envelope) => {
        type DataType = crate::federation::FedData;
        type Error = crate::federation::error::FedError;

        fn id(&self) -> &url::Url {
            &self.envelope.id
        }

        fn actor(&self) -> &url::Url {
            self.envelope.actor.inner()
        }
    };
    () => {
        type DataType = crate::federation::FedData;
        type Error = crate::federation::error::FedError;

        fn id(&self) -> &url::Url {
            &self.id
        }

        fn actor(&self) -> &url::Url {
            self.actor.inner()
        }
    };
}

pub mod announce;
pub mod answer;
pub mod create;
pub mod delete;
pub mod flag;
pub mod follow;
pub mod like;
pub mod other;
pub mod outbound;
pub mod quote_request;
pub mod relocate;
pub mod undo;
pub mod update;

use activitypub_federation::{config::Data, traits::Activity};
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use super::{FedData, error::FedError};
use crate::services::reactions::ReactionKind;

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
    QuoteRequest(quote_request::QuoteRequest),
    Answer(answer::Answer),
    Flag(flag::Flag),
    Move(relocate::Move),
    Other(other::Other),
}

impl InboxActivity {
    /// What this activity withdraws, if anything: the object a `Delete`
    /// removes, the activity an `Undo` takes back.
    pub fn withdraws(&self) -> Option<String> {
        match self {
            InboxActivity::Delete(delete) => embedded_id(&delete.object).map(str::to_owned),
            InboxActivity::Undo(undo) => embedded_id(&undo.object).map(str::to_owned),
            _ => None,
        }
    }

    /// The ids whose withdrawal, received earlier, means this activity is
    /// not to be applied: its own, and the object it creates or edits.
    pub fn withdrawable(&self) -> Vec<String> {
        let made = match self {
            InboxActivity::Create(Envelope { object, .. })
            | InboxActivity::Update(Envelope { object, .. }) => embedded_id(object),
            InboxActivity::Like(_)
            | InboxActivity::Announce(_)
            | InboxActivity::Follow(_)
            | InboxActivity::QuoteRequest(_)
            | InboxActivity::Answer(_) => None,
            InboxActivity::Delete(_)
            | InboxActivity::Undo(_)
            | InboxActivity::Flag(_)
            | InboxActivity::Move(_)
            | InboxActivity::Other(_) => {
                return Vec::new();
            }
        };
        let mut ids = vec![self.id().to_string()];
        ids.extend(made.map(str::to_owned));
        ids
    }
}

/// What every inbox activity carries: its id, its `type`, the (remote)
/// actor who sent it and its object (kept as JSON unless a type names it).
#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct Envelope<K, O = serde_json::Value> {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: K,
    #[serde(deserialize_with = "actor_id")]
    pub actor: super::actor::RemoteActorId,
    pub object: O,
}

impl<K, O> Envelope<K, O> {
    /// The check most activities need in `verify`: the activity comes from
    /// its actor's server.
    pub fn verify_same_server(&self) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())
    }
}

/// A `Create` or `Update` whose object is a reply: both are verified and
/// read alike; the type says what is done with the reply.
#[async_trait::async_trait]
pub trait ReplyActivity: Send + Sync {
    async fn apply(
        actor: &super::actor::RemoteActorId,
        reply: crate::services::comments::IncomingReply,
        data: &Ctx,
    ) -> FedResult<()>;
}

#[async_trait::async_trait]
impl<K: ReplyActivity> Activity for Envelope<K> {
    id_and_sender!();

    /// The activity and an embedded object come from the sender's server,
    /// and the object names no one else as its author.
    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        self.verify_same_server()?;
        check_embedded(&self.object, self.actor.inner())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let object = authored_object(&self.object, self.actor.inner(), data).await?;
        match super::objects::note::parse_reply(&object, &data.urls) {
            Some(reply) => {
                super::objects::note::check_size(&reply)?;
                K::apply(&self.actor, reply, data).await
            }
            None => quoting(&self.actor, &object, data).await,
        }
    }
}

/// An `object` named by its id, which may come embedded with an `id`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(transparent)]
pub struct ObjectId(pub Url);

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ObjectId, D::Error> {
        id_of(deserializer).map(ObjectId)
    }
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
    use activitypub_federation::fetch::fetch_object_http;
    let object = match object.as_str() {
        Some(id) => {
            let url = Url::parse(id)?;
            fetch_object_http::<_, serde_json::Value>(&url, data)
                .await?
                .object
        }
        None => object.clone(),
    };
    check_authored(&object, actor)?;
    Ok(object)
}

/// A post that quotes one of ours without asking first (Misskey, Akkoma,
/// Fedibird): listed under our post when its setting lets the author quote.
async fn quoting(
    actor: &super::actor::RemoteActorId,
    object: &serde_json::Value,
    data: &Ctx,
) -> FedResult<()> {
    let quoted = super::objects::note::quoted(object);
    let (Some(slug), Some(id)) = (
        quoted.as_deref().and_then(|q| data.urls.post_slug(q)),
        super::objects::note::object_id(object),
    ) else {
        return Ok(());
    };
    let author = actor.dereference(data).await?;
    let listed = crate::services::quotes::noticed(
        &data.db,
        &author.row,
        &id,
        slug,
        data.config.blog.quote_policy,
    )
    .await?;
    if let Some(post_id) = listed {
        data.pages
            .changed_soon(&[crate::pages::Change::Reactions(post_id)]);
    }
    Ok(())
}

/// An embedded object's checks, made before it is accepted: it comes from
/// the sender's server, names the sender as its author, and is not larger
/// than a reply may be.
pub fn check_embedded(object: &serde_json::Value, actor: &Url) -> FedResult<()> {
    if object.is_string() {
        return Ok(());
    }
    check_authored(object, actor)?;
    let too_long = ["content", "source"]
        .iter()
        .filter_map(|key| object.get(*key))
        .chain(
            object
                .get("contentMap")
                .and_then(|m| m.as_object())
                .into_iter()
                .flat_map(|m| m.values()),
        )
        .any(|v| {
            v.as_str()
                .or_else(|| v.get("content").and_then(|c| c.as_str()))
                .is_some_and(|text| text.len() > super::objects::note::MAX_REPLY_BYTES)
        });
    if too_long {
        return Err(FedError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the reply is longer than 64 KiB",
        ));
    }
    Ok(())
}

fn check_authored(object: &serde_json::Value, actor: &Url) -> FedResult<()> {
    let id = super::objects::note::object_id(object)
        .ok_or_else(|| FedError::bad_request("the object has no id"))?;
    crate::federation::verify_same_server(&Url::parse(&id)?, actor)?;
    let authors = super::objects::note::attributed_to(object);
    if !authors.is_empty() && !authors.iter().any(|a| a == actor.as_str()) {
        return Err(FedError::new(
            axum::http::StatusCode::FORBIDDEN,
            "the object is attributed to someone other than the sender",
        ));
    }
    Ok(())
}

/// The activity types counted as reactions (Misskey's reactions arrive as
/// likes, Pleroma's as `EmojiReact`).
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionType {
    Like,
    EmojiReact,
    Announce,
}

impl ReactionType {
    /// How a reaction of this type is counted.
    pub fn kind(self) -> ReactionKind {
        match self {
            ReactionType::Like => ReactionKind::Like,
            ReactionType::EmojiReact => ReactionKind::Emoji,
            ReactionType::Announce => ReactionKind::Announce,
        }
    }

    /// The type of an embedded activity, if it is a reaction.
    pub fn of(object: &serde_json::Value) -> Option<ReactionType> {
        ReactionType::deserialize(object.get("type")?).ok()
    }
}

/// Counts a reaction by `actor` to `object` when it is one of our published
/// posts; anything else is acknowledged and ignored.
pub async fn react(
    data: &Ctx,
    actor: &super::actor::RemoteActorId,
    object: &Url,
    reaction: (ReactionKind, Option<String>),
    activity_id: &Url,
) -> FedResult<()> {
    let Some(slug) = data.urls.post_slug(object.as_str()) else {
        return Ok(());
    };
    let Some(post_id) = crate::services::posts::published_id(&data.db, slug).await? else {
        return Ok(());
    };
    let actor = actor.dereference(data).await?;
    let (kind, emoji) = reaction;
    let new = crate::services::reactions::add(
        &data.db,
        post_id,
        actor.row.id,
        kind,
        emoji,
        activity_id.as_str(),
    )
    .await?;
    if new {
        data.pages
            .changed_soon(&[crate::pages::Change::Reactions(post_id)]);
    }
    Ok(())
}

/// Answers an edit or deletion of a remote comment: refused when the sender
/// is not its author, otherwise its post's page is renewed if it shows it.
pub fn comment_changed(
    data: &Ctx,
    change: crate::services::comments::Change,
    refusal: &'static str,
) -> FedResult<()> {
    use crate::services::comments::Change;
    match change {
        Change::NotTheAuthor => Err(FedError::new(axum::http::StatusCode::FORBIDDEN, refusal)),
        Change::Done { post_id, public } => {
            if public {
                data.pages
                    .changed_soon(&[crate::pages::Change::Replies(post_id)]);
            }
            Ok(())
        }
        Change::Missing => Ok(()),
    }
}

pub(crate) type Ctx = Data<FedData>;
pub(crate) type FedResult<T> = std::result::Result<T, FedError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn embedded_reactions_are_known_by_type_and_counted_by_kind() {
        let of = |object| ReactionType::of(&object).map(ReactionType::kind);
        assert_eq!(of(json!({"type": "Like"})), Some(ReactionKind::Like));
        assert_eq!(of(json!({"type": "EmojiReact"})), Some(ReactionKind::Emoji));
        assert_eq!(
            of(json!({"type": "Announce"})),
            Some(ReactionKind::Announce)
        );
        assert_eq!(of(json!({"type": "Follow"})), None);
        assert_eq!(of(json!({"id": "https://example.org/1"})), None);
        assert_eq!(of(json!("https://example.org/1")), None);
    }
}
