//! Posts brought in from another blog, written in the importer's transaction.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{PostStatus, free_slug, set_tags};
use crate::{
    domain::{SafeHtml, Slug, TagName},
    entities::post,
    services::outbox::{self, ActivityKind},
};

/// A post as another blog had it, already converted to Markdown.
#[derive(Debug, Clone)]
pub struct ImportedPost {
    /// Where it came from (a WordPress guid); a second import recognises it by this.
    pub source: String,
    pub title: String,
    /// The slug it had; the next free one is used when it is taken here.
    pub slug: Slug,
    pub markdown: String,
    pub html: SafeHtml,
    pub summary: String,
    pub summary_is_custom: bool,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The byline it had there.
    pub author_name: String,
    pub tags: Vec<TagName>,
}

/// The post imported earlier from `source`, if any (deleted ones too, so a
/// post deleted here does not come back).
pub async fn find_imported(
    db: &impl ConnectionTrait,
    source: &str,
) -> anyhow::Result<Option<post::Model>> {
    post::Entity::find()
        .filter(post::Column::ImportedFrom.eq(source))
        .one(db)
        .await
        .with_context(|| format!("failed to look up the post imported from {source}"))
}

/// Stores an imported post owned by `author_id`, with its tags. With
/// `announce`, a published post is queued for the followers as a new post.
pub async fn insert_imported(
    db: &impl ConnectionTrait,
    author_id: i32,
    imported: &ImportedPost,
    announce: bool,
) -> anyhow::Result<post::Model> {
    let slug = free_slug(db, &imported.slug, None).await?;
    let saved = post::ActiveModel {
        slug: Set(slug.to_string()),
        title: Set(imported.title.clone()),
        body_markdown: Set(imported.markdown.clone()),
        body_html: Set(imported.html.as_str().to_owned()),
        summary: Set(imported.summary.clone()),
        summary_is_custom: Set(imported.summary_is_custom),
        status: Set(imported.status),
        author_id: Set(author_id),
        published_at: Set(imported.published_at),
        created_at: Set(imported.created_at),
        updated_at: Set(imported.updated_at),
        deleted_at: Set(None),
        author_name: Set(Some(imported.author_name.clone()).filter(|n| !n.is_empty())),
        imported_from: Set(Some(imported.source.clone())),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to store the post \"{}\"", imported.title))?;
    set_tags(db, saved.id, &imported.tags)
        .await
        .with_context(|| format!("failed to tag the post \"{}\"", imported.title))?;
    if announce && imported.status == PostStatus::Published {
        outbox::enqueue_for_followers(db, ActivityKind::Create, saved.id).await?;
    }
    Ok(saved)
}
