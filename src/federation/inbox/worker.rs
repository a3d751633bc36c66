//! The inbox worker: applies the activities the inbox recorded. Each
//! sender's activities are applied one after another in the order they
//! arrived, different senders' side by side. An activity whose object its
//! sender already withdrew (a `Create` after the `Delete` of its note, a
//! `Like` after its `Undo`: deliveries cross) is not applied. What fails
//! for a reason that may pass (a remote server that does not answer, our
//! database) is tried again with growing waits; claims are leases, so a
//! process that dies mid-way leaves its activities to the next one. Old
//! records are pruned.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration as StdDuration,
};

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
/// Senders whose activities are applied side by side while the inbox is
/// quiet. Their reads, parsing and sanitising overlap; their writes are
/// short transactions, which on SQLite (one writer) take turns.
const SENDERS_AT_ONCE: usize = 8;
const SENDERS_AT_ONCE_SQLITE: usize = 4;
const PRUNE_EVERY: StdDuration = StdDuration::from_secs(3600);

/// Runs until `shutdown` turns true; a batch under way is finished first.
pub fn spawn(
    federation: Federation,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let data = federation.to_request_data();
        let lease = data.config.lease();
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

/// What an activity is checked against before it is applied, read once for
/// the whole batch: the block list and the withdrawals among the batch's ids.
struct Checks {
    blocks: blocks::BlockList,
    withdrawn: HashSet<(String, String)>,
}

impl Checks {
    async fn read(
        data: &Data<FedData>,
        parsed: &[(inbound_activity::Model, Result<InboxActivity, String>)],
    ) -> anyhow::Result<Checks> {
        let ids: Vec<String> = parsed
            .iter()
            .filter_map(|(_, activity)| activity.as_ref().ok())
            .flat_map(InboxActivity::withdrawable)
            .collect();
        Ok(Checks {
            blocks: blocks::list(&data.db).await?,
            withdrawn: inbound::withdrawals(&data.db, &ids).await?,
        })
    }

    fn withdrawn(&self, actor: &str, activity: &InboxActivity) -> bool {
        activity
            .withdrawable()
            .into_iter()
            .any(|id| self.withdrawn.contains(&(actor.to_owned(), id)))
    }
}

/// Applies a batch: each sender's activities in order, senders side by side.
async fn apply_batch(
    data: &Data<FedData>,
    batch: Vec<inbound_activity::Model>,
) -> Vec<(inbound_activity::Model, Outcome)> {
    let parsed: Vec<_> = batch
        .into_iter()
        .map(|row| {
            let activity = match &row.body {
                None => Err("nothing was kept of it".to_owned()),
                Some(body) => serde_json::from_str::<InboxActivity>(body)
                    .map_err(|err| format!("it cannot be read: {err}")),
            };
            (row, activity)
        })
        .collect();
    let checks = match Checks::read(data, &parsed).await {
        Ok(checks) => Arc::new(checks),
        Err(err) => {
            let error = format!("{err:#}");
            return parsed
                .into_iter()
                .map(|(row, _)| {
                    let outcome = retry(data, &row, error.clone());
                    (row, outcome)
                })
                .collect();
        }
    };
    let mut by_sender: HashMap<String, Vec<_>> = HashMap::new();
    for (row, activity) in parsed {
        by_sender
            .entry(row.actor.clone())
            .or_default()
            .push((row, activity));
    }
    let side_by_side = match data.db.get_database_backend() {
        // While requests keep arriving, answering them comes first: one
        // sender at a time leaves the cores to the inbox, and what is queued
        // is applied at full speed once the rush is over.
        _ if data.intake.under_load() => 1,
        DbBackend::Sqlite => SENDERS_AT_ONCE_SQLITE,
        _ => SENDERS_AT_ONCE,
    };
    let room = Arc::new(Semaphore::new(side_by_side));
    let mut running = JoinSet::new();
    for (_, rows) in by_sender {
        let (data, room, checks) = (data.reset_request_count(), room.clone(), checks.clone());
        running.spawn(async move {
            let _turn = room.acquire().await;
            let mut outcomes = Vec::with_capacity(rows.len());
            for (row, activity) in rows {
                let outcome = match activity {
                    Ok(activity) => apply(&data, &checks, &row, activity).await,
                    Err(error) => Outcome::Failed { error },
                };
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

async fn apply(
    data: &Data<FedData>,
    checks: &Checks,
    row: &inbound_activity::Model,
    activity: InboxActivity,
) -> Outcome {
    if checks.blocks.blocks(&row.actor) {
        return Outcome::Failed {
            error: "its sender is blocked".into(),
        };
    }
    if checks.withdrawn(&row.actor, &activity) {
        tracing::debug!(id = %row.ap_id, "not applied: its sender withdrew it");
        return Outcome::Done;
    }
    let data = data.reset_request_count();
    match activity.receive(&data).await {
        Ok(()) => Outcome::Done,
        Err(err) if err.is_transient() => retry(&data, row, err.to_string()),
        Err(err) => {
            tracing::info!(id = %row.ap_id, error = %err, "a received activity was not applied");
            Outcome::Failed {
                error: err.to_string(),
            }
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
