//! Likes, boosts and emoji reactions to posts: one of each kind per actor.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;

use crate::entities::reaction;

pub const LIKE: &str = "like";
pub const ANNOUNCE: &str = "announce";
pub const EMOJI: &str = "emoji";

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ReactionCounts {
    pub likes: u64,
    pub boosts: u64,
    pub reactions: u64,
}

/// Records a reaction; a second one of the same kind by the same actor
/// replaces nothing and counts once.
pub async fn add(
    db: &DatabaseConnection,
    post_id: i32,
    actor_id: i32,
    kind: &str,
    emoji: Option<String>,
    activity_ap_id: &str,
) -> anyhow::Result<()> {
    reaction::Entity::insert(reaction::ActiveModel {
        post_id: Set(post_id),
        actor_id: Set(actor_id),
        kind: Set(kind.to_owned()),
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
    .exec(db)
    .await
    .context("failed to store reaction")?;
    Ok(())
}

/// Removes what `Undo` names: the reaction with that activity id, or the
/// actor's reaction of that kind to that post.
pub async fn remove(
    db: &DatabaseConnection,
    actor_id: i32,
    activity_ap_id: Option<&str>,
    post_and_kind: Option<(i32, &str)>,
) -> anyhow::Result<bool> {
    let mut removed = 0;
    if let Some(ap_id) = activity_ap_id {
        removed += reaction::Entity::delete_many()
            .filter(reaction::Column::ActorId.eq(actor_id))
            .filter(reaction::Column::ActivityApId.eq(ap_id))
            .exec(db)
            .await
            .context("failed to remove reaction")?
            .rows_affected;
    }
    if let (0, Some((post_id, kind))) = (removed, post_and_kind) {
        removed += reaction::Entity::delete_many()
            .filter(reaction::Column::ActorId.eq(actor_id))
            .filter(reaction::Column::PostId.eq(post_id))
            .filter(reaction::Column::Kind.eq(kind))
            .exec(db)
            .await
            .context("failed to remove reaction")?
            .rows_affected;
    }
    Ok(removed > 0)
}

/// Counts per post for `post_ids`, in one query.
pub async fn counts(
    db: &DatabaseConnection,
    post_ids: Vec<i32>,
) -> anyhow::Result<std::collections::HashMap<i32, ReactionCounts>> {
    let rows: Vec<(i32, String, i64)> = reaction::Entity::find()
        .select_only()
        .column(reaction::Column::PostId)
        .column(reaction::Column::Kind)
        .column_as(reaction::Column::Id.count(), "n")
        .filter(reaction::Column::PostId.is_in(post_ids))
        .group_by(reaction::Column::PostId)
        .group_by(reaction::Column::Kind)
        .into_tuple()
        .all(db)
        .await
        .context("failed to count reactions")?;
    let mut counts: std::collections::HashMap<i32, ReactionCounts> = Default::default();
    for (post_id, kind, n) in rows {
        let entry = counts.entry(post_id).or_default();
        let n = u64::try_from(n).unwrap_or_default();
        match kind.as_str() {
            ANNOUNCE => entry.boosts += n,
            EMOJI => entry.reactions += n,
            _ => entry.likes += n,
        }
    }
    Ok(counts)
}
