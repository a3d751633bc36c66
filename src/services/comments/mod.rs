//! Comments: replies received from the fediverse, their edits and deletions,
//! moderation, and the author's answers.

mod collections;
mod imported;
mod kept;
mod queries;
mod threads;

pub use collections::{IdPage, Listing, listed_count, listed_page};
pub use imported::{ImportedComment, insert_imported, stored_ids};
pub use queries::*;
pub use threads::*;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, TransactionSession,
};

use super::{
    outbox,
    posts::{PostStatus, ReplyPolicy},
};
use crate::{
    config::{ModerationConfig, ModerationPolicy},
    domain::{HttpUrl, SafeHtml},
    entities::{actor, comment, follower, post, user},
};

pub use crate::entities::comment::CommentStatus;

/// What a reply answers: one of our posts, or a comment we hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyTarget {
    Post { slug: String },
    Comment { ap_id: String },
}

pub use crate::entities::comment::{Arrival, Attachment, Attachments, Hashtags, Mention, Mentions};

/// A reply as read from another server, its HTML already sanitised.
#[derive(Debug, Clone)]
pub struct IncomingReply {
    pub ap_id: String,
    pub url: Option<HttpUrl>,
    pub target: ReplyTarget,
    pub content: SafeHtml,
    pub content_warning: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    pub mentions: Vec<Mention>,
    pub hashtags: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub published: DateTime<Utc>,
    pub arrival: Arrival,
    /// Its own `replies` collection and its conversation's `context`,
    /// where it names them.
    pub replies_url: Option<HttpUrl>,
    pub context_url: Option<HttpUrl>,
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
    /// Made, to a comment under `post_id`, shown publicly when `public`.
    Done {
        post_id: i32,
        public: bool,
    },
    Missing,
    /// Someone other than the comment's author tried.
    NotTheAuthor,
}

/// A new comment row with what every comment has; the kinds of comment
/// (received, answered here, imported) add their own fields.
pub(super) struct NewRow {
    pub post_id: i32,
    pub parent_id: Option<i32>,
    pub ap_id: String,
    pub uuid: String,
    pub content_html: String,
    pub status: CommentStatus,
    pub published_at: chrono::DateTime<Utc>,
}

