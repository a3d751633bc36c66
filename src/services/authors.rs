//! Authors as fediverse accounts of their own (`@name@host`), when they
//! choose: followable on their own, sending their posts to their followers
//! and the blog's. A blog whose authors keep no account works as before.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionSession, sea_query::OnConflict,
};
use serde::Serialize;

use super::outbox::{self, ActivityKind};
use crate::entities::{actor, author_follower, post, user};

/// An author with an account of their own.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorAccount {
    pub id: i32,
    pub username: String,
    /// What they are called: their display name, else their username.
    pub name: String,
    pub since: chrono::DateTime<Utc>,
}

impl From<user::Model> for AuthorAccount {
    fn from(u: user::Model) -> AuthorAccount {
        AuthorAccount {
            id: u.id,
            name: u.display_name.unwrap_or(u.username.clone()),
            username: u.username,
            since: u.created_at,
        }
    }
}

/// The author called `username`, when they have an account of their own.
pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> anyhow::Result<Option<AuthorAccount>> {
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .filter(user::Column::FediverseAccount.eq(true))
        .one(db)
        .await
        .with_context(|| format!("failed to load author {username}"))?;
    Ok(found.map(AuthorAccount::from))
}

/// The account of the author of post `post_id`, if they keep one.
pub async fn of_post(
    db: &impl ConnectionTrait,
    post_id: i32,
) -> anyhow::Result<Option<AuthorAccount>> {
    let found = post::Entity::find_by_id(post_id)
        .find_also_related(user::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load the author of post {post_id}"))?;
    Ok(found
        .and_then(|(_, author)| author)
        .filter(|u| u.fediverse_account)
        .map(AuthorAccount::from))
}

/// Turns user `id`'s own account on or off.
pub async fn set_account(db: &DatabaseConnection, id: i32, on: bool) -> anyhow::Result<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::FediverseAccount,
            sea_orm::sea_query::Expr::value(on),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await
        .with_context(|| format!("failed to change user {id}'s account"))?;
    Ok(())
}

/// Records `actor` as a follower of author `user_id` and queues the
/// `Accept` (from the author's account) that `render_accept` builds.
pub async fn accept_follow(
    db: &impl crate::services::Writer,
    user_id: i32,
    actor: &actor::Model,
    follow_ap_id: &str,
    render_accept: impl FnOnce(&str) -> String,
) -> anyhow::Result<()> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    author_follower::Entity::insert(author_follower::ActiveModel {
        user_id: Set(user_id),
        actor_id: Set(actor.id),
        follow_ap_id: Set(follow_ap_id.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            author_follower::Column::UserId,
            author_follower::Column::ActorId,
        ])
        .update_column(author_follower::Column::FollowApId)
        .to_owned(),
    )
    .exec(&txn)
    .await
    .with_context(|| format!("failed to store follower {}", actor.ap_id))?;
    outbox::enqueue_one_from(
        &txn,
        ActivityKind::Accept,
        Some(user_id),
        render_accept,
        &actor.inbox,
    )
    .await?;
    txn.commit().await.context("failed to commit follower")?;
    Ok(())
}

/// Removes `actor_ap_id` from author `user_id`'s followers; or, with no
/// author named, the follow `follow_ap_id` of that account, whichever
/// author it was for. Returns whether there was one.
pub async fn remove_follower(
    db: &DatabaseConnection,
    actor_ap_id: &str,
    user_id: Option<i32>,
    follow_ap_id: Option<&str>,
) -> anyhow::Result<bool> {
    let Some(actor) = super::actors::find_by_ap_id(db, actor_ap_id).await? else {
        return Ok(false);
    };
    let mut delete = author_follower::Entity::delete_many()
        .filter(author_follower::Column::ActorId.eq(actor.id));
    match (user_id, follow_ap_id) {
        (Some(user_id), _) => {
            delete = delete.filter(author_follower::Column::UserId.eq(user_id));
        }
        (None, Some(follow)) => {
            delete = delete.filter(author_follower::Column::FollowApId.eq(follow));
        }
        (None, None) => return Ok(false),
    }
    let result = delete
        .exec(db)
        .await
        .with_context(|| format!("failed to remove follower {actor_ap_id}"))?;
    Ok(result.rows_affected > 0)
}

pub async fn follower_count(db: &DatabaseConnection, user_id: i32) -> anyhow::Result<u64> {
    author_follower::Entity::find()
        .filter(author_follower::Column::UserId.eq(user_id))
        .count(db)
        .await
        .context("failed to count an author's followers")
}

/// The inboxes of author `user_id`'s followers (shared ones where given).
pub async fn follower_inboxes(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> anyhow::Result<Vec<String>> {
    let query = author_follower::Entity::find()
        .filter(author_follower::Column::UserId.eq(user_id))
        .inner_join(actor::Entity);
    outbox::inboxes_of(query, db)
        .await
        .context("failed to load an author's follower inboxes")
}
