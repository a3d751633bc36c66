//! The delivery worker's view of the outbox: claiming due rows, recording
//! outcomes, pausing hosts that keep failing, and the admin's counts.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, LockBehavior, LockType, OnConflict},
};
use serde::Serialize;

use crate::entities::{activity, delivery, delivery_host};

pub use crate::entities::delivery::DeliveryState;

pub struct DueDelivery {
    pub delivery: delivery::Model,
    pub activity: activity::Model,
}

/// Claims up to `limit` deliveries that are due, skipping paused hosts, in
/// one statement. A claim is a lease: a process that dies mid-send lets it
/// lapse and the row is tried again. On PostgreSQL, processes sharing the
/// database skip each other's rows (`FOR UPDATE SKIP LOCKED`), so each
/// delivery is claimed by exactly one of them; SQLite runs the statement
/// under its single writer lock, which gives the same guarantee in one process.
pub async fn claim_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> anyhow::Result<Vec<DueDelivery>> {
    let now = Utc::now();
    let paused = delivery_host::Entity::find()
        .select_only()
        .column(delivery_host::Column::Host)
        .filter(delivery_host::Column::PausedUntil.gt(now))
        .into_query();
    let mut due = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::State.eq(DeliveryState::Pending))
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(super::lease_free(delivery::Column::LockedUntil, now))
        .filter(delivery::Column::Host.not_in_subquery(paused))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit)
        .into_query();
    due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::LockedUntil, Expr::value(now + lease))
        .filter(delivery::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await
        .context("failed to claim due deliveries")?;
    let ids: Vec<i32> = claimed.iter().map(|d| d.activity_id).collect();
    let activities: HashMap<i32, activity::Model> = activity::Entity::find()
        .filter(activity::Column::Id.is_in(ids))
        .all(db)
        .await
        .context("failed to load activities")?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(claimed
        .into_iter()
        .filter_map(|d| {
            let activity = activities.get(&d.activity_id)?.clone();
            Some(DueDelivery {
                delivery: d,
                activity,
            })
        })
        .collect())
}

/// Fixes an activity's JSON the first time it is sent; returns what is stored,
/// which may be another worker's rendering.
pub async fn store_payload(
    db: &DatabaseConnection,
    activity_id: i32,
    payload: String,
) -> anyhow::Result<String> {
    activity::Entity::update_many()
        .col_expr(activity::Column::Payload, Expr::value(payload))
        .filter(activity::Column::Id.eq(activity_id))
        .filter(activity::Column::Payload.is_null())
        .exec(db)
        .await
        .context("failed to store activity payload")?;
    activity::Entity::find_by_id(activity_id)
        .one(db)
        .await?
        .and_then(|a| a.payload)
        .context("activity payload missing after store")
}

/// How one attempt ended.
pub enum Outcome {
    Delivered {
        status: u16,
    },
    /// Try again at `retry_at`.
    Retry {
        status: Option<u16>,
        error: String,
        retry_at: DateTime<Utc>,
    },
    /// Never try again.
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// How one attempt to send went, as the sender saw it.
#[derive(Debug, Clone)]
pub enum Sent {
    /// The inbox answered `status`, perhaps asking to wait (`Retry-After`).
    Answered {
        status: u16,
        retry_after: Option<chrono::Duration>,
    },
    /// No answer: a network error, a timeout.
    Unanswered { error: String },
}

impl Outcome {
    /// What follows from attempt number `attempts`: 2xx is delivered; a 4xx
    /// other than 408 and 429 is a refusal for good; anything else is tried
    /// again after `wait` (or the inbox's `Retry-After`, if longer), unless
    /// that would pass `give_up_at`.
    pub fn decide(
        sent: Sent,
        attempts: i32,
        wait: chrono::Duration,
        now: DateTime<Utc>,
        give_up_at: DateTime<Utc>,
    ) -> Outcome {
        let (status, retry_after, error) = match sent {
            Sent::Answered {
                status,
                retry_after,
            } => (Some(status), retry_after, format!("answered {status}")),
            Sent::Unanswered { error } => (None, None, error),
        };
        match status {
            Some(status) if (200..300).contains(&status) => Outcome::Delivered { status },
            Some(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                Outcome::Failed {
                    status: Some(status),
                    error,
                }
            }
            _ => {
                let retry_at = now + wait.max(retry_after.unwrap_or_else(chrono::Duration::zero));
                if retry_at > give_up_at {
                    Outcome::Failed {
                        status,
                        error: format!("gave up after {attempts} attempts: {error}"),
                    }
                } else {
                    Outcome::Retry {
                        status,
                        error,
                        retry_at,
                    }
                }
            }
        }
    }
}

/// Extends a lease this process still holds (`held_until` as claimed);
/// `false` when it lapsed and the row may be someone else's now.
pub async fn renew(
    db: &DatabaseConnection,
    delivery_id: i32,
    held_until: DateTime<Utc>,
    lease: Duration,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let renewed = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LockedUntil,
            Expr::value(Utc::now() + lease),
        )
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(DeliveryState::Pending))
        .filter(delivery::Column::LockedUntil.eq(held_until))
        .exec_with_returning(db)
        .await
        .context("failed to renew a delivery lease")?;
    Ok(renewed.into_iter().next().and_then(|d| d.locked_until))
}