impl NewRow {
    pub(super) fn into_model(self) -> comment::ActiveModel {
        comment::ActiveModel {
            uuid: Set(self.uuid),
            post_id: Set(self.post_id),
            parent_id: Set(self.parent_id),
            ap_id: Set(self.ap_id),
            url: Set(None),
            actor_id: Set(None),
            local_author_id: Set(None),
            content_html: Set(self.content_html),
            content_warning: Set(None),
            sensitive: Set(false),
            language: Set(None),
            mentions: Set(Mentions::default()),
            hashtags: Set(Hashtags::default()),
            attachments: Set(Attachments::default()),
            status: Set(self.status),
            published_at: Set(self.published_at),
            edited_at: Set(None),
            deleted_at: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
    }
}

/// Where a reply goes: its post, the comment it answers and that comment's
/// thread.
struct Place {
    post_id: i32,
    parent_id: Option<i32>,
    thread: Option<i32>,
}

fn place_under(parent: &comment::Model) -> Place {
    Place {
        post_id: parent.post_id,
        parent_id: Some(parent.id),
        thread: Some(parent.thread_id.unwrap_or(parent.id)),
    }
}

/// Finds the post and parent a reply belongs under.
async fn resolve(db: &impl ConnectionTrait, target: &ReplyTarget) -> anyhow::Result<Option<Place>> {
    match target {
        ReplyTarget::Post { slug } => Ok(post::Entity::find_by_slug(slug.as_str())
            .filter(post::Column::Status.eq(PostStatus::Published))
            .filter(post::Column::DeletedAt.is_null())
            .one(db)
            .await
            .context("failed to look up the replied post")?
            .map(|p| Place {
                post_id: p.id,
                parent_id: None,
                thread: None,
            })),
        ReplyTarget::Comment { ap_id } => Ok(comment::Entity::find_by_ap_id(ap_id.as_str())
            .one(db)
            .await
            .context("failed to look up the replied comment")?
            .map(|c| place_under(&c))),
    }
}

async fn initial_status(
    db: &impl ConnectionTrait,
    actor: &actor::Model,
    content: &str,
    moderation: &ModerationConfig,
) -> anyhow::Result<CommentStatus> {
    let lower = content.to_lowercase();
    if moderation
        .keywords
        .iter()
        .any(|k| !k.trim().is_empty() && lower.contains(&k.trim().to_lowercase()))
    {
        return Ok(CommentStatus::Pending);
    }
    Ok(match moderation.policy {
        ModerationPolicy::Open => CommentStatus::Approved,
        ModerationPolicy::All => CommentStatus::Pending,
        ModerationPolicy::FirstTime => {
            let approved_before = comment::Entity::find()
                .select_only()
                .column(comment::Column::Id)
                .filter(comment::Column::ActorId.eq(actor.id))
                .filter(comment::Column::Status.eq(CommentStatus::Approved))
                .into_tuple::<i32>()
                .one(db)
                .await
                .context("failed to check the author's history")?;
            if approved_before.is_some() {
                CommentStatus::Approved
            } else {
                CommentStatus::Pending
            }
        }
    })
}

/// Whether the post's reply setting lets `actor` reply there: everyone,
/// followers of the blog and the accounts mentioned in the reply they
/// answer, or nobody.
async fn admitted(
    db: &impl ConnectionTrait,
    actor: &actor::Model,
    place: &Place,
) -> anyhow::Result<bool> {
    let policy: Option<ReplyPolicy> = post::Entity::find_by_id(place.post_id)
        .select_only()
        .column(post::Column::ReplyPolicy)
        .into_tuple()
        .one(db)
        .await
        .context("failed to read who may reply")?;
    let policy = policy.unwrap_or_default();
    if policy != ReplyPolicy::Followers {
        return Ok(policy.admits(false, false));
    }
    let follows = follower::Entity::find_by_actor_id(actor.id)
        .one(db)
        .await
        .context("failed to check whether the author follows the blog")?
        .is_some();
    let mentioned = match place.parent_id {
        Some(parent) if !follows => comment::Entity::find_by_id(parent)
            .one(db)
            .await
            .context("failed to read the comment answered")?
            .is_some_and(|c| c.mentions.0.iter().any(|m| m.href.as_str() == actor.ap_id)),
        _ => false,
    };
    Ok(policy.admits(follows, mentioned))
}

/// Stores a reply from `actor` as a comment, held or approved by the policy,
/// or rejected when the post's reply setting does not allow its author.
/// The comment and the counts it adds to are written in one transaction.
pub async fn receive(
    db: &impl crate::services::Writer,
    actor: &actor::Model,
    reply: IncomingReply,
    moderation: &ModerationConfig,
) -> anyhow::Result<Received> {
    // A reply seen before is caught by the unique ap_id on insert.
    let Some(place) = resolve(db, &reply.target).await? else {
        return Ok(Received::NotForUs);
    };
    let status = if admitted(db, actor, &place).await? {
        initial_status(db, actor, reply.content.as_str(), moderation).await?
    } else {
        CommentStatus::Rejected
    };
    let model = comment::ActiveModel {
        url: Set(reply.url.map(String::from)),
        actor_id: Set(Some(actor.id)),
        content_warning: Set(reply.content_warning),
        sensitive: Set(reply.sensitive),
        language: Set(reply.language),
        mentions: Set(Mentions(reply.mentions)),
        hashtags: Set(Hashtags(reply.hashtags)),
        attachments: Set(Attachments(reply.attachments)),
        arrival: Set(reply.arrival),
        replies_url: Set(reply.replies_url.map(String::from)),
        context_url: Set(reply.context_url.map(String::from)),
        ..NewRow {
            post_id: place.post_id,
            parent_id: place.parent_id,
            ap_id: reply.ap_id,
            uuid: uuid::Uuid::new_v4().to_string(),
            content_html: reply.content.into_string(),
            status,
            published_at: reply.published,
        }
        .into_model()
    };
    let (txn, _turn) = crate::services::begin_write(db).await?;
    match kept::insert(&txn, model, place.thread).await {
        Ok(saved) => {
            txn.commit().await.context("failed to store the reply")?;
            Ok(Received::Stored(Box::new(saved)))
        }
        // The same reply arrived twice at once.
        Err(err) if super::is_unique_violation(&err) => Ok(Received::Duplicate),
        Err(err) => Err(anyhow::Error::new(err).context("failed to store the reply")),
    }
}

/// A comment looked up for its author to change.
enum Owned {
    Found(Box<comment::Model>),
    /// No such comment, or someone else's: what to answer.
    Not(Change),
}

async fn owned(db: &impl ConnectionTrait, actor_ap_id: &str, ap_id: &str) -> anyhow::Result<Owned> {
    let Some((found, author)) = comment::Entity::find_by_ap_id(ap_id)
        .find_also_related(actor::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load comment {ap_id}"))?
    else {
        return Ok(Owned::Not(Change::Missing));
    };
    if author.is_none_or(|a| a.ap_id != actor_ap_id) {
        return Ok(Owned::Not(Change::NotTheAuthor));
    }
    Ok(Owned::Found(Box::new(found)))
}

/// Applies an edit by the comment's author.
pub async fn edit(
    db: &impl ConnectionTrait,
    actor_ap_id: &str,
    reply: IncomingReply,
) -> anyhow::Result<Change> {
    let found = match owned(db, actor_ap_id, &reply.ap_id).await? {
        Owned::Found(found) => *found,
        Owned::Not(change) => return Ok(change),
    };
    if found.deleted_at.is_some() {
        return Ok(Change::Missing);
    }
    let done = Change::Done {
        post_id: found.post_id,
        public: found.visible,
    };
    let mut model: comment::ActiveModel = found.into();
    model.content_html = Set(reply.content.into_string());
    model.content_warning = Set(reply.content_warning);
    model.sensitive = Set(reply.sensitive);
    model.mentions = Set(Mentions(reply.mentions));
    model.hashtags = Set(Hashtags(reply.hashtags));
    model.attachments = Set(Attachments(reply.attachments));
    model.edited_at = Set(Some(Utc::now()));
    model.update(db).await.context("failed to edit comment")?;
    Ok(done)
}

fn tombstone(found: comment::Model) -> comment::ActiveModel {
    let mut model: comment::ActiveModel = found.into();
    model.content_html = Set(String::new());
    model.content_warning = Set(None);
    model.mentions = Set(Mentions::default());
    model.hashtags = Set(Hashtags::default());
    model.attachments = Set(Attachments::default());
    model.deleted_at = Set(Some(Utc::now()));
    model
}

/// Leaves placeholders for these comments, so that answers to them keep
/// their place in the thread, and recounts; returns the posts touched.
async fn tombstone_all(
    db: &impl ConnectionTrait,
    rows: Vec<comment::Model>,
) -> anyhow::Result<Vec<i32>> {
    let ids: Vec<i32> = rows.iter().map(|c| c.id).collect();
    for row in rows {
        tombstone(row)
            .update(db)
            .await
            .context("failed to delete a comment")?;
    }
    kept::settle(db, &ids).await
}

/// Deletion by the comment's author: a placeholder stays so replies to it
/// keep their place in the thread.
pub async fn delete_remote(
    db: &impl crate::services::Writer,
    actor_ap_id: &str,
    ap_id: &str,
) -> anyhow::Result<Change> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let found = match owned(&txn, actor_ap_id, ap_id).await? {
        Owned::Found(found) => *found,
        Owned::Not(change) => return Ok(change),
    };
    let done = Change::Done {
        post_id: found.post_id,
        public: found.visible,
    };
    tombstone_all(&txn, vec![found]).await?;
    txn.commit().await.context("failed to delete comment")?;
    Ok(done)
}

/// Removes every comment of an account that deleted itself; how many, and
/// the posts whose pages showed them.
pub async fn delete_all_by(
    db: &impl crate::services::Writer,
    actor_ap_id: &str,
) -> anyhow::Result<(usize, Vec<i32>)> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let Some(author) = actor::Entity::find_by_ap_id(actor_ap_id)
        .one(&txn)
        .await
        .with_context(|| format!("failed to load actor {actor_ap_id}"))?
    else {
        return Ok((0, Vec::new()));
    };
    let rows = comment::Entity::find()
        .filter(comment::Column::ActorId.eq(author.id))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&txn)
        .await?;
    let count = rows.len();
    let posts = tombstone_all(&txn, rows).await?;
    txn.commit()
        .await
        .context("failed to delete the account's comments")?;
    Ok((count, posts))
}

