//! `Follow` of the blog or of an author's own account: store the follower
//! and answer with an `Accept` from the account followed.

use activitypub_federation::{kinds::activity::FollowType, traits::Activity};
use serde_json::json;

use super::{Ctx, FedResult, outbound};
use crate::{
    federation::error::FedError,
    pages::Change,
    services::{
        authors::{self, AuthorAccount},
        followers,
    },
};

/// The author with an account of their own whose id `object` is.
pub async fn followed_author(object: &url::Url, data: &Ctx) -> FedResult<Option<AuthorAccount>> {
    match data.urls.author_name(object.as_str()) {
        Some(name) => Ok(authors::by_username(&data.db, name).await?),
        None => Ok(None),
    }
}

pub type Follow = super::Envelope<FollowType, super::ObjectId>;

#[async_trait::async_trait]
impl Activity for Follow {
    id_and_sender!();

    async fn verify(&self, data: &Ctx) -> FedResult<()> {
        self.verify_same_server()?;
        if self.object.0 != data.actor.id && followed_author(&self.object.0, data).await?.is_none()
        {
            return Err(FedError::bad_request(format!(
                "this Follow is for {}, not for this blog or one of its authors",
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
        if let Some(author) = followed_author(&self.object.0, data).await? {
            let from = data.urls.author(&author.username);
            authors::accept_follow(&data.db, author.id, &actor.row, self.id.as_str(), |uuid| {
                outbound::accept_from(&data.urls, &from, uuid, follow).to_string()
            })
            .await?;
            data.wake.notify_one();
            tracing::info!(follower = %self.actor.inner(), author = %author.username, "new follower of an author");
            return Ok(());
        }
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
