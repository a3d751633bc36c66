//! `Follow`: store the follower and answer with a signed `Accept`.

use activitypub_federation::{kinds::activity::FollowType, traits::Activity};
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

use super::{Ctx, FedResult, id_of, outbound};
use crate::{
    federation::{actor::RemoteActorId, error::FedError},
    pages::Change,
    services::followers,
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Follow {
    id_and_sender!();

    async fn verify(&self, data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())?;
        if self.object != data.actor.id {
            return Err(FedError::bad_request(format!(
                "this Follow is for {}, not for this blog",
                self.object
            )));
        }
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let actor = self.actor.dereference(data).await?;
        let follow = json!({
            "id": self.id,
            "type": "Follow",
            "actor": self.actor.inner(),
            "object": self.object,
        });
        followers::accept(&data.db, &actor.row, self.id.as_str(), |uuid| {
            outbound::accept(&data.urls, uuid, follow).to_string()
        })
        .await?;
        data.wake.notify_one();
        data.pages.changed_soon(&[Change::Followers]);
        tracing::info!(follower = %self.actor.inner(), "new follower");
        Ok(())
    }
}