/// Moves comments to another moderation status; returns the posts touched.
pub async fn set_status(
    db: &DatabaseConnection,
    ids: &[i32],
    status: CommentStatus,
) -> anyhow::Result<Vec<i32>> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    comment::Entity::update_many()
        .col_expr(
            comment::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .exec(&txn)
        .await
        .context("failed to change comment status")?;
    let posts = kept::settle(&txn, ids).await?;
    txn.commit()
        .await
        .context("failed to commit comment status")?;
    Ok(posts)
}

/// Deletes comments by the admin, leaving placeholders in their threads;
/// returns the posts touched.
pub async fn delete(db: &DatabaseConnection, ids: &[i32]) -> anyhow::Result<Vec<i32>> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&txn)
        .await?;
    let posts = tombstone_all(&txn, rows).await?;
    txn.commit().await.context("failed to delete comments")?;
    Ok(posts)
}

/// Hides the comments of these authors (a block was added), or shows them
/// again; returns the posts touched.
pub async fn hide_authors(
    db: &DatabaseConnection,
    actor_ids: &[i32],
    hidden: bool,
) -> anyhow::Result<Vec<i32>> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let posts = kept::set_hidden(&txn, actor_ids, hidden).await?;
    txn.commit().await.context("failed to hide comments")?;
    Ok(posts)
}

