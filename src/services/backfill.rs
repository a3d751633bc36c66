//! The durable queue of other servers' collections to walk for replies the
//! blog was not sent (backfill): a reply's `replies`, its conversation's
//! `context`. Walking them is the federation layer's business; which to
//! walk, when, and what a walk ended with is decided here.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, LockBehavior, LockType},
};

use crate::{
    domain::HttpUrl,
    entities::{
        backfill_job,
        comment::{self, CommentStatus},
        post::{self, PostStatus},
    },
};

/// Failed walks of one collection before it is given up.
pub const MAX_ATTEMPTS: i32 = 5;

/// Replies whose collections one periodic walk queues at most, the newest:
/// a post with thousands of replies costs a bounded number of fetches an
/// hour.
pub const SWEEP_REPLIES: u64 = 500;

/// Queues each collection for post `post_id` at `depth`, unless it is
/// queued already.
pub async fn enqueue(
    db: &impl sea_orm::ConnectionTrait,
    post_id: i32,
    depth: i32,
    urls: impl IntoIterator<Item = HttpUrl>,
) -> anyhow::Result<()> {
    insert(db, urls.into_iter().map(|url| (post_id, depth, url))).await
}

/// Queues collections, each for a post at a depth, skipping those queued.
async fn insert(
    db: &impl sea_orm::ConnectionTrait,
    jobs: impl IntoIterator<Item = (i32, i32, HttpUrl)>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let rows: Vec<backfill_job::ActiveModel> = jobs
        .into_iter()
        .map(|(post_id, depth, url)| backfill_job::ActiveModel {
            post_id: Set(post_id),
            url: Set(url.to_string()),
            depth: Set(depth),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    // In chunks, to stay under bind-parameter limits.
    for chunk in rows.chunks(500) {
        backfill_job::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([backfill_job::Column::Url])
            .exec(db)
            .await
            .context("failed to queue collections to walk")?;
    }
    Ok(())
}

/// Queues again the collections of the newest replies held under posts
/// published since `since` (the periodic walk); how many replies were read.
pub async fn sweep(db: &DatabaseConnection, since: DateTime<Utc>) -> anyhow::Result<usize> {
    let recent = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::Status.eq(PostStatus::Published))
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::PublishedAt.gte(since))
        .into_query();
    let rows: Vec<(i32, Option<String>, Option<String>)> = comment::Entity::find()
        .select_only()
        .column(comment::Column::PostId)
        .column(comment::Column::RepliesUrl)
        .column(comment::Column::ContextUrl)
        .filter(comment::Column::PostId.in_subquery(recent))
        .filter(comment::Column::ActorId.is_not_null())
        .filter(comment::Column::Status.eq(CommentStatus::Approved))
        .order_by_desc(comment::Column::PublishedAt)
        .limit(SWEEP_REPLIES)
        .into_tuple()
        .all(db)
        .await
        .context("failed to read the collections of recent replies")?;
    let count = rows.len();
    let jobs = rows.into_iter().flat_map(|(post_id, replies, context)| {
        [replies, context]
            .into_iter()
            .flatten()
            .filter_map(|u| HttpUrl::parse_opt(&u))
            .map(move |url| (post_id, 1, url))
    });
    insert(db, jobs).await?;
    Ok(count)
}

/// Takes the next collection due, leased for `lease`.
pub async fn claim(
    db: &DatabaseConnection,
    lease: Duration,
) -> anyhow::Result<Option<backfill_job::Model>> {
    let now = Utc::now();
    let mut due = backfill_job::Entity::find()
        .select_only()
        .column(backfill_job::Column::Id)
        .filter(backfill_job::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(backfill_job::Column::NextAttemptAt.lte(now))
        .filter(super::lease_free(backfill_job::Column::LockedUntil, now))
        .order_by_asc(backfill_job::Column::NextAttemptAt)
        .order_by_asc(backfill_job::Column::Id)
        .limit(1)
        .into_query();
    due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    let claimed = backfill_job::Entity::update_many()
        .col_expr(backfill_job::Column::LockedUntil, Expr::value(now + lease))
        .filter(backfill_job::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await
        .context("failed to claim a collection to walk")?;
    Ok(claimed.into_iter().next())
}

/// A walk done: the collection leaves the queue.
pub async fn done(db: &DatabaseConnection, id: i32) -> anyhow::Result<()> {
    backfill_job::Entity::delete_by_id(id)
        .exec(db)
        .await
        .context("failed to finish a walk")?;
    Ok(())
}

/// A walk failed: tried again at `at`, or given up (kept with its error)
/// after [`MAX_ATTEMPTS`], or at once when it can never succeed.
pub async fn failed(
    db: &DatabaseConnection,
    job: &backfill_job::Model,
    error: String,
    again_at: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let attempts = match again_at {
        Some(_) => job.attempts + 1,
        None => MAX_ATTEMPTS,
    };
    backfill_job::Entity::update_many()
        .col_expr(backfill_job::Column::Attempts, Expr::value(attempts))
        .col_expr(backfill_job::Column::LastError, Expr::value(error))
        .col_expr(
            backfill_job::Column::NextAttemptAt,
            Expr::value(again_at.unwrap_or(job.next_attempt_at)),
        )
        .col_expr(
            backfill_job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(backfill_job::Column::Id.eq(job.id))
        .exec(db)
        .await
        .context("failed to record a failed walk")?;
    Ok(())
}

/// Whether a reply with this ActivityPub id is held already.
pub async fn held(db: &DatabaseConnection, ap_id: &str) -> anyhow::Result<bool> {
    Ok(comment::Entity::find_by_ap_id(ap_id)
        .one(db)
        .await
        .with_context(|| format!("failed to look up reply {ap_id}"))?
        .is_some())
}
