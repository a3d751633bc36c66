//! `Announce` (a boost) of a post.

use activitypub_federation::{kinds::activity::AnnounceType, traits::Activity};

use super::{Ctx, FedResult, ReactionType};

pub type Announce = super::Envelope<AnnounceType, super::ObjectId>;

#[async_trait::async_trait]
impl Activity for Announce {
    id_and_sender!();

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        self.verify_same_server()
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let boost = (ReactionType::Announce.kind(), None);
        super::react(data, &self.actor, &self.object.0, boost, &self.id).await
    }
}