/// The author's answer to a comment: stored as an approved local comment and
/// queued for the comment's author and the blog's followers, in one
/// transaction. The comment answered is plainly welcome, so a held one is
/// approved with it.
pub async fn answer(
    db: &DatabaseConnection,
    author: &user::Model,
    parent_id: i32,
    content: SafeHtml,
    ap_id_for: impl FnOnce(&str) -> String,
) -> anyhow::Result<Option<comment::Model>> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let Some((parent, parent_author)) = comment::Entity::find_by_id(parent_id)
        .find_also_related(actor::Entity)
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    if parent.status == CommentStatus::Pending {
        comment::Entity::update_many()
            .col_expr(
                comment::Column::Status,
                sea_orm::sea_query::Expr::value(CommentStatus::Approved),
            )
            .filter(comment::Column::Id.eq(parent.id))
            .exec(&txn)
            .await
            .context("failed to approve the comment answered")?;
        kept::settle(&txn, &[parent.id]).await?;
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let place = place_under(&parent);
    let row = comment::ActiveModel {
        local_author_id: Set(Some(author.id)),
        ..NewRow {
            post_id: place.post_id,
            parent_id: place.parent_id,
            ap_id: ap_id_for(&uuid),
            uuid,
            content_html: content.into_string(),
            status: CommentStatus::Approved,
            published_at: Utc::now(),
        }
        .into_model()
    };
    let saved = kept::insert(&txn, row, place.thread)
        .await
        .context("failed to store the answer")?;
    let direct = parent_author.map(|a| a.shared_inbox.filter(|s| !s.is_empty()).unwrap_or(a.inbox));
    outbox::enqueue_answer(&txn, saved.id, parent.post_id, direct).await?;
    txn.commit().await.context("failed to commit the answer")?;
    Ok(Some(saved))
}
