//! The derived columns pages read instead of counting: each comment's
//! `visible`, each thread's `listed` and `thread_size`, each post's
//! `reply_count`. A new comment adds to them in its own transaction; any
//! other change (moderation, deletion, blocks) recounts what it touched.

use std::collections::BTreeSet;

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};

use super::CommentStatus;
use crate::entities::comment;

/// Ids are our own integers, so they are written into the SQL as literals
/// (in chunks, under every backend's limits).
const CHUNK: usize = 500;

fn id_list(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

async fn run(db: &impl ConnectionTrait, sql: String) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|_| ())
}

/// Stores a new comment in `thread` (the top-level comment it answers,
/// `None` when it is one) and counts it where pages look.
pub(super) async fn insert(
    db: &impl ConnectionTrait,
    mut row: comment::ActiveModel,
    thread: Option<i32>,
) -> Result<comment::Model, DbErr> {
    let approved = matches!(&row.status, Set(CommentStatus::Approved));
    let deleted = matches!(&row.deleted_at, Set(Some(_)));
    let visible = approved && !deleted;
    row.thread_id = Set(thread);
    row.hidden = Set(false);
    row.visible = Set(visible);
    row.listed = Set(thread.is_none() && visible);
    row.thread_size = Set(0);
    let saved = row.insert(db).await?;
    if let (Some(root), true) = (thread, approved) {
        let listed = if visible { "TRUE" } else { "listed" };
        run(
            db,
            format!(
                "UPDATE comments SET thread_size = thread_size + 1, listed = {listed} \
                 WHERE id = {root}"
            ),
        )
        .await?;
    }
    if visible {
        run(
            db,
            format!(
                "UPDATE posts SET reply_count = reply_count + 1 WHERE id = {}",
                saved.post_id
            ),
        )
        .await?;
    }
    Ok(saved)
}

/// Recounts after `ids` changed status, were deleted or (un)hidden: their
/// own `visible`, their threads and their posts. Returns the posts touched.
pub(super) async fn settle(db: &impl ConnectionTrait, ids: &[i32]) -> anyhow::Result<Vec<i32>> {
    let mut roots = BTreeSet::new();
    let mut posts = BTreeSet::new();
    let approved = CommentStatus::Approved.as_str();
    for chunk in ids.chunks(CHUNK) {
        let list = id_list(chunk);
        run(
            db,
            format!(
                "UPDATE comments SET visible = CASE WHEN status = '{approved}' \
                 AND hidden = FALSE AND deleted_at IS NULL THEN TRUE ELSE FALSE END \
                 WHERE id IN ({list})"
            ),
        )
        .await
        .context("failed to update which comments are visible")?;
        let rows: Vec<(i32, i32, Option<i32>)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .column(comment::Column::PostId)
            .column(comment::Column::ThreadId)
            .filter(sea_orm::ColumnTrait::is_in(
                &comment::Column::Id,
                chunk.iter().copied(),
            ))
            .into_tuple()
            .all(db)
            .await
            .context("failed to load the changed comments' threads")?;
        for (id, post, thread) in rows {
            roots.insert(thread.unwrap_or(id));
            posts.insert(post);
        }
    }
    let roots: Vec<i32> = roots.into_iter().collect();
    for chunk in roots.chunks(CHUNK) {
        recount_threads(db, chunk).await?;
    }
    let posts: Vec<i32> = posts.into_iter().collect();
    for chunk in posts.chunks(CHUNK) {
        recount_posts(db, chunk).await?;
    }
    Ok(posts)
}

async fn recount_threads(db: &impl ConnectionTrait, roots: &[i32]) -> anyhow::Result<()> {
    let approved = CommentStatus::Approved.as_str();
    run(
        db,
        format!(
            "UPDATE comments SET \
             thread_size = (SELECT COUNT(*) FROM comments c WHERE c.thread_id = comments.id \
               AND c.status = '{approved}' AND c.hidden = FALSE), \
             listed = CASE WHEN visible OR EXISTS (SELECT 1 FROM comments c \
               WHERE c.thread_id = comments.id AND c.visible) THEN TRUE ELSE FALSE END \
             WHERE id IN ({})",
            id_list(roots)
        ),
    )
    .await
    .context("failed to recount threads")
}

async fn recount_posts(db: &impl ConnectionTrait, posts: &[i32]) -> anyhow::Result<()> {
    run(
        db,
        format!(
            "UPDATE posts SET reply_count = (SELECT COUNT(*) FROM comments c \
             WHERE c.post_id = posts.id AND c.visible) WHERE id IN ({})",
            id_list(posts)
        ),
    )
    .await
    .context("failed to recount replies")
}

/// Hides or shows again the comments of these authors (a block was added
/// or lifted); returns the posts whose pages changed.
pub(super) async fn set_hidden(
    db: &impl ConnectionTrait,
    actor_ids: &[i32],
    hidden: bool,
) -> anyhow::Result<Vec<i32>> {
    let mut changed = Vec::new();
    for chunk in actor_ids.chunks(CHUNK) {
        let ids: Vec<i32> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(sea_orm::ColumnTrait::is_in(
                &comment::Column::ActorId,
                chunk.iter().copied(),
            ))
            .filter(sea_orm::ColumnTrait::eq(&comment::Column::Hidden, !hidden))
            .into_tuple()
            .all(db)
            .await
            .context("failed to find the authors' comments")?;
        for ids in ids.chunks(CHUNK) {
            run(
                db,
                format!(
                    "UPDATE comments SET hidden = {} WHERE id IN ({})",
                    if hidden { "TRUE" } else { "FALSE" },
                    id_list(ids)
                ),
            )
            .await
            .context("failed to hide comments")?;
        }
        changed.extend(ids);
    }
    settle(db, &changed).await
}
