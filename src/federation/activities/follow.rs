//! `Follow`: store the follower and answer with a signed `Accept`.

use activitypub_federation::{kinds::activity::FollowType, traits::Activity};
use serde_json::json;

use super::{Ctx, FedResult, outbound};
use crate::{federation::error::FedError, pages::Change, services::followers};

pub type Follow = super::Envelope<FollowType, super::ObjectId>;

#[async_trait::async_trait]
impl Activity for Follow {
    id_and_sender!();

    async fn verify(&self, data: &Ctx) -> FedResult<()> {
        self.verify_same_server()?;
        if self.object.0 != data.actor.id {
            return Err(FedError::bad_request(format!(
                "this Follow is for {}, not for this blog",
                self.object.0
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
