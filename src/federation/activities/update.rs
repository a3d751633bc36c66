//! `Update` of a reply by its author edits the comment.

use activitypub_federation::{kinds::activity::UpdateType, traits::Activity};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Ctx, FedResult};
use crate::{
    federation::{actor::RemoteActorId, error::FedError},
    pages::Change as Shown,
    services::comments::{self, Change},
};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    #[serde(deserialize_with = "super::actor_id")]
    pub actor: RemoteActorId,
    pub object: Value,
}

#[async_trait::async_trait]
impl Activity for Update {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        // Profile updates carry the actor itself, which names no author.
        super::verify_authored(&self.id, self.actor.inner(), &self.object)
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        // Profile updates and edits of things we never stored need nothing.
        let Some(reply) = super::carried_reply(&self.object, self.actor.inner(), data).await?
        else {
            return Ok(());
        };
        match comments::edit(&data.db, self.actor.inner().as_str(), reply).await? {
            Change::NotTheAuthor => Err(FedError::new(
                StatusCode::FORBIDDEN,
                "only a comment's author may edit it",
            )),
            Change::Done { post_id, public } => {
                if public {
                    data.pages.changed_soon(&[Shown::Replies(post_id)]);
                }
                Ok(())
            }
            Change::Missing => Ok(()),
        }
    }
}
