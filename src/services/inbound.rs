//! The inbox queue: activities whose senders were verified, recorded many
//! to a commit before they are acknowledged, then claimed by a worker (with
//! a lease, so a crashed process's claims are taken up again), and finished
//! as done, failed, or to be tried again later. Rows stay, without their
//! bodies, so that a second copy of an activity is recognised, until they
//! are pruned.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, LockBehavior, LockType},
};

use crate::entities::inbound_activity::{self, InboundState};

/// An activity to record: verified, not yet applied.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub ap_id: String,
    pub actor: String,
    pub withdraws: Option<String>,
    pub body: String,
}

/// Records activities in one transaction; a copy of an activity already
/// recorded (or twice in the batch) is left out. Returns how many were new.
pub async fn record(db: &DatabaseConnection, batch: Vec<Incoming>) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<inbound_activity::ActiveModel> = batch
        .into_iter()
        .filter(|item| seen.insert(item.ap_id.clone()))
        .map(|item| inbound_activity::ActiveModel {
            ap_id: Set(item.ap_id),
            actor: Set(item.actor),
            withdraws: Set(item.withdraws),
            body: Set(Some(item.body)),
            state: Set(InboundState::Queued),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            received_at: Set(now),
            processed_at: Set(None),
            ..Default::default()
        })
        .collect();
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let mut new = 0;
    // Each row binds twelve values; stay well under every backend's limit.
    for chunk in rows.chunks(64) {
        let result = inbound_activity::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([inbound_activity::Column::ApId])
            .exec_without_returning(&txn)
            .await
            .context("failed to record received activities")?;
        if let sea_orm::TryInsertResult::Inserted(rows) = result {
            new += usize::try_from(rows).unwrap_or_default();
        }
    }
    txn.commit()
        .await
        .context("failed to commit received activities")?;
    Ok(new)
}

/// Claims up to `limit` activities that are due, oldest first, for `lease`.
/// On PostgreSQL, processes sharing the database skip each other's rows;
/// SQLite's single writer gives the same guarantee.
pub async fn claim(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> anyhow::Result<Vec<inbound_activity::Model>> {
    let now = Utc::now();
    let mut due = inbound_activity::Entity::find()
        .select_only()
        .column(inbound_activity::Column::Id)
        .filter(inbound_activity::Column::State.eq(InboundState::Queued))
        .filter(inbound_activity::Column::NextAttemptAt.lte(now))
        .filter(super::lease_free(
            inbound_activity::Column::LockedUntil,
            now,
        ))
        .order_by_asc(inbound_activity::Column::NextAttemptAt)
        .order_by_asc(inbound_activity::Column::Id)
        .limit(limit)
        .into_query();
    due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    let mut claimed = inbound_activity::Entity::update_many()
        .col_expr(
            inbound_activity::Column::LockedUntil,
            Expr::value(now + lease),
        )
        .filter(inbound_activity::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await
        .context("failed to claim received activities")?;
    claimed.sort_by_key(|row| row.id);
    Ok(claimed)
}

/// How processing one activity ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Done,
    /// Try again at `at`.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Never try again.
    Failed {
        error: String,
    },
}

/// Writes how a batch of claimed activities ended, in one transaction.
pub async fn finish(
    db: &DatabaseConnection,
    outcomes: Vec<(inbound_activity::Model, Outcome)>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let done: Vec<i32> = outcomes
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Done))
        .map(|(row, _)| row.id)
        .collect();
    if !done.is_empty() {
        inbound_activity::Entity::update_many()
            .col_expr(
                inbound_activity::Column::State,
                Expr::value(InboundState::Done),
            )
            .col_expr(
                inbound_activity::Column::Body,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                inbound_activity::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(inbound_activity::Column::ProcessedAt, Expr::value(now))
            .filter(inbound_activity::Column::Id.is_in(done))
            .exec(&txn)
            .await
            .context("failed to record processed activities")?;
    }
    for (row, outcome) in outcomes {
        let mut update = inbound_activity::ActiveModel {
            id: Set(row.id),
            attempts: Set(row.attempts + 1),
            locked_until: Set(None),
            ..Default::default()
        };
        match outcome {
            Outcome::Done => continue,
            Outcome::Retry { error, at } => {
                update.last_error = Set(Some(error));
                update.next_attempt_at = Set(at);
            }
            Outcome::Failed { error } => {
                update.state = Set(InboundState::Failed);
                update.last_error = Set(Some(error));
                update.body = Set(None);
                update.processed_at = Set(Some(now));
            }
        }
        inbound_activity::Entity::update(update)
            .exec(&txn)
            .await
            .context("failed to record an activity's outcome")?;
    }
    txn.commit().await.context("failed to commit outcomes")
}

/// Which of `ids` their senders withdrew: (sender, id) pairs, for checking
/// a whole batch with one query per 500 ids.
pub async fn withdrawals(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> anyhow::Result<std::collections::HashSet<(String, String)>> {
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, Option<String>)> = inbound_activity::Entity::find()
            .select_only()
            .column(inbound_activity::Column::Actor)
            .column(inbound_activity::Column::Withdraws)
            .filter(inbound_activity::Column::Withdraws.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await
            .context("failed to look for withdrawals")?;
        found.extend(
            rows.into_iter()
                .filter_map(|(actor, id)| Some((actor, id?))),
        );
    }
    Ok(found)
}

/// Activities waiting to be processed now (claimed ones included).
pub async fn waiting(db: &DatabaseConnection) -> anyhow::Result<u64> {
    use sea_orm::PaginatorTrait;
    inbound_activity::Entity::find()
        .filter(inbound_activity::Column::State.eq(InboundState::Queued))
        .filter(inbound_activity::Column::NextAttemptAt.lte(Utc::now()))
        .count(db)
        .await
        .context("failed to count waiting activities")
}

/// Forgets processed activities received before `before`.
pub async fn prune(db: &DatabaseConnection, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let result = inbound_activity::Entity::delete_many()
        .filter(inbound_activity::Column::State.ne(InboundState::Queued))
        .filter(inbound_activity::Column::ReceivedAt.lt(before))
        .exec(db)
        .await
        .context("failed to prune received activities")?;
    Ok(result.rows_affected)
}
