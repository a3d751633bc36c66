//! Any other activity: acknowledged, so senders do not retry, and ignored.

use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Ctx, FedResult, id_of};
use crate::federation::{FedData, error::FedError};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Other {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: serde_json::Value,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
}

#[async_trait::async_trait]
impl Activity for Other {
    type DataType = FedData;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, &self.actor)
    }

    async fn receive(self, _data: &Ctx) -> FedResult<()> {
        tracing::debug!(id = %self.id, kind = %self.kind, "ignored an activity");
        Ok(())
    }
}
