//! `Accept` and `Reject`: the answer to a `QuoteRequest` the blog sent
//! (the `Accept` carries the `QuoteAuthorization` in `result`). Other
//! answers (a follow's, which the blog never asks for) are acknowledged.

use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Ctx, FedResult, embedded_id};
use crate::{pages::Change, services::quoting};

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerType {
    Accept,
    Reject,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct Answer {
    #[serde(flatten)]
    pub envelope: super::Envelope<AnswerType>,
    #[serde(default)]
    pub result: Option<Value>,
}

#[async_trait::async_trait]
impl Activity for Answer {
    id_and_sender!(envelope);

    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        self.envelope.verify_same_server()
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let Some(uuid) =
            embedded_id(&self.envelope.object).and_then(|id| data.urls.activity_uuid(id))
        else {
            return Ok(());
        };
        let authorization = match self.envelope.kind {
            AnswerType::Accept => self
                .result
                .as_ref()
                .and_then(embedded_id)
                .map(str::to_owned),
            AnswerType::Reject => None,
        };
        let actor = self.envelope.actor.inner().as_str();
        if let Some(post_id) = quoting::answered(&data.db, uuid, actor, authorization).await? {
            data.pages.changed_soon(&[Change::Post(post_id)]);
            data.wake.notify_one();
            tracing::info!(actor, kind = ?self.envelope.kind, "quote answered");
        }
        Ok(())
    }
}
