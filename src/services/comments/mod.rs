//! Comments: replies received from the fediverse, their edits and deletions,
//! moderation, and the author's answers.

mod imported;
mod queries;

pub use imported::{ImportedComment, insert_imported, stored_ids};
pub use queries::*;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::{outbox, posts::PostStatus};
use crate::{
    config::{ModerationConfig, ModerationPolicy},
    domain::SafeHtml,
    entities::{actor, comment, post, user},
};

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const SPAM: &str = "spam";
pub const STATUSES: [&str; 4] = [PENDING, APPROVED, REJECTED, SPAM];

/// What a reply answers: one of our posts, or a comment we hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyTarget {
    Post { slug: String },
    Comment { ap_id: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub media_type: Option<String>,
    pub name: Option<String>,
}

/// A reply as read from another server, its HTML already sanitised.
#[derive(Debug, Clone)]
pub struct IncomingReply {
    pub ap_id: String,
    pub url: Option<String>,
    pub target: ReplyTarget,
    pub content: SafeHtml,
    pub content_warning: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    pub mentions: Vec<Mention>,
    pub hashtags: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub published: DateTime<Utc>,
}

#[derive(Debug)]
pub enum Received {
    Stored(Box<comment::Model>),
    /// Already stored under this id.
    Duplicate,
    /// Not a reply to anything on this blog.
    NotForUs,
}

/// What happened to an edit or deletion by a remote actor.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Done,
    Missing,
    /// Someone other than the comment's author tried.
    NotTheAuthor,
}

fn json_list<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// Finds the post and parent a reply belongs under.
async fn resolve(
    db: &DatabaseConnection,
    target: &ReplyTarget,
) -> anyhow::Result<Option<(i32, Option<i32>)>> {
    match target {
        ReplyTarget::Post { slug } => Ok(post::Entity::find()
            .filter(post::Column::Slug.eq(slug.as_str()))
            .filter(post::Column::Status.eq(PostStatus::Published.as_str()))
            .filter(post::Column::DeletedAt.is_null())
            .one(db)
            .await
            .context("failed to look up the replied post")?
            .map(|p| (p.id, None))),
        ReplyTarget::Comment { ap_id } => Ok(comment::Entity::find()
            .filter(comment::Column::ApId.eq(ap_id.as_str()))
            .one(db)
            .await
            .context("failed to look up the replied comment")?
            .map(|c| (c.post_id, Some(c.id)))),
    }
}

async fn initial_status(
    db: &DatabaseConnection,
    actor: &actor::Model,
    content: &str,
    moderation: &ModerationConfig,
) -> anyhow::Result<&'static str> {
    let lower = content.to_lowercase();
    if moderation
        .keywords
        .iter()
        .any(|k| !k.trim().is_empty() && lower.contains(&k.trim().to_lowercase()))
    {
        return Ok(PENDING);
    }
    Ok(match moderation.policy {
        ModerationPolicy::Open => APPROVED,
        ModerationPolicy::All => PENDING,
        ModerationPolicy::FirstTime => {
            let approved_before = comment::Entity::find()
                .filter(comment::Column::ActorId.eq(actor.id))
                .filter(comment::Column::Status.eq(APPROVED))
                .count(db)
                .await
                .context("failed to check the author's history")?;
            if approved_before > 0 {
                APPROVED
            } else {
                PENDING
            }
        }
    })
}

/// Stores a reply from `actor` as a comment, held or approved by the policy.
pub async fn receive(
    db: &DatabaseConnection,
    actor: &actor::Model,
    reply: IncomingReply,
    moderation: &ModerationConfig,
) -> anyhow::Result<Received> {
    // A reply seen before is caught by the unique ap_id on insert.
    let Some((post_id, parent_id)) = resolve(db, &reply.target).await? else {
        return Ok(Received::NotForUs);
    };
    let status = initial_status(db, actor, reply.content.as_str(), moderation).await?;
    let model = comment::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        post_id: Set(post_id),
        parent_id: Set(parent_id),
        ap_id: Set(reply.ap_id),
        url: Set(reply.url),
        actor_id: Set(Some(actor.id)),
        local_author_id: Set(None),
        content_html: Set(reply.content.into_string()),
        content_warning: Set(reply.content_warning),
        sensitive: Set(reply.sensitive),
        language: Set(reply.language),
        mentions: Set(json_list(&reply.mentions)),
        hashtags: Set(json_list(&reply.hashtags)),
        attachments: Set(json_list(&reply.attachments)),
        status: Set(status.to_owned()),
        published_at: Set(reply.published),
        edited_at: Set(None),
        deleted_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match model.insert(db).await {
        Ok(saved) => Ok(Received::Stored(Box::new(saved))),
        // The same reply arrived twice at once.
        Err(err) if super::is_unique_violation(&err) => Ok(Received::Duplicate),
        Err(err) => Err(anyhow::Error::new(err).context("failed to store the reply")),
    }
}

