//! `Delete` of a comment by its author leaves a placeholder; `Delete` of an
//! account by itself forgets it as a follower and removes its comments.

use activitypub_federation::{kinds::activity::DeleteType, traits::Activity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Ctx, FedResult, embedded_id};
use crate::{
    federation::{actor::RemoteActorId, error::FedError},
    pages::Change as Shown,
    services::{
        comments::{self, Change},
        followers,
    },
};
use axum::http::StatusCode;

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
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        crate::federation::verify_same_server(&self.id, self.actor.inner())?;
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let actor = self.actor.inner().as_str();
        if self.is_self_delete() {
            followers::remove(&data.db, actor).await?;
            let (removed, posts) = comments::delete_all_by(&data.db, actor).await?;
            tracing::info!(actor, comments = removed, "account deleted");
            let mut changes: Vec<Shown> = posts.into_iter().map(Shown::Replies).collect();
            changes.push(Shown::Followers);
            data.pages.changed_soon(&changes);
            return Ok(());
        }
        let Some(id) = embedded_id(&self.object) else {
            return Ok(());
        };
        match comments::delete_remote(&data.db, actor, id).await? {
            Change::NotTheAuthor => Err(FedError::new(
                StatusCode::FORBIDDEN,
                "only a comment's author may delete it",
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
