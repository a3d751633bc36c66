//! `Undo` of a `Follow` removes the follower; of a `Like`, `EmojiReact` or
//! `Announce` removes the reaction; of a `QuoteRequest` forgets the quote.

use activitypub_federation::{kinds::activity::UndoType, traits::Activity};

use super::{Ctx, FedResult, ReactionType, embedded_id, embedded_type};
use crate::{
    federation::error::FedError,
    pages::Change,
    services::{authors, followers, posts, quotes, reactions},
};

pub type Undo = super::Envelope<UndoType>;

#[async_trait::async_trait]
impl Activity for Undo {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        self.verify_same_server()?;
        // Only the one who followed may undo the follow.
        let inner_actor = self.object.get("actor").and_then(|a| a.as_str());
        if inner_actor.is_some_and(|a| a != self.actor.inner().as_str()) {
            return Err(FedError::bad_request(
                "an actor may only undo its own activities",
            ));
        }
        Ok(())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        // A quote request taken back: the quote is no longer listed.
        if let Some(id) = embedded_id(&self.object) {
            let actor = self.actor.inner().as_str();
            if let Some(post_id) = quotes::withdraw(&data.db, actor, id).await? {
                data.pages.changed_soon(&[Change::Reactions(post_id)]);
                return Ok(());
            }
        }
        // An undone reaction, or an activity given by id alone (a reaction
        // or a follow: whichever it was is removed).
        let reaction = ReactionType::of(&self.object);
        if reaction.is_some() || embedded_type(&self.object).is_none() {
            let actor = self.actor.dereference(data).await?;
            let reaction_kind = reaction.map_or(reactions::ReactionKind::Like, ReactionType::kind);
            let post = match self.object.get("object").and_then(|o| embedded_id(o)) {
                Some(url) => match data.urls.post_slug(url) {
                    Some(slug) => posts::published_id(&data.db, slug).await?,
                    None => None,
                },
                None => None,
            };
            let removed = reactions::remove(
                &data.db,
                actor.row.id,
                embedded_id(&self.object),
                post.map(|p| (p, reaction_kind)),
            )
            .await?;
            if let Some(post_id) = removed {
                data.pages.changed_soon(&[Change::Reactions(post_id)]);
            }
            if removed.is_some() || reaction.is_some() {
                return Ok(());
            }
        }
        // A Follow of an author, embedded or given by id.
        let followed = self
            .object
            .get("object")
            .and_then(|o| embedded_id(o))
            .and_then(|id| data.urls.author_name(id));
        let author = match followed {
            Some(name) => authors::by_username(&data.db, name).await?,
            None => None,
        };
        let follower = self.actor.inner().as_str();
        let follow_id = embedded_id(&self.object);
        if author.is_some() || followed.is_none() {
            let by_author = author.map(|a| a.id);
            if authors::remove_follower(&data.db, follower, by_author, follow_id).await? {
                tracing::info!(follower, "follower of an author left");
                return Ok(());
            }
            if by_author.is_some() {
                return Ok(());
            }
        }
        // A Follow of the blog, embedded or (from a known follower) given by id.
        if followers::remove(&data.db, self.actor.inner().as_str()).await? {
            tracing::info!(follower = %self.actor.inner(), "follower left");
            data.pages.changed_soon(&[Change::Followers]);
        }
        Ok(())
    }
}
