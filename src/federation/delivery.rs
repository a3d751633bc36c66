//! The delivery worker: drains the outbox table, signs each activity for its
//! inbox and sends it, with bounded concurrency overall and per host. Every
//! outcome is written back, so nothing is lost on a restart or crash.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use activitypub_federation::config::Data;
use bytes::Bytes;
use chrono::{Duration, Utc};
use reqwest::header::{CONTENT_TYPE, DATE, HOST, RETRY_AFTER};
use reqwest_middleware::ClientWithMiddleware;
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
};

use super::{ACTIVITY_JSON, FedData, Federation, activities::outbound, backoff};
use crate::services::{
    comments,
    deliveries::{self, Answered, DueDelivery, Outcome, Sent},
    outbox::ActivityKind,
    posts, quotes,
};

/// Failures in a row after which a host is paused rather than tried again at once.
const PAUSE_AFTER_FAILURES: i32 = 3;

/// Runs until `shutdown` turns true; sends in flight are finished first.
///
/// Deliveries stream through: whenever fewer than twice the overall
/// concurrency are claimed and unfinished, more are claimed, so a slow host
/// never holds up the others.
pub fn spawn(
    federation: Federation,
    client: reqwest::Client,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let data = federation.to_request_data();
        let client = ClientWithMiddleware::from(client);
        let settings = &data.config.federation;
        let overall = Arc::new(Semaphore::new(settings.delivery_concurrency));
        let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let window = settings.delivery_concurrency * 2;
        let lease = lease(&data);
        let mut in_flight = JoinSet::new();
        let recorder = recorder(data.db.clone());
        while !*shutdown.borrow() {
            let room = window.saturating_sub(in_flight.len());
            // Claims are made in bulk (each is a statement and a commit):
            // when half the window is free, or nothing is under way.
            let due = if room == 0 || (room < window / 2 && !in_flight.is_empty()) {
                Vec::new()
            } else {
                match deliveries::claim_due(&data.db, room as u64, lease).await {
                    Ok(due) => due,
                    Err(err) => {
                        tracing::error!(error = ?err, "cannot read the outbox");
                        Vec::new()
                    }
                }
            };
            if due.is_empty() {
                tokio::select! {
                    Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                    () = data.wake.notified(), if room >= window / 2 => {}
                    () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            per_host.retain(|_, limit| Arc::strong_count(limit) > 1);
            // Each activity's JSON is read or rendered once for the whole
            // claim, not once per inbox.
            let mut bodies: HashMap<i32, Option<Bytes>> = HashMap::new();
            for item in due {
                let body = match bodies.get(&item.activity.id) {
                    Some(body) => body.clone(),
                    None => match payload(&data, &item).await {
                        Ok(body) => {
                            let body = body.map(Bytes::from);
                            bodies.insert(item.activity.id, body.clone());
                            body
                        }
                        Err(err) => {
                            // The lease lapses and the delivery is tried again.
                            tracing::error!(activity = item.activity.id, error = ?err, "cannot render an activity");
                            continue;
                        }
                    },
                };
                let host_limit = per_host
                    .entry(item.delivery.host.clone())
                    .or_insert_with(|| {
                        Arc::new(Semaphore::new(settings.delivery_concurrency_per_host))
                    })
                    .clone();
                let overall = overall.clone();
                let data = data.reset_request_count();
                let client = client.clone();
                let recorder = recorder.clone();
                in_flight.spawn(async move {
                    let claimed = Instant::now();
                    let (Ok(host), Ok(all)) = (host_limit.acquire().await, overall.acquire().await)
                    else {
                        return;
                    };
                    let id = item.delivery.id;
                    let Some(item) = keep_lease(&data, item, claimed).await else {
                        return;
                    };
                    let turn = (host, all);
                    if let Err(err) = deliver(&data, &client, &recorder, item, body, turn).await {
                        tracing::error!(delivery = id, error = ?err, "failed to record a delivery");
                    }
                });
            }
            // Let finished sends free their room before claiming again.
            while in_flight.try_join_next().is_some() {}
        }
        while in_flight.join_next().await.is_some() {}
    })
}

fn lease(data: &Data<FedData>) -> Duration {
    data.config.lease()
}

