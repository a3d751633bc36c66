//! `Move`: a follower's account moved to another, which lists the old one
//! in `alsoKnownAs`; the new account follows the blog in its place.

use activitypub_federation::{kinds::activity::MoveType, traits::Activity};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Ctx, FedResult, embedded_id, id_of};
use crate::federation::{error::FedError, moving};

#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct Move {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: MoveType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: crate::federation::actor::RemoteActorId,
    /// The account that moves: the sender itself.
    pub object: serde_json::Value,
    #[serde(deserialize_with = "id_of")]
    pub target: Url,
}

#[async_trait::async_trait]
impl Activity for Move {
    id_and_sender!();

    /// Only an account can move itself.
    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())?;
        if embedded_id(&self.object) != Some(self.actor.inner().as_str()) {
            return Err(FedError::new(
                axum::http::StatusCode::FORBIDDEN,
                "an account can only move itself",
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let from = self.actor.inner().as_str();
        // Only a follower's move changes anything here: no fetch for others.
        if !crate::services::followers::follows(&data.db, from).await? {
            return Ok(());
        }
        let (target, document) = moving::read_actor(data, &self.target)
            .await
            .map_err(FedError::bad_request)?;
        if !moving::also_known_as(&document).iter().any(|id| id == from) {
            return Err(FedError::bad_request(format!(
                "{} does not list {from} among its aliases",
                self.target
            )));
        }
        if crate::services::followers::moved(&data.db, from, &target.row).await? {
            tracing::info!(from, to = %self.target, "a follower moved");
            data.pages.changed_soon(&[crate::pages::Change::Followers]);
        }
        Ok(())
    }
}
