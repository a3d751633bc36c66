//! `QuoteRequest` (FEP-044f): someone asks to quote one of the blog's
//! posts in theirs. The post's setting decides; the answer is an `Accept`
//! whose `result` is a `QuoteAuthorization` served at its id, or a
//! `Reject`, queued durably for the asker.

use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Ctx, FedResult, ObjectId, embedded_id, outbound};
use crate::{
    federation::error::FedError,
    pages::Change,
    services::quotes::{self, Answer},
};

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteRequestType {
    QuoteRequest,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct QuoteRequest {
    #[serde(flatten)]
    pub envelope: super::Envelope<QuoteRequestType, ObjectId>,
    /// The quoting post: its id, or the post itself.
    pub instrument: Value,
}

#[async_trait::async_trait]
impl Activity for QuoteRequest {
    id_and_sender!(envelope);

    /// The request and the quoting post come from the asker's server.
    async fn verify(&self, _data: &Ctx) -> FedResult<()> {
        self.envelope.verify_same_server()?;
        let quote = embedded_id(&self.instrument)
            .ok_or_else(|| FedError::bad_request("a QuoteRequest names the quoting post"))?;
        let quote = url::Url::parse(quote)
            .map_err(|_| FedError::bad_request("the quoting post's id is not a URL"))?;
        crate::federation::verify_same_server(&quote, self.envelope.actor.inner())
    }

    async fn receive(self, data: &Ctx) -> FedResult<()> {
        let Some(slug) = data.urls.post_slug(self.envelope.object.0.as_str()) else {
            return Ok(());
        };
        let asker = self.envelope.actor.dereference(data).await?;
        let request = quotes::Request {
            request_ap_id: self.envelope.id.to_string(),
            quote_ap_id: embedded_id(&self.instrument).unwrap_or_default().to_owned(),
            post_slug: slug.to_owned(),
        };
        let asked = serde_json::json!({
            "id": self.envelope.id,
            "type": "QuoteRequest",
            "actor": self.envelope.actor.inner(),
            "object": self.envelope.object,
            "instrument": request.quote_ap_id,
        });
        let answer = quotes::request(
            &data.db,
            &asker.row,
            request,
            data.config.blog.quote_policy,
            |uuid, authorization| {
                outbound::answer_quote(&data.urls, uuid, asked, authorization).to_string()
            },
        )
        .await?;
        if let Answer::Accepted { post_id, .. } = answer {
            data.pages.changed_soon(&[Change::Reactions(post_id)]);
        }
        if answer != Answer::NotForUs {
            data.wake.notify_one();
        }
        tracing::info!(asker = %self.envelope.actor.inner(), ?answer, "quote request");
        Ok(())
    }
}
