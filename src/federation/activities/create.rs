//! `Create` of a reply (`Note`, `Article`, `Page`, `Question`): stored as a
//! comment when it answers one of our posts or comments.

use activitypub_federation::{kinds::activity::CreateType, traits::Activity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Ctx, FedResult};
use crate::{
    federation::actor::RemoteActorId,
    pages::Change,
    services::comments::{self, Received},
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Create {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: CreateType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    pub object: Value,
}

#[async_trait::async_trait]
impl Activity for Create {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        super::verify_authored(&self.id, self.actor.inner(), &self.object)
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let Some(reply) = super::carried_reply(&self.object, self.actor.inner(), data).await?
        else {
            return Ok(());
        };
        let actor = self.actor.dereference(data).await?;
        match comments::receive(&data.db, &actor.row, reply, &data.config.moderation).await? {
            Received::Stored(comment) => {
                tracing::info!(id = %comment.ap_id, status = comment.status.as_str(), "reply received");
                if comment.visible {
                    data.pages.changed_soon(&[Change::Replies(comment.post_id)]);
                }
            }
            Received::Duplicate | Received::NotForUs => {}
        }
        Ok(())
    }
}
