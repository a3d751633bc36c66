//! Comments brought in with posts from another blog: their authors have no
//! fediverse account, only a name and perhaps a website.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use crate::{domain::SafeHtml, entities::comment};

#[derive(Debug, Clone)]
pub struct ImportedComment {
    /// Stable and unique: the old post's address with `#comment-ID`, so a
    /// second import recognises it.
    pub ap_id: String,
    pub author_name: String,
    /// Only `http` and `https` addresses.
    pub author_url: Option<String>,
    pub content: SafeHtml,
    /// `approved` or `pending`.
    pub status: super::CommentStatus,
    pub published_at: DateTime<Utc>,
}

/// Which of these ids are stored already, with their row ids.
pub async fn stored_ids(
    db: &impl ConnectionTrait,
    ap_ids: &[String],
) -> anyhow::Result<HashMap<String, i32>> {
    let mut found = HashMap::new();
    for chunk in ap_ids.chunks(500) {
        let rows: Vec<(String, i32)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ApId)
            .column(comment::Column::Id)
            .filter(comment::Column::ApId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await
            .context("failed to look up imported comments")?;
        found.extend(rows);
    }
    Ok(found)
}

/// Stores an imported comment under `post_id`, answering `parent_id`.
pub async fn insert_imported(
    db: &impl ConnectionTrait,
    post_id: i32,
    parent_id: Option<i32>,
    imported: &ImportedComment,
) -> anyhow::Result<comment::Model> {
    let thread = match parent_id {
        Some(parent) => comment::Entity::find_by_id(parent)
            .one(db)
            .await
            .context("failed to load the comment answered")?
            .map(|p| p.thread_id.unwrap_or(p.id)),
        None => None,
    };
    let row = comment::ActiveModel {
        author_name: Set(Some(imported.author_name.clone())),
        author_url: Set(imported.author_url.clone()),
        ..super::NewRow {
            post_id,
            parent_id,
            ap_id: imported.ap_id.clone(),
            uuid: uuid::Uuid::new_v4().to_string(),
            content_html: imported.content.as_str().to_owned(),
            status: imported.status,
            published_at: imported.published_at,
        }
        .into_model()
    };
    super::kept::insert(db, row, thread)
        .await
        .with_context(|| format!("failed to store the comment {}", imported.ap_id))
}