async fn owned(
    db: &DatabaseConnection,
    actor_ap_id: &str,
    ap_id: &str,
) -> anyhow::Result<Result<comment::Model, Change>> {
    let Some((found, author)) = comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id))
        .find_also_related(actor::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load comment {ap_id}"))?
    else {
        return Ok(Err(Change::Missing));
    };
    if author.is_none_or(|a| a.ap_id != actor_ap_id) {
        return Ok(Err(Change::NotTheAuthor));
    }
    Ok(Ok(found))
}

/// Applies an edit by the comment's author.
pub async fn edit(
    db: &DatabaseConnection,
    actor_ap_id: &str,
    reply: IncomingReply,
) -> anyhow::Result<Change> {
    let found = match owned(db, actor_ap_id, &reply.ap_id).await? {
        Ok(found) => found,
        Err(change) => return Ok(change),
    };
    if found.deleted_at.is_some() {
        return Ok(Change::Missing);
    }
    let mut model: comment::ActiveModel = found.into();
    model.content_html = Set(reply.content.into_string());
    model.content_warning = Set(reply.content_warning);
    model.sensitive = Set(reply.sensitive);
    model.mentions = Set(json_list(&reply.mentions));
    model.hashtags = Set(json_list(&reply.hashtags));
    model.attachments = Set(json_list(&reply.attachments));
    model.edited_at = Set(Some(Utc::now()));
    model.update(db).await.context("failed to edit comment")?;
    Ok(Change::Done)
}

fn tombstone(found: comment::Model) -> comment::ActiveModel {
    let mut model: comment::ActiveModel = found.into();
    model.content_html = Set(String::new());
    model.content_warning = Set(None);
    model.mentions = Set("[]".into());
    model.hashtags = Set("[]".into());
    model.attachments = Set("[]".into());
    model.deleted_at = Set(Some(Utc::now()));
    model
}

/// Deletion by the comment's author: a placeholder stays so replies to it
/// keep their place in the thread.
pub async fn delete_remote(
    db: &DatabaseConnection,
    actor_ap_id: &str,
    ap_id: &str,
) -> anyhow::Result<Change> {
    let found = match owned(db, actor_ap_id, ap_id).await? {
        Ok(found) => found,
        Err(change) => return Ok(change),
    };
    tombstone(found)
        .update(db)
        .await
        .context("failed to delete comment")?;
    Ok(Change::Done)
}

/// Removes every comment of an account that deleted itself.
pub async fn delete_all_by(db: &DatabaseConnection, actor_ap_id: &str) -> anyhow::Result<u64> {
    let Some(author) = super::actors::find_by_ap_id(db, actor_ap_id).await? else {
        return Ok(0);
    };
    let txn = db.begin().await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::ActorId.eq(author.id))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&txn)
        .await?;
    let count = rows.len() as u64;
    for row in rows {
        tombstone(row).update(&txn).await?;
    }
    txn.commit()
        .await
        .context("failed to delete the account's comments")?;
    Ok(count)
}

/// Moves comments to another moderation status.
pub async fn set_status(db: &DatabaseConnection, ids: &[i32], status: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        STATUSES.contains(&status),
        "unknown comment status {status}"
    );
    comment::Entity::update_many()
        .col_expr(
            comment::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .context("failed to change comment status")?;
    Ok(())
}

/// Deletes comments by the admin, leaving placeholders in their threads.
pub async fn delete(db: &DatabaseConnection, ids: &[i32]) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&txn)
        .await?;
    for row in rows {
        tombstone(row).update(&txn).await?;
    }
    txn.commit().await.context("failed to delete comments")?;
    Ok(())
}

/// The author's answer to a comment: stored as an approved local comment and
/// queued for the comment's author and the blog's followers, in one transaction.
pub async fn answer(
    db: &DatabaseConnection,
    author: &user::Model,
    parent_id: i32,
    content: SafeHtml,
    ap_id_for: impl FnOnce(&str) -> String,
) -> anyhow::Result<Option<comment::Model>> {
    let txn = db.begin().await?;
    let Some((parent, parent_author)) = comment::Entity::find_by_id(parent_id)
        .find_also_related(actor::Entity)
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let saved = comment::ActiveModel {
        ap_id: Set(ap_id_for(&uuid)),
        uuid: Set(uuid),
        post_id: Set(parent.post_id),
        parent_id: Set(Some(parent.id)),
        url: Set(None),
        actor_id: Set(None),
        local_author_id: Set(Some(author.id)),
        content_html: Set(content.into_string()),
        content_warning: Set(None),
        sensitive: Set(false),
        language: Set(None),
        mentions: Set("[]".into()),
        hashtags: Set("[]".into()),
        attachments: Set("[]".into()),
        status: Set(APPROVED.to_owned()),
        published_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .context("failed to store the answer")?;
    let direct = parent_author.map(|a| a.shared_inbox.filter(|s| !s.is_empty()).unwrap_or(a.inbox));
    outbox::enqueue_answer(&txn, saved.id, parent.post_id, direct).await?;
    txn.commit().await.context("failed to commit the answer")?;
    Ok(Some(saved))
}
