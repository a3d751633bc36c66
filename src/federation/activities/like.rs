//! `Like` (with Misskey's reactions) and Pleroma's `EmojiReact` of a post.

use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Ctx, FedResult, ReactionType, id_of};
use crate::federation::actor::RemoteActorId;

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeKind {
    Like,
    EmojiReact,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Like {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: LikeKind,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, rename = "_misskey_reaction")]
    pub misskey_reaction: Option<String>,
}

#[async_trait::async_trait]
impl Activity for Like {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let kind = match self.kind {
            LikeKind::Like => ReactionType::Like,
            LikeKind::EmojiReact => ReactionType::EmojiReact,
        }
        .kind();
        let emoji = self.content.clone().or(self.misskey_reaction.clone());
        super::react(data, &self.actor, &self.object, (kind, emoji), &self.id).await
    }
}
