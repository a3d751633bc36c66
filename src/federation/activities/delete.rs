//! `Delete` of a comment by its author leaves a placeholder; of a post that
//! quoted ours forgets the quote; `Delete` of an account by itself forgets
//! it as a follower and removes its comments.

use activitypub_federation::{kinds::activity::DeleteType, traits::Activity};

use super::{Ctx, FedResult, embedded_id};
use crate::{
    pages::Change as Shown,
    services::{comments, followers, quotes},
};

pub type Delete = super::Envelope<DeleteType>;

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
        self.verify_same_server()
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
        // A deleted quote of one of our posts is no longer listed under it.
        if let Some(post_id) = quotes::withdraw(&data.db, actor, id).await? {
            data.pages.changed_soon(&[Shown::Reactions(post_id)]);
            return Ok(());
        }
        let change = comments::delete_remote(&data.db, actor, id).await?;
        super::comment_changed(data, change, "only a comment's author may delete it")
    }
}
