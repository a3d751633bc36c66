//! Reading comments: a post's thread, the moderation queue, counts.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

use super::{Attachment, CommentStatus, Mention};
use crate::{
    domain::HttpUrl,
    entities::{actor, comment, post, user},
};

/// A comment as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: i32,
    pub uuid: String,
    pub ap_id: String,
    pub post_id: i32,
    pub post_slug: String,
    pub post_title: String,
    pub parent_id: Option<i32>,
    /// The top-level comment of its thread; `None` for a top-level comment.
    pub thread_id: Option<i32>,
    /// Nesting level in the thread, 0 for direct replies to the post.
    pub depth: usize,
    pub author_name: String,
    pub author_handle: String,
    pub author_ap_id: Option<String>,
    /// Links from remote content: only ever http(s).
    pub author_url: Option<HttpUrl>,
    pub avatar_url: Option<HttpUrl>,
    /// Written by the blog's author here.
    pub is_local: bool,
    /// Brought in with its post from another blog: no fediverse account.
    pub is_imported: bool,
    /// How a reply from the fediverse reached the blog.
    pub arrival: super::Arrival,
    pub content_html: String,
    pub content_warning: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    pub mentions: Vec<Mention>,
    pub attachments: Vec<Attachment>,
    pub url: Option<HttpUrl>,
    pub status: CommentStatus,
    /// Its author or their server is blocked.
    pub hidden: bool,
    pub published_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
}

pub(super) type Row = (comment::Model, Option<actor::Model>);

fn view(
    row: Row,
    posts: &HashMap<i32, (String, String)>,
    locals: &HashMap<i32, String>,
) -> CommentView {
    let (c, a) = row;
    let (post_slug, post_title) = posts.get(&c.post_id).cloned().unwrap_or_default();
    let (author_name, author_handle, author_ap_id, author_url, avatar_url) = match &a {
        Some(a) => (
            a.name
                .clone()
                .unwrap_or_else(|| a.preferred_username.clone()),
            format!("@{}@{}", a.preferred_username, a.host),
            Some(a.ap_id.clone()),
            a.url
                .as_deref()
                .and_then(HttpUrl::parse_opt)
                .or_else(|| HttpUrl::parse_opt(&a.ap_id)),
            a.icon_url.as_deref().and_then(HttpUrl::parse_opt),
        ),
        None if c.local_author_id.is_some() => {
            let name = c
                .local_author_id
                .and_then(|id| locals.get(&id).cloned())
                .unwrap_or_default();
            (name, String::new(), None, None, None)
        }
        // Imported with a post: a name and perhaps a website, nothing to follow.
        None => (
            c.author_name.clone().unwrap_or_default(),
            String::new(),
            None,
            c.author_url.as_deref().and_then(HttpUrl::parse_opt),
            None,
        ),
    };
    CommentView {
        id: c.id,
        uuid: c.uuid,
        ap_id: c.ap_id,
        post_id: c.post_id,
        post_slug,
        post_title,
        parent_id: c.parent_id,
        thread_id: c.thread_id,
        depth: 0,
        author_name,
        author_handle,
        author_ap_id,
        author_url,
        avatar_url,
        is_local: c.local_author_id.is_some(),
        is_imported: a.is_none() && c.local_author_id.is_none(),
        arrival: c.arrival,
        content_html: c.content_html,
        content_warning: c.content_warning,
        sensitive: c.sensitive,
        language: c.language,
        mentions: c.mentions.0,
        attachments: c.attachments.0,
        url: c.url.as_deref().and_then(HttpUrl::parse_opt),
        status: c.status,
        hidden: c.hidden,
        published_at: c.published_at,
        edited_at: c.edited_at,
        deleted: c.deleted_at.is_some(),
    }
}

async fn views(db: &DatabaseConnection, rows: Vec<Row>) -> anyhow::Result<Vec<CommentView>> {
    let post_ids: Vec<i32> = rows.iter().map(|(c, _)| c.post_id).collect();
    let posts: HashMap<i32, (String, String)> = post::Entity::find()
        .filter(post::Column::Id.is_in(post_ids))
        .all(db)
        .await
        .context("failed to load the comments' posts")?
        .into_iter()
        .map(|p| (p.id, (p.slug, p.title)))
        .collect();
    views_of(db, rows, &posts).await
}