/// Writes outcomes from hosts that answered, a batch per commit.
type Recorder = crate::group_commit::GroupCommit<Answered>;

fn recorder(db: sea_orm::DatabaseConnection) -> Recorder {
    Recorder::spawn("the delivery recorder", move |outcomes| {
        let db = db.clone();
        async move { deliveries::record_answered(&db, outcomes).await }
    })
}

/// A delivery that waited long for its host's turn renews its lease first,
/// so that no other process claims it meanwhile; `None` if the lease lapsed.
async fn keep_lease(
    data: &Data<FedData>,
    mut item: DueDelivery,
    claimed: Instant,
) -> Option<DueDelivery> {
    let half = StdDuration::from_secs(data.config.federation.delivery_lease_secs) / 2;
    if claimed.elapsed() < half {
        return Some(item);
    }
    let held = item.delivery.locked_until?;
    match deliveries::renew(&data.db, item.delivery.id, held, lease(data)).await {
        Ok(Some(until)) => {
            item.delivery.locked_until = Some(until);
            Some(item)
        }
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = ?err, "cannot renew a delivery lease");
            None
        }
    }
}

/// The activity's JSON: stored, or rendered now and stored so every inbox
/// gets the same. `None` when there is nothing left to say.
async fn payload(data: &Data<FedData>, item: &DueDelivery) -> anyhow::Result<Option<String>> {
    if let Some(payload) = &item.activity.payload {
        return Ok(Some(payload.clone()));
    }
    let Some(value) = render(data, item).await? else {
        return Ok(None);
    };
    let stored = deliveries::store_payload(&data.db, item.activity.id, value.to_string()).await?;
    Ok(Some(stored))
}

/// The activity rendered from what it is about: an answer, a report, a
/// revoked quote, the blog's move, or a post.
async fn render(
    data: &Data<FedData>,
    item: &DueDelivery,
) -> anyhow::Result<Option<serde_json::Value>> {
    let urls = &data.urls;
    let uuid = &item.activity.uuid;
    if let Some(comment_id) = item.activity.comment_id {
        return answer(data, uuid, comment_id).await;
    }
    if let Some(report_id) = item.activity.report_id {
        let flag = crate::services::reports::for_flag(&data.db, report_id).await?;
        return Ok(flag.map(|(content, objects)| outbound::flag(urls, uuid, &content, &objects)));
    }
    if let Some(quote_id) = item.activity.quote_id {
        let revoked = quotes::revoked(&data.db, quote_id).await?;
        return Ok(revoked.map(|(authorization, quoter)| {
            outbound::revoke_quote(urls, uuid, &authorization, &quoter)
        }));
    }
    if item.activity.kind == ActivityKind::Move {
        let moved = crate::services::identity::load(&data.db).await?.moved;
        return Ok(moved.map(|moved| outbound::move_blog(urls, uuid, &moved.to.id)));
    }
    let Some(post_id) = item.activity.post_id else {
        return Ok(None);
    };
    let Some(post) = posts::for_activity(&data.db, post_id).await? else {
        return Ok(None);
    };
    let blog = &data.config.blog;
    Ok(match item.activity.kind {
        ActivityKind::Create if post.is_public() => {
            Some(outbound::create_or_update(urls, uuid, false, &post, blog))
        }
        ActivityKind::Update if post.is_public() => {
            Some(outbound::create_or_update(urls, uuid, true, &post, blog))
        }
        ActivityKind::Delete => Some(outbound::delete(urls, uuid, &post)),
        ActivityKind::Announce if post.is_public() => Some(outbound::announce(urls, uuid, &post)),
        _ => None,
    })
}

/// The author's answer `comment_id`, while it and the comment it answers
/// are there.
async fn answer(
    data: &Data<FedData>,
    uuid: &str,
    comment_id: i32,
) -> anyhow::Result<Option<serde_json::Value>> {
    let Some(answer) = comments::by_id(&data.db, comment_id).await? else {
        return Ok(None);
    };
    let answered = match answer.parent_id {
        Some(parent) => comments::by_id(&data.db, parent).await?,
        None => None,
    };
    let (Some(answered), false) = (answered, answer.deleted) else {
        return Ok(None);
    };
    let note = outbound::answer_note(&data.urls, &answer, &answered);
    Ok(Some(outbound::create_note(&data.urls, uuid, note)))
}

