//! The blog's own quotes (FEP-044f): the post the author quotes is read
//! from its server (signed, address-checked), kept to show, and its author
//! asked with a `QuoteRequest`; the answer is taken by
//! `activities/answer.rs`.

use std::time::Duration as StdDuration;

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use anyhow::Context;
use chrono::Utc;
use serde_json::Value;
use url::Url;

use super::{FedData, activities::outbound, actor::RemoteActorId, backoff, objects::note};
use crate::{
    domain::same_server,
    entities::outgoing_quote,
    services::quoting::{self, Read},
};

/// Reads one quoted post that is due, if any; whether there was one.
pub async fn read_due(data: &Data<FedData>) -> bool {
    let lease = data.config.lease();
    let (row, slug) = match quoting::claim(&data.db, lease).await {
        Ok(Some(claimed)) => claimed,
        Ok(None) => return false,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "cannot read the quotes to ask for");
            return false;
        }
    };
    let outcome = match read(data, &row).await {
        Ok(read) => {
            let author = read.author_ap_id.clone();
            let quoting = data.urls.post(&slug);
            let asked = quoting::read(&data.db, &row, read, |uuid| {
                outbound::quote_request(&data.urls, uuid, &row.url, &quoting, &author).to_string()
            })
            .await;
            data.wake.notify_one();
            asked
        }
        Err(Unread { error, again }) => {
            tracing::info!(url = %row.url, error = %error, "a quoted post could not be read");
            let first = StdDuration::from_millis(data.config.federation.retry_delay_ms);
            let again = again.then(|| Utc::now() + backoff(first, row.attempts + 1));
            quoting::unread(&data.db, &row, error, again).await
        }
    };
    if let Err(err) = outcome {
        tracing::error!(error = %format!("{err:#}"), "cannot record a quoted post");
    }
    true
}

/// Why a quoted post was not read, and whether trying again may help.
struct Unread {
    error: String,
    again: bool,
}

impl From<anyhow::Error> for Unread {
    fn from(err: anyhow::Error) -> Unread {
        Unread {
            error: format!("{err:#}"),
            again: true,
        }
    }
}

async fn read(data: &Data<FedData>, row: &outgoing_quote::Model) -> Result<Read, Unread> {
    let never = |error: String| Unread {
        error,
        again: false,
    };
    let url = Url::parse(&row.url).map_err(|err| never(format!("{}: {err}", row.url)))?;
    super::ssrf::check_url(&url, data.config.federation.allow_insecure_local).map_err(never)?;
    let object: Value = fetch_object_http(&url, data)
        .await
        .with_context(|| format!("failed to fetch {url}"))?
        .object;
    let author = note::attributed_to(&object)
        .into_iter()
        .find_map(|a| Url::parse(&a).ok())
        .filter(|author| same_server(author, &url))
        .ok_or_else(|| never(format!("{url} names no author on its own server")))?;
    let actor = RemoteActorId::from(author)
        .dereference(data)
        .await
        .map_err(|err| anyhow::anyhow!("failed to read the quoted post's author: {err}"))?;
    let row = actor.row;
    Ok(Read {
        author_name: row
            .name
            .clone()
            .unwrap_or_else(|| row.preferred_username.clone()),
        author_handle: format!("@{}@{}", row.preferred_username, row.host),
        author_url: row.url.clone().or_else(|| Some(row.ap_id.clone())),
        content_html: note::content_html(&object).into_string(),
        author_ap_id: row.ap_id.clone(),
        inbox: row.inbox.clone(),
    })
}
