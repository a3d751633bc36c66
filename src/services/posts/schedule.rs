//! Scheduled posts going public at their time, also when the server was
//! down at that moment (they go public at the next start).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use super::PostStatus;
use crate::{
    entities::post,
    services::outbox::{self, ActivityKind},
};

/// Publishes every scheduled post whose time has come and queues its
/// `Create` for the followers, in one transaction. Several processes may
/// call this at once: the status change is a single conditional `UPDATE`,
/// so each post is published (and announced) by exactly one of them.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<Vec<i32>> {
    let (txn, _turn) = crate::services::begin_write(db)
        .await
        .context("failed to start publishing scheduled posts")?;
    let published = post::Entity::update_many()
        .col_expr(post::Column::Status, Expr::value(PostStatus::Published))
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .filter(post::Column::PublishedAt.lte(now))
        .filter(post::Column::DeletedAt.is_null())
        .exec_with_returning(&txn)
        .await
        .context("failed to publish scheduled posts")?;
    let ids: Vec<i32> = published.iter().map(|p| p.id).collect();
    for id in &ids {
        outbox::enqueue_for_followers(&txn, ActivityKind::Create, *id).await?;
    }
    txn.commit()
        .await
        .context("failed to commit scheduled posts")?;
    Ok(ids)
}

/// When the next scheduled post is due.
pub async fn next_due(db: &DatabaseConnection) -> anyhow::Result<Option<DateTime<Utc>>> {
    let next: Option<Option<DateTime<Utc>>> = post::Entity::find()
        .select_only()
        .column(post::Column::PublishedAt)
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .filter(post::Column::DeletedAt.is_null())
        .order_by_asc(post::Column::PublishedAt)
        .into_tuple()
        .one(db)
        .await
        .context("failed to find the next scheduled post")?;
    Ok(next.flatten())
}