/// Views of comments whose posts' slugs and titles are known.
pub(super) async fn views_of(
    db: &impl ConnectionTrait,
    rows: Vec<Row>,
    posts: &HashMap<i32, (String, String)>,
) -> anyhow::Result<Vec<CommentView>> {
    let local_ids: Vec<i32> = rows.iter().filter_map(|(c, _)| c.local_author_id).collect();
    let locals: HashMap<i32, String> = if local_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(local_ids))
            .all(db)
            .await
            .context("failed to load local authors")?
            .into_iter()
            .map(|u| (u.id, u.display_name.unwrap_or(u.username)))
            .collect()
    };
    Ok(rows.into_iter().map(|r| view(r, posts, &locals)).collect())
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StatusCounts {
    pub pending: u64,
    pub approved: u64,
    pub rejected: u64,
    pub spam: u64,
}

pub async fn status_counts(db: &DatabaseConnection) -> anyhow::Result<StatusCounts> {
    let mut counts = StatusCounts::default();
    for status in CommentStatus::ALL {
        let n = comment::Entity::find()
            .filter(comment::Column::Status.eq(status))
            .filter(comment::Column::DeletedAt.is_null())
            .count(db)
            .await
            .context("failed to count comments")?;
        match status {
            CommentStatus::Pending => counts.pending = n,
            CommentStatus::Approved => counts.approved = n,
            CommentStatus::Rejected => counts.rejected = n,
            CommentStatus::Spam => counts.spam = n,
        }
    }
    Ok(counts)
}

/// Replies waiting for the admin, for the admin menu.
pub async fn pending_count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    comment::Entity::find()
        .filter(comment::Column::Status.eq(CommentStatus::Pending))
        .filter(comment::Column::DeletedAt.is_null())
        .count(db)
        .await
        .context("failed to count pending comments")
}

/// The moderation queue for one status, newest first.
pub async fn with_status(
    db: &DatabaseConnection,
    status: CommentStatus,
) -> anyhow::Result<Vec<CommentView>> {
    let rows = comment::Entity::find()
        .filter(comment::Column::Status.eq(status))
        .filter(comment::Column::DeletedAt.is_null())
        .find_also_related(actor::Entity)
        .order_by_desc(comment::Column::PublishedAt)
        .limit(500)
        .all(db)
        .await
        .context("failed to load comments")?;
    views(db, rows).await
}

/// The shown comments on posts written by `author_id`, newest first, for
/// the author to answer.
pub async fn shown_on_posts_of(
    db: &DatabaseConnection,
    author_id: i32,
) -> anyhow::Result<Vec<CommentView>> {
    use sea_orm::QueryTrait;
    let own_posts = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::AuthorId.eq(author_id))
        .into_query();
    let rows = comment::Entity::find()
        .filter(comment::Column::Visible.eq(true))
        .filter(comment::Column::PostId.in_subquery(own_posts))
        .find_also_related(actor::Entity)
        .order_by_desc(comment::Column::PublishedAt)
        .limit(500)
        .all(db)
        .await
        .context("failed to load comments on an author's posts")?;
    views(db, rows).await
}

pub async fn by_id(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<CommentView>> {
    Ok(by_ids(db, &[id]).await?.pop())
}

/// These comments, in no particular order (those that do not exist are
/// left out).
pub async fn by_ids(db: &DatabaseConnection, ids: &[i32]) -> anyhow::Result<Vec<CommentView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = comment::Entity::find()
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .find_also_related(actor::Entity)
        .all(db)
        .await
        .context("failed to load comments")?;
    views(db, rows).await
}

/// A comment by its public uuid (local answers are served under it).
pub async fn by_uuid(db: &DatabaseConnection, uuid: &str) -> anyhow::Result<Option<CommentView>> {
    let rows = comment::Entity::find_by_uuid(uuid)
        .find_also_related(actor::Entity)
        .all(db)
        .await
        .with_context(|| format!("failed to load comment {uuid}"))?;
    Ok(views(db, rows).await?.pop())
}

/// Every comment under every post, in thread order of arrival, for export.
pub async fn all(db: &DatabaseConnection) -> anyhow::Result<Vec<CommentView>> {
    let rows = comment::Entity::find()
        .find_also_related(actor::Entity)
        .order_by_asc(comment::Column::PostId)
        .order_by_asc(comment::Column::PublishedAt)
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await
        .context("failed to load comments")?;
    views(db, rows).await
}
