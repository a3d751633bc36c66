//! `Announce` (a boost) of a post.

use activitypub_federation::{kinds::activity::AnnounceType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Ctx, FedResult, id_of};
use crate::{federation::actor::RemoteActorId, services::reactions};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    #[serde(deserialize_with = "id_of")]
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Announce {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())?;
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let boost = (reactions::ReactionKind::Announce, None);
        super::react(data, &self.actor, &self.object, boost, &self.id).await
    }
}
