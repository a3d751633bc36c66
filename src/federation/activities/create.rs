//! `Create` of a reply (`Note`, `Article`, `Page`, `Question`): stored as a
//! comment when it answers one of our posts or comments.

use activitypub_federation::kinds::activity::CreateType;

use super::{Ctx, FedResult, ReplyActivity};
use crate::{
    federation::actor::RemoteActorId,
    pages::Change,
    services::comments::{self, IncomingReply, Received},
};

pub type Create = super::Envelope<CreateType>;

#[async_trait::async_trait]
impl ReplyActivity for CreateType {
    async fn apply(actor: &RemoteActorId, reply: IncomingReply, data: &Ctx) -> FedResult<()> {
        let actor = actor.dereference(data).await?;
        match comments::receive(&data.db, &actor.row, reply, &data.config.moderation).await? {
            Received::Stored(comment) => {
                tracing::info!(id = %comment.ap_id, status = comment.status.as_str(), "reply received");
                if comment.visible {
                    data.pages.changed_soon(&[Change::Replies(comment.post_id)]);
                }
                crate::federation::backfill::follow(data, &comment, 1).await?;
            }
            Received::Duplicate | Received::NotForUs => {}
        }
        Ok(())
    }
}
