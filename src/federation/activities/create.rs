//! `Create` of a reply (`Note`, `Article`, `Page`, `Question`): stored as a
//! comment when it answers one of our posts or comments.

use activitypub_federation::{kinds::activity::CreateType, traits::Activity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Ctx, FedResult, authored_object};
use crate::{
    federation::{
        FedData,
        actor::RemoteActorId,
        error::FedError,
        objects::note::{check_size, parse_reply},
    },
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
    type DataType = FedData;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())?;
        super::check_embedded(&self.object, self.actor.inner())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let object = authored_object(&self.object, self.actor.inner(), data).await?;
        let Some(reply) = parse_reply(&object, &data.urls) else {
            return Ok(());
        };
        check_size(&reply)?;
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
