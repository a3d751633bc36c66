//! The inbox worker: applies the activities the inbox recorded. Each
//! sender's activities are applied one after another in the order they
//! arrived, different senders' side by side. An activity whose object its
//! sender already withdrew (a `Create` after the `Delete` of its note, a
//! `Like` after its `Undo`: deliveries cross) is not applied. What fails
//! for a reason that may pass (a remote server that does not answer, our
//! database) is tried again with growing waits; claims are leases, so a
//! process that dies mid-way leaves its activities to the next one. Old
//! records are pruned.

use std::{collections::HashMap, sync::Arc, time::Duration as StdDuration};

use activitypub_federation::{config::Data, traits::Activity};
use chrono::{Duration, Utc};
use sea_orm::DbBackend;
use tokio::{
    sync::{Semaphore, watch},
    task::JoinSet,
    time::Instant,
};

use crate::{
    entities::inbound_activity,
    federation::{FedData, Federation, activities::InboxActivity, backoff},
    services::{
        blocks,
        inbound::{self, Outcome},
    },
};

/// Activities claimed at once.
const BATCH: u64 = 128;
/// Senders whose activities are applied side by side on PostgreSQL. SQLite
/// has one writer: there, side by side they only wait for each other's
/// locks and re-read each other's pages, so one sender is applied at a time.
const SENDERS_AT_ONCE: usize = 8;
const PRUNE_EVERY: StdDuration = StdDuration::from_secs(3600);

/// Runs until `shutdown` turns true; a batch under way is finished first.
pub fn spawn(
    federation: Federation,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let data = federation.to_request_data();
        let lease = Duration::seconds(
            i64::try_from(data.config.federation.delivery_lease_secs).unwrap_or(120),
        );
        let mut pruned: Option<Instant> = None;
        while !*shutdown.borrow() {
            if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                prune(&data).await;
                pruned = Some(Instant::now());
            }
            let batch = match inbound::claim(&data.db, BATCH, lease).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "cannot read the inbox queue");
                    Vec::new()
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    () = data.inbox_wake.notified() => {}
                    () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let outcomes = apply_batch(&data, batch).await;
            if let Err(err) = inbound::finish(&data.db, outcomes).await {
                tracing::error!(error = %format!("{err:#}"), "cannot record what the inbox applied");
            }
        }
    })
}

async fn prune(data: &Data<FedData>) {
    let days = i64::from(data.config.federation.remember_activities_days);
    match inbound::prune(&data.db, Utc::now() - Duration::days(days)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(activities = n, "forgot old received activities"),
        Err(err) => tracing::warn!(error = %format!("{err:#}"), "cannot prune received activities"),
    }
}

/// Applies a batch: each sender's activities in order, senders side by side.
async fn apply_batch(
    data: &Data<FedData>,
    batch: Vec<inbound_activity::Model>,
) -> Vec<(inbound_activity::Model, Outcome)> {
    let mut by_sender: HashMap<String, Vec<inbound_activity::Model>> = HashMap::new();
    for row in batch {
        by_sender.entry(row.actor.clone()).or_default().push(row);
    }
    let side_by_side = match data.db.get_database_backend() {
        DbBackend::Sqlite => 1,
        _ => SENDERS_AT_ONCE,
    };
    let room = Arc::new(Semaphore::new(side_by_side));
    let mut running = JoinSet::new();
    for (_, rows) in by_sender {
        let (data, room) = (data.reset_request_count(), room.clone());
        running.spawn(async move {
            let _turn = room.acquire().await;
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in rows {
                let outcome = apply(&data, &row).await;
                outcomes.push((row, outcome));
            }
            outcomes
        });
    }
    let mut all = Vec::new();
    while let Some(done) = running.join_next().await {
        match done {
            Ok(mut outcomes) => all.append(&mut outcomes),
            Err(err) => tracing::error!(error = %err, "applying received activities failed"),
        }
    }
    all
}

async fn apply(data: &Data<FedData>, row: &inbound_activity::Model) -> Outcome {
    let failed = |error: String| Outcome::Failed { error };
    let Some(body) = &row.body else {
        return failed("nothing was kept of it".into());
    };
    let activity: InboxActivity = match serde_json::from_str(body) {
        Ok(activity) => activity,
        Err(err) => return failed(format!("it cannot be read: {err}")),
    };
    match blocks::is_blocked(&data.db, &row.actor).await {
        Ok(true) => return failed("its sender is blocked".into()),
        Ok(false) => {}
        Err(err) => return retry(data, row, format!("{err:#}")),
    }
    let ids = activity.withdrawable();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    match inbound::withdrawn(&data.db, &row.actor, &ids).await {
        Ok(true) => {
            tracing::debug!(id = %row.ap_id, "not applied: its sender withdrew it");
            return Outcome::Done;
        }
        Ok(false) => {}
        Err(err) => return retry(data, row, format!("{err:#}")),
    }
    let data = data.reset_request_count();
    match activity.receive(&data).await {
        Ok(()) => Outcome::Done,
        Err(err) if err.is_transient() => retry(&data, row, err.to_string()),
        Err(err) => {
            tracing::info!(id = %row.ap_id, error = %err, "a received activity was not applied");
            failed(err.to_string())
        }
    }
}

/// Tries again later, until the activity is older than the retry window.
fn retry(data: &Data<FedData>, row: &inbound_activity::Model, error: String) -> Outcome {
    let settings = &data.config.federation;
    let first = StdDuration::from_millis(settings.retry_delay_ms);
    let at = Utc::now() + backoff(first, row.attempts + 1);
    let deadline =
        row.received_at + Duration::hours(i64::try_from(settings.retry_for_hours).unwrap_or(72));
    tracing::warn!(id = %row.ap_id, attempts = row.attempts + 1, error = %error, "a received activity will be tried again");
    if at > deadline {
        Outcome::Failed {
            error: format!("gave up after {} attempts: {error}", row.attempts + 1),
        }
    } else {
        Outcome::Retry { error, at }
    }
}