/// Sends one delivery and records how it went. `turn` (the host's and the
/// overall concurrency permits) is given back as soon as the host answered,
/// before the outcome is written: the next send need not wait for a commit.
async fn deliver<Turn>(
    data: &Data<FedData>,
    client: &ClientWithMiddleware,
    recorder: &Recorder,
    item: DueDelivery,
    body: Option<Bytes>,
    turn: Turn,
) -> anyhow::Result<()> {
    let delivery = &item.delivery;
    let attempts = delivery.attempts + 1;
    let Some(body) = body else {
        let outcome = Outcome::Failed {
            status: None,
            error: "not sent: the post is no longer public".into(),
        };
        return deliveries::record(&data.db, delivery.id, attempts, outcome).await;
    };
    let inbox = url::Url::parse(&delivery.inbox)?;
    if let Err(refusal) =
        super::ssrf::check_url(&inbox, data.config.federation.allow_insecure_local)
    {
        let outcome = Outcome::Failed {
            status: None,
            error: refusal,
        };
        return deliveries::record(&data.db, delivery.id, attempts, outcome).await;
    }
    let sender = item.activity.user_id;
    let sent = match send(data, client, (&delivery.inbox, sender), body).await {
        Ok((status, retry_after)) => Sent::Answered {
            status,
            retry_after,
        },
        Err(err) => Sent::Unanswered {
            error: format!("{err:#}"),
        },
    };
    drop(turn);
    let settings = &data.config.federation;
    let first = StdDuration::from_millis(settings.retry_delay_ms);
    let give_up_at = delivery.created_at + Duration::hours(settings.retry_for_hours as i64);
    let outcome = Outcome::decide(
        sent,
        attempts,
        backoff(first, attempts),
        Utc::now(),
        give_up_at,
    );
    match &outcome {
        Outcome::Delivered { .. }
        | Outcome::Failed {
            status: Some(_), ..
        } => {
            if let Outcome::Delivered { .. } = outcome {
                tracing::debug!(inbox = %delivery.inbox, "delivered");
            }
            return recorder
                .submit(Answered {
                    delivery_id: delivery.id,
                    attempts,
                    outcome,
                    host: delivery.host.clone(),
                })
                .await;
        }
        Outcome::Retry { error, .. }
        | Outcome::Failed {
            status: None,
            error,
        } => {
            tracing::warn!(inbox = %delivery.inbox, attempts, error = %error, "delivery failed");
            let failures = deliveries::host_failed(&data.db, &delivery.host, error).await?;
            if failures >= PAUSE_AFTER_FAILURES {
                let first = StdDuration::from_millis(settings.retry_delay_ms);
                let until = Utc::now() + backoff(first, failures - PAUSE_AFTER_FAILURES + 1);
                deliveries::pause_host(&data.db, &delivery.host, until).await?;
            }
        }
    }
    deliveries::record(&data.db, delivery.id, attempts, outcome).await
}

/// Signs and posts one activity to an inbox `deliver` has checked against
/// the SSRF policy; the status and any `Retry-After` it asked for.
async fn send(
    data: &Data<FedData>,
    client: &ClientWithMiddleware,
    (inbox, sender): (&str, Option<i32>),
    body: Bytes,
) -> anyhow::Result<(u16, Option<Duration>)> {
    let url = url::Url::parse(inbox)?;
    let host = crate::domain::authority(&url)
        .ok_or_else(|| anyhow::anyhow!("inbox {inbox} has no host"))?;
    let builder = client
        .post(url.as_str())
        .header(CONTENT_TYPE, ACTIVITY_JSON)
        .header(HOST, host)
        .header(DATE, httpdate::fmt_http_date(std::time::SystemTime::now()));
    // Signed by the account that sends it: the blog, or an author's own.
    let request = match sender {
        None => data.signer.sign(builder, body).await?,
        Some(author) => {
            let signer = data.author_keys.signer(data, author).await?;
            signer.sign(builder, body).await?
        }
    };
    let response = client.execute(request).await?;
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(Duration::seconds);
    Ok((response.status().as_u16(), retry_after))
}
