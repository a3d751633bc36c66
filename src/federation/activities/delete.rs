//! `Delete` of an actor by itself: forget it as a follower.

use activitypub_federation::{
    kinds::activity::DeleteType, protocol::verification::verify_domains_match, traits::Activity,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Ctx, FedResult, embedded_id};
use crate::{
    federation::{FedData, actor::RemoteActorId, error::FedError},
    services::followers,
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    pub object: Value,
}

impl Delete {
    /// Whether this deletes the sending account itself.
    pub fn is_self_delete(&self) -> bool {
        embedded_id(&self.object) == Some(self.actor.inner().as_str())
    }
}

#[async_trait::async_trait]
impl Activity for Delete {
    type DataType = FedData;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        verify_domains_match(&self.id, self.actor.inner())?;
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        if self.is_self_delete() && followers::remove(&data.db, self.actor.inner().as_str()).await?
        {
            tracing::info!(follower = %self.actor.inner(), "follower account deleted");
        }
        Ok(())
    }
}
