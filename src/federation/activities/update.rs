//! `Update` of a reply by its author edits the comment. Profile updates and
//! edits of things never stored here carry no reply and need nothing.

use activitypub_federation::kinds::activity::UpdateType;

use super::{Ctx, FedResult, ReplyActivity};
use crate::{
    federation::actor::RemoteActorId,
    services::comments::{self, IncomingReply},
};

pub type Update = super::Envelope<UpdateType>;

#[async_trait::async_trait]
impl ReplyActivity for UpdateType {
    async fn apply(actor: &RemoteActorId, reply: IncomingReply, data: &Ctx) -> FedResult<()> {
        let change = comments::edit(&data.db, actor.inner().as_str(), reply).await?;
        super::comment_changed(data, change, "only a comment's author may edit it")
    }
}
