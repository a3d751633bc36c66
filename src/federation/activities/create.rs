//! `Create` of a reply (`Note`, `Article`, `Page`, `Question`): stored as a
//! comment when it answers one of our posts or comments.

use activitypub_federation::{kinds::activity::CreateType, traits::Activity};

use super::{Ctx, FedResult};
use crate::{
    pages::Change,
    services::comments::{self, Received},
};

pub type Create = super::Envelope<CreateType>;

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
