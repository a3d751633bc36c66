//! Who follows the blog. Accepting a follow and queueing the `Accept` happen in
//! one transaction, so a follower is never left waiting.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::OnConflict,
};
use serde::Serialize;

use super::outbox::{self, ActivityKind};
use crate::{
    domain::HttpUrl,
    entities::{actor, follower},
};

#[derive(Debug, Clone, Serialize)]
pub struct FollowerView {
    pub ap_id: String,
    pub handle: String,
    pub name: Option<String>,
    /// Links from the remote profile: only ever http(s).
    pub url: Option<HttpUrl>,
    pub icon_url: Option<HttpUrl>,
    pub since: DateTime<Utc>,
}

/// Records `actor` as a follower (or refreshes the record of a repeated
/// Follow) and queues the `Accept` that `render_accept(activity_uuid)` builds.
pub async fn accept(
    db: &DatabaseConnection,
    actor: &actor::Model,
    follow_ap_id: &str,
    render_accept: impl FnOnce(&str) -> String,
) -> anyhow::Result<()> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    follower::Entity::insert(follower::ActiveModel {
        actor_id: Set(actor.id),
        follow_ap_id: Set(follow_ap_id.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(follower::Column::ActorId)
            .update_column(follower::Column::FollowApId)
            .to_owned(),
    )
    .exec(&txn)
    .await
    .with_context(|| format!("failed to store follower {}", actor.ap_id))?;
    outbox::enqueue_one(&txn, ActivityKind::Accept, render_accept, &actor.inbox).await?;
    txn.commit().await.context("failed to commit follower")?;
    Ok(())
}

/// Whether the account `ap_id` follows the blog.
pub async fn follows(db: &DatabaseConnection, ap_id: &str) -> anyhow::Result<bool> {
    let found = follower::Entity::find()
        .inner_join(actor::Entity)
        .filter(actor::Column::ApId.eq(ap_id))
        .one(db)
        .await
        .with_context(|| format!("failed to check follower {ap_id}"))?;
    Ok(found.is_some())
}

/// A follower moved to account `to` (which lists the old one among its
/// aliases): `to` follows the blog in their place, since when they first
/// did. Their comments keep their old author. Returns whether `from` was a
/// follower.
pub async fn moved(
    db: &DatabaseConnection,
    from_ap_id: &str,
    to: &actor::Model,
) -> anyhow::Result<bool> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let Some(old) = follower::Entity::find()
        .inner_join(actor::Entity)
        .filter(actor::Column::ApId.eq(from_ap_id))
        .one(&txn)
        .await
        .with_context(|| format!("failed to load follower {from_ap_id}"))?
    else {
        return Ok(false);
    };
    let already = follower::Entity::find_by_actor_id(to.id)
        .one(&txn)
        .await
        .context("failed to check the new account")?
        .is_some();
    if already {
        follower::Entity::delete_by_id(old.id)
            .exec(&txn)
            .await
            .context("failed to remove the old account")?;
    } else {
        let mut row: follower::ActiveModel = old.into();
        row.actor_id = Set(to.id);
        sea_orm::ActiveModelTrait::update(row, &txn)
            .await
            .context("failed to move the follower")?;
    }
    txn.commit().await.context("failed to move the follower")?;
    Ok(true)
}

/// Removes the follower with this actor id; returns whether there was one.
pub async fn remove(db: &DatabaseConnection, actor_ap_id: &str) -> anyhow::Result<bool> {
    let Some(actor) = super::actors::find_by_ap_id(db, actor_ap_id).await? else {
        return Ok(false);
    };
    let result = follower::Entity::delete_many()
        .filter(follower::Column::ActorId.eq(actor.id))
        .exec(db)
        .await
        .with_context(|| format!("failed to remove follower {actor_ap_id}"))?;
    Ok(result.rows_affected > 0)
}

pub async fn count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    follower::Entity::find()
        .count(db)
        .await
        .context("failed to count followers")
}

/// Every follower, newest first.
pub async fn list(db: &DatabaseConnection) -> anyhow::Result<Vec<FollowerView>> {
    let rows = follower::Entity::find()
        .find_also_related(actor::Entity)
        .order_by_desc(follower::Column::CreatedAt)
        .all(db)
        .await
        .context("failed to list followers")?;
    Ok(rows
        .into_iter()
        .filter_map(|(f, a)| {
            a.map(|a| FollowerView {
                handle: format!("@{}@{}", a.preferred_username, a.host),
                url: a
                    .url
                    .as_deref()
                    .and_then(HttpUrl::parse_opt)
                    .or_else(|| HttpUrl::parse_opt(&a.ap_id)),
                ap_id: a.ap_id,
                name: a.name,
                icon_url: a.icon_url.as_deref().and_then(HttpUrl::parse_opt),
                since: f.created_at,
            })
        })
        .collect())
}

/// The followers as a CSV file in Mastodon's format for following lists
/// (`Account address,Show boosts,Notify on new posts,Languages`), so that
/// another server can import it.
pub async fn export_csv(db: &DatabaseConnection) -> anyhow::Result<Vec<u8>> {
    let followers = list(db).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "Account address",
        "Show boosts",
        "Notify on new posts",
        "Languages",
    ])
    .context("failed to write the CSV header")?;
    for follower in followers {
        let address = follower.handle.trim_start_matches('@');
        out.write_record([address, "true", "false", ""])
            .context("failed to write a follower")?;
    }
    out.into_inner().context("failed to finish the CSV")
}
