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

/// What a collection lists: the direct answers to a post or to a comment
/// (`replies`), or every comment under a post (`context`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    RepliesToPost(i32),
    RepliesToComment(i32),
    Conversation(i32),
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

impl Listing {
    fn query(self) -> Select<comment::Entity> {
        match self {
            Listing::RepliesToPost(post_id) => fetchable()
                .filter(comment::Column::PostId.eq(post_id))
                .filter(comment::Column::ParentId.is_null()),
            Listing::RepliesToComment(id) => fetchable().filter(comment::Column::ParentId.eq(id)),
            Listing::Conversation(post_id) => {
                fetchable().filter(comment::Column::PostId.eq(post_id))
            }
        }
    }
}

/// A page of `listing`, after comment `after`.
pub async fn listed_page(
    db: &DatabaseConnection,
    listing: Listing,
    after: Option<i32>,
    limit: u64,
) -> anyhow::Result<IdPage> {
    page(db, listing.query(), after, limit)
        .await
        .context("failed to load a page of replies")
}

/// How many comments `listing` holds in all.
pub async fn listed_count(db: &DatabaseConnection, listing: Listing) -> anyhow::Result<u64> {
    listing
        .query()
        .count(db)
        .await
        .context("failed to count replies")
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
