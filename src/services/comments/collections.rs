//! The ActivityPub collections of a conversation, as ids a page at a time:
//! the direct answers to a post or to a comment (`replies`), and every
//! comment of a post's thread (`context`). Only shown comments are listed;
//! imported ones have no ActivityPub object to fetch and are left out.

use anyhow::Context;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::entities::comment;

/// What a `replies` collection lists the answers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered {
    Post(i32),
    Comment(i32),
}

/// A page of ActivityPub ids in arrival order, and the comment the next
/// page follows, if there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdPage {
    pub items: Vec<String>,
    pub next: Option<i32>,
}

/// Shown comments that have an object a peer can fetch.
fn fetchable() -> Select<comment::Entity> {
    comment::Entity::find()
        .filter(comment::Column::Visible.eq(true))
        .filter(
            Condition::any()
                .add(comment::Column::ActorId.is_not_null())
                .add(comment::Column::LocalAuthorId.is_not_null()),
        )
}

fn answers(of: Answered) -> Select<comment::Entity> {
    match of {
        Answered::Post(post_id) => fetchable()
            .filter(comment::Column::PostId.eq(post_id))
            .filter(comment::Column::ParentId.is_null()),
        Answered::Comment(id) => fetchable().filter(comment::Column::ParentId.eq(id)),
    }
}

fn conversation(post_id: i32) -> Select<comment::Entity> {
    fetchable().filter(comment::Column::PostId.eq(post_id))
}

/// A page of the direct answers to `of`, after comment `after`.
pub async fn replies_page(
    db: &DatabaseConnection,
    of: Answered,
    after: Option<i32>,
    limit: u64,
) -> anyhow::Result<IdPage> {
    page(db, answers(of), after, limit)
        .await
        .context("failed to load a page of replies")
}

/// How many direct answers `of` has that a peer can fetch.
pub async fn count_replies(db: &DatabaseConnection, of: Answered) -> anyhow::Result<u64> {
    answers(of)
        .count(db)
        .await
        .context("failed to count replies")
}

/// A page of every comment under a post, however deep, after comment `after`.
pub async fn conversation_page(
    db: &DatabaseConnection,
    post_id: i32,
    after: Option<i32>,
    limit: u64,
) -> anyhow::Result<IdPage> {
    page(db, conversation(post_id), after, limit)
        .await
        .context("failed to load a page of the conversation")
}

/// How many comments under a post a peer can fetch.
pub async fn count_conversation(db: &DatabaseConnection, post_id: i32) -> anyhow::Result<u64> {
    conversation(post_id)
        .count(db)
        .await
        .context("failed to count the conversation")
}

async fn page(
    db: &DatabaseConnection,
    query: Select<comment::Entity>,
    after: Option<i32>,
    limit: u64,
) -> Result<IdPage, sea_orm::DbErr> {
    let query = match after {
        Some(after) => query.filter(comment::Column::Id.gt(after)),
        None => query,
    };
    let mut rows: Vec<(i32, String)> = query
        .select_only()
        .column(comment::Column::Id)
        .column(comment::Column::ApId)
        .order_by_asc(comment::Column::Id)
        .limit(limit + 1)
        .into_tuple()
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = more.then(|| rows.last().map(|(id, _)| *id)).flatten();
    Ok(IdPage {
        items: rows.into_iter().map(|(_, ap_id)| ap_id).collect(),
        next,
    })
}