pub async fn record(
    db: &DatabaseConnection,
    delivery_id: i32,
    attempts: i32,
    outcome: Outcome,
) -> anyhow::Result<()> {
    record_in(db, delivery_id, attempts, outcome).await
}

/// An outcome from a host that answered.
pub struct Answered {
    pub delivery_id: i32,
    pub attempts: i32,
    pub outcome: Outcome,
    pub host: String,
}

/// Records outcomes from hosts that answered, and clears those hosts'
/// failures, all in one commit.
pub async fn record_answered(db: &DatabaseConnection, batch: Vec<Answered>) -> anyhow::Result<()> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let mut hosts: Vec<&str> = batch.iter().map(|a| a.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    delivery_host::Entity::delete_many()
        .filter(delivery_host::Column::Host.is_in(hosts))
        .exec(&txn)
        .await
        .context("failed to clear host failures")?;
    for answered in batch {
        record_in(
            &txn,
            answered.delivery_id,
            answered.attempts,
            answered.outcome,
        )
        .await?;
    }
    txn.commit().await.context("failed to record deliveries")
}

async fn record_in(
    db: &impl ConnectionTrait,
    delivery_id: i32,
    attempts: i32,
    outcome: Outcome,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut row = delivery::ActiveModel {
        id: Set(delivery_id),
        attempts: Set(attempts),
        locked_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    match outcome {
        Outcome::Delivered { status } => {
            row.state = Set(DeliveryState::Delivered);
            row.last_status = Set(Some(i32::from(status)));
            row.last_error = Set(None);
        }
        Outcome::Retry {
            status,
            error,
            retry_at,
        } => {
            row.state = Set(DeliveryState::Pending);
            row.last_status = Set(status.map(i32::from));
            row.last_error = Set(Some(error));
            row.next_attempt_at = Set(retry_at);
        }
        Outcome::Failed { status, error } => {
            row.state = Set(DeliveryState::Failed);
            row.last_status = Set(status.map(i32::from));
            row.last_error = Set(Some(error));
        }
    }
    delivery::Entity::update(row)
        .exec(db)
        .await
        .with_context(|| format!("failed to record delivery {delivery_id}"))?;
    Ok(())
}

/// Gives leases back, so a restart need not wait for them to lapse.
pub async fn release(db: &DatabaseConnection, delivery_ids: Vec<i32>) -> anyhow::Result<()> {
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(delivery::Column::Id.is_in(delivery_ids))
        .exec(db)
        .await
        .context("failed to release deliveries")?;
    Ok(())
}

/// Notes a failure of `host`; returns how many in a row it has had.
pub async fn host_failed(db: &DatabaseConnection, host: &str, error: &str) -> anyhow::Result<i32> {
    let current = delivery_host::Entity::find_by_id(host).one(db).await?;
    let failures = current.map_or(0, |h| h.consecutive_failures) + 1;
    delivery_host::Entity::insert(delivery_host::ActiveModel {
        host: Set(host.to_owned()),
        consecutive_failures: Set(failures),
        paused_until: Set(None),
        last_error: Set(Some(error.to_owned())),
    })
    .on_conflict(
        OnConflict::column(delivery_host::Column::Host)
            .update_columns([
                delivery_host::Column::ConsecutiveFailures,
                delivery_host::Column::LastError,
            ])
            .to_owned(),
    )
    .exec(db)
    .await
    .with_context(|| format!("failed to record failure of {host}"))?;
    Ok(failures)
}

pub async fn pause_host(
    db: &DatabaseConnection,
    host: &str,
    until: DateTime<Utc>,
) -> anyhow::Result<()> {
    delivery_host::Entity::update_many()
        .col_expr(delivery_host::Column::PausedUntil, Expr::value(until))
        .filter(delivery_host::Column::Host.eq(host))
        .exec(db)
        .await
        .with_context(|| format!("failed to pause {host}"))?;
    Ok(())
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub delivered: u64,
    pub pending: u64,
    pub failed: u64,
}

/// Delivery counts per post, over every activity about it.
pub async fn counts_by_post(db: &DatabaseConnection) -> anyhow::Result<HashMap<i32, Counts>> {
    let rows: Vec<(Option<i32>, DeliveryState, i64)> = delivery::Entity::find()
        .inner_join(activity::Entity)
        .select_only()
        .column(activity::Column::PostId)
        .column(delivery::Column::State)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(activity::Column::PostId.is_not_null())
        .group_by(activity::Column::PostId)
        .group_by(delivery::Column::State)
        .into_tuple()
        .all(db)
        .await
        .context("failed to count deliveries")?;
    let mut counts: HashMap<i32, Counts> = HashMap::new();
    for (post_id, state, n) in rows {
        let Some(post_id) = post_id else { continue };
        let entry = counts.entry(post_id).or_default();
        let n = u64::try_from(n).unwrap_or_default();
        match state {
            DeliveryState::Delivered => entry.delivered += n,
            DeliveryState::Failed => entry.failed += n,
            DeliveryState::Pending => entry.pending += n,
        }
    }
    Ok(counts)
}

#[derive(Debug, Clone, Serialize, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "delivery_host::Entity")]
pub struct HostProblem {
    pub host: String,
    pub consecutive_failures: i32,
    pub paused_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Hosts whose last deliveries failed, worst first.
pub async fn failing_hosts(db: &DatabaseConnection) -> anyhow::Result<Vec<HostProblem>> {
    delivery_host::Entity::find()
        .order_by_desc(delivery_host::Column::ConsecutiveFailures)
        .into_partial_model()
        .all(db)
        .await
        .context("failed to list failing hosts")
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::{Outcome, Sent};

    fn decide(sent: Sent, give_up_in: Duration) -> Outcome {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .expect("time");
        Outcome::decide(sent, 3, Duration::minutes(4), now, now + give_up_in)
    }

    fn answered(status: u16) -> Sent {
        Sent::Answered {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn success_is_delivered_and_refusals_are_final() {
        assert!(matches!(
            decide(answered(202), Duration::hours(1)),
            Outcome::Delivered { status: 202 }
        ));
        for status in [400, 401, 403, 404, 410, 422] {
            assert!(
                matches!(decide(answered(status), Duration::hours(1)), Outcome::Failed { status: Some(s), .. } if s == status),
                "{status}"
            );
        }
    }

    #[test]
    fn what_may_pass_is_tried_again_until_the_deadline() {
        for sent in [
            answered(500),
            answered(503),
            answered(408),
            answered(429),
            answered(301),
            Sent::Unanswered {
                error: "connection refused".into(),
            },
        ] {
            assert!(
                matches!(
                    decide(sent.clone(), Duration::hours(1)),
                    Outcome::Retry { .. }
                ),
                "{sent:?}"
            );
            assert!(
                matches!(decide(sent.clone(), Duration::minutes(1)), Outcome::Failed { ref error, .. } if error.starts_with("gave up after 3 attempts")),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn a_longer_retry_after_is_honoured() {
        let sent = Sent::Answered {
            status: 429,
            retry_after: Some(Duration::minutes(30)),
        };
        let Outcome::Retry { retry_at, .. } = decide(sent, Duration::hours(1)) else {
            panic!("retried");
        };
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .expect("time");
        assert_eq!(retry_at - now, Duration::minutes(30));
    }
}
