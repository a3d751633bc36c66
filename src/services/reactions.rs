//! Likes, boosts and emoji reactions to posts: one of each kind per actor,
//! counted on the post as they come and go.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement,
    TransactionSession, TryInsertResult,
};
use serde::Serialize;

use crate::entities::{post, reaction};

pub use crate::entities::reaction::ReactionKind;

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ReactionCounts {
    pub likes: u64,
    pub boosts: u64,
    pub reactions: u64,
}

impl ReactionCounts {
    /// The counts kept on the post.
    pub fn kept(post: &post::Model) -> ReactionCounts {
        let count = |n: i32| u64::try_from(n).unwrap_or_default();
        ReactionCounts {
            likes: count(post.like_count),
            boosts: count(post.boost_count),
            reactions: count(post.emoji_count),
        }
    }
}

/// The post column that counts reactions of `kind`.
fn counter(kind: ReactionKind) -> &'static str {
    match kind {
        ReactionKind::Announce => "boost_count",
        ReactionKind::Emoji => "emoji_count",
        ReactionKind::Like => "like_count",
    }
}

async fn count(
    db: &impl ConnectionTrait,
    post_id: i32,
    kind: ReactionKind,
    delta: i64,
) -> anyhow::Result<()> {
    let column = counter(kind);
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!("UPDATE posts SET {column} = {column} + ({delta}) WHERE id = {post_id}"),
    ))
    .await
    .context("failed to count a reaction")?;
    Ok(())
}

/// Records a reaction; a second one of the same kind by the same actor
/// replaces nothing and counts once. Whether it was new.
pub async fn add(
    db: &impl crate::services::Writer,
    post_id: i32,
    actor_id: i32,
    kind: ReactionKind,
    emoji: Option<String>,
    activity_ap_id: &str,
) -> anyhow::Result<bool> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let inserted = reaction::Entity::insert(reaction::ActiveModel {
        post_id: Set(post_id),
        actor_id: Set(actor_id),
        kind: Set(kind),
        emoji: Set(emoji),
        activity_ap_id: Set(activity_ap_id.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        reaction::Column::PostId,
        reaction::Column::ActorId,
        reaction::Column::Kind,
    ])
    .exec(&txn)
    .await
    .context("failed to store reaction")?;
    let new = matches!(inserted, TryInsertResult::Inserted(_));
    if new {
        count(&txn, post_id, kind, 1).await?;
    }
    txn.commit().await.context("failed to commit a reaction")?;
    Ok(new)
}

/// Removes what `Undo` names: the reaction with that activity id, or the
/// actor's reaction of that kind to that post. The post it was on, if any.
pub async fn remove(
    db: &impl crate::services::Writer,
    actor_id: i32,
    activity_ap_id: Option<&str>,
    post_and_kind: Option<(i32, ReactionKind)>,
) -> anyhow::Result<Option<i32>> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let mut found = None;
    if let Some(ap_id) = activity_ap_id {
        found = reaction::Entity::find()
            .filter(reaction::Column::ActorId.eq(actor_id))
            .filter(reaction::Column::ActivityApId.eq(ap_id))
            .one(&txn)
            .await
            .context("failed to find a reaction")?;
    }
    if let (None, Some((post_id, kind))) = (&found, post_and_kind) {
        found = reaction::Entity::find()
            .filter(reaction::Column::ActorId.eq(actor_id))
            .filter(reaction::Column::PostId.eq(post_id))
            .filter(reaction::Column::Kind.eq(kind))
            .one(&txn)
            .await
            .context("failed to find a reaction")?;
    }
    let Some(found) = found else {
        return Ok(None);
    };
    let removed = reaction::Entity::delete_by_id(found.id)
        .exec(&txn)
        .await
        .context("failed to remove reaction")?;
    if removed.rows_affected > 0 {
        count(&txn, found.post_id, found.kind, -1).await?;
    }
    txn.commit().await.context("failed to commit a reaction")?;
    Ok(Some(found.post_id))
}
