//! `Update` of a reply by its author edits the comment.

use activitypub_federation::{kinds::activity::UpdateType, traits::Activity};

use super::{Ctx, FedResult};
use crate::services::comments::{self};

pub type Update = super::Envelope<UpdateType>;

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
        let change = comments::edit(&data.db, self.actor.inner().as_str(), reply).await?;
        super::comment_changed(data, change, "only a comment's author may edit it")
    }
}
