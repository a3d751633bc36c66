//! The blog's own quotes of other servers' posts (FEP-044f): the author
//! names the post to quote; it is read, its author asked, and the answer
//! kept. Reading and asking are the federation layer's business; what is
//! kept, and when followers are told, is decided here.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, LockBehavior, LockType},
};
use serde::Serialize;

use super::outbox::{self, ActivityKind};
use crate::{
    domain::HttpUrl,
    entities::{
        outgoing_quote::{self, QuoteState},
        post::{self, PostStatus},
    },
};

/// Failed reads of a quoted post before it is given up.
pub const MAX_ATTEMPTS: i32 = 5;

/// A quoted post as pages and the Article show it.
#[derive(Debug, Clone, Serialize)]
pub struct QuotedView {
    pub url: String,
    pub state: QuoteState,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    pub author_url: Option<String>,
    pub content_html: Option<String>,
    pub authorization: Option<String>,
}

impl From<outgoing_quote::Model> for QuotedView {
    fn from(row: outgoing_quote::Model) -> QuotedView {
        QuotedView {
            url: row.url,
            state: row.state,
            author_name: row.author_name,
            author_handle: row.author_handle,
            author_url: row.author_url,
            content_html: row.content_html,
            authorization: row.authorization,
        }
    }
}

/// In a post's save: the post it quotes now. A new one is read and asked
/// for afresh; none forgets the quote.
pub async fn set(
    db: &impl ConnectionTrait,
    post_id: i32,
    quoted: Option<&HttpUrl>,
) -> anyhow::Result<()> {
    let existing = outgoing_quote::Entity::find_by_post_id(post_id)
        .one(db)
        .await
        .context("failed to load the post's quote")?;
    match (existing, quoted) {
        (Some(row), Some(url)) if row.url == url.as_str() => Ok(()),
        (existing, quoted) => {
            if let Some(row) = existing {
                outgoing_quote::Entity::delete_by_id(row.id)
                    .exec(db)
                    .await
                    .context("failed to forget the post's quote")?;
            }
            let Some(url) = quoted else {
                return Ok(());
            };
            let now = Utc::now();
            outgoing_quote::ActiveModel {
                post_id: Set(post_id),
                url: Set(url.to_string()),
                state: Set(QuoteState::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .context("failed to store the post's quote")?;
            Ok(())
        }
    }
}

/// The quote of each of these posts that has one.
pub async fn of_posts(
    db: &DatabaseConnection,
    post_ids: &[i32],
) -> anyhow::Result<Vec<(i32, QuotedView)>> {
    let rows = outgoing_quote::Entity::find()
        .filter(outgoing_quote::Column::PostId.is_in(post_ids.iter().copied()))
        .all(db)
        .await
        .context("failed to load the posts' quotes")?;
    Ok(rows.into_iter().map(|r| (r.post_id, r.into())).collect())
}

/// Takes the next quoted post due to be read, leased for `lease`, with
/// the post's slug (its id, for the request's `instrument`).
pub async fn claim(
    db: &DatabaseConnection,
    lease: chrono::Duration,
) -> anyhow::Result<Option<(outgoing_quote::Model, String)>> {
    let now = Utc::now();
    let mut due = outgoing_quote::Entity::find()
        .select_only()
        .column(outgoing_quote::Column::Id)
        .filter(outgoing_quote::Column::State.eq(QuoteState::Pending))
        .filter(outgoing_quote::Column::NextAttemptAt.lte(now))
        .filter(super::lease_free(outgoing_quote::Column::LockedUntil, now))
        .order_by_asc(outgoing_quote::Column::NextAttemptAt)
        .limit(1)
        .into_query();
    due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    let claimed = outgoing_quote::Entity::update_many()
        .col_expr(
            outgoing_quote::Column::LockedUntil,
            Expr::value(now + lease),
        )
        .filter(outgoing_quote::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await
        .context("failed to claim a quote to read")?;
    let Some(row) = claimed.into_iter().next() else {
        return Ok(None);
    };
    let slug = post::Entity::find_by_id(row.post_id)
        .one(db)
        .await
        .context("failed to load the quoting post")?
        .map(|p| p.slug)
        .unwrap_or_default();
    Ok(Some((row, slug)))
}

/// What was read of a quoted post.
#[derive(Debug, Clone)]
pub struct Read {
    pub author_ap_id: String,
    pub author_name: String,
    pub author_handle: String,
    pub author_url: Option<String>,
    pub content_html: String,
    /// Where its author is asked.
    pub inbox: String,
}

/// Keeps what was read and queues the request for the author's inbox
/// (`render` builds it from its activity uuid), in one transaction.
pub async fn read(
    db: &DatabaseConnection,
    row: &outgoing_quote::Model,
    read: Read,
    render: impl FnOnce(&str) -> String,
) -> anyhow::Result<()> {
    let (txn, _turn) = super::begin_write(db).await?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let mut changed: outgoing_quote::ActiveModel = row.clone().into();
    changed.state = Set(QuoteState::Requested);
    changed.author_ap_id = Set(Some(read.author_ap_id));
    changed.author_name = Set(Some(read.author_name));
    changed.author_handle = Set(Some(read.author_handle));
    changed.author_url = Set(read.author_url);
    changed.content_html = Set(Some(read.content_html));
    changed.request_uuid = Set(Some(uuid.clone()));
    changed.locked_until = Set(None);
    changed.last_error = Set(None);
    changed.updated_at = Set(Utc::now());
    changed
        .update(&txn)
        .await
        .context("failed to keep the quoted post")?;
    let payload = render(&uuid);
    outbox::enqueue_one_as(&txn, ActivityKind::QuoteRequest, uuid, payload, &read.inbox).await?;
    txn.commit().await.context("failed to ask for the quote")?;
    Ok(())
}

/// Reading the quoted post failed: tried again at `again_at`, or marked
/// failed after [`MAX_ATTEMPTS`] or when it never can succeed.
pub async fn unread(
    db: &DatabaseConnection,
    row: &outgoing_quote::Model,
    error: String,
    again_at: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let attempts = row.attempts + 1;
    let mut changed: outgoing_quote::ActiveModel = row.clone().into();
    changed.attempts = Set(attempts);
    changed.last_error = Set(Some(error));
    changed.locked_until = Set(None);
    changed.updated_at = Set(Utc::now());
    match again_at {
        Some(at) if attempts < MAX_ATTEMPTS => changed.next_attempt_at = Set(at),
        _ => changed.state = Set(QuoteState::Failed),
    }
    changed
        .update(db)
        .await
        .context("failed to record a failed read")?;
    Ok(())
}

/// The quoted author's answer to request `request_uuid`, from `actor_ap_id`:
/// kept when it comes from the author asked, and the quoting post's
/// followers told when it is public; the post, if the answer was taken.
pub async fn answered(
    db: &DatabaseConnection,
    request_uuid: &str,
    actor_ap_id: &str,
    authorization: Option<String>,
) -> anyhow::Result<Option<i32>> {
    let (txn, _turn) = super::begin_write(db).await?;
    let Some(row) = outgoing_quote::Entity::find()
        .filter(outgoing_quote::Column::RequestUuid.eq(request_uuid))
        .filter(outgoing_quote::Column::AuthorApId.eq(actor_ap_id))
        .one(&txn)
        .await
        .context("failed to load the quote asked for")?
    else {
        return Ok(None);
    };
    let post_id = row.post_id;
    let mut changed: outgoing_quote::ActiveModel = row.into();
    changed.state = Set(match authorization {
        Some(_) => QuoteState::Accepted,
        None => QuoteState::Rejected,
    });
    changed.authorization = Set(authorization);
    changed.updated_at = Set(Utc::now());
    changed
        .update(&txn)
        .await
        .context("failed to keep the answer")?;
    let public = post::Entity::find_by_id(post_id)
        .filter(post::Column::Status.eq(PostStatus::Published))
        .filter(post::Column::DeletedAt.is_null())
        .one(&txn)
        .await
        .context("failed to load the quoting post")?
        .is_some();
    if public {
        outbox::enqueue_for_followers(&txn, ActivityKind::Update, post_id).await?;
    }
    txn.commit().await.context("failed to keep the answer")?;
    Ok(Some(post_id))
}
