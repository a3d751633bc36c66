//! What the admin does to replies in the moderation queue, one or many at
//! a time: change their status, delete them, or block their authors or
//! their servers.

use std::collections::BTreeSet;

use anyhow::Context;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use super::{
    blocks::{self, BlockKind},
    comments::{self, CommentStatus},
};
use crate::entities::{actor, comment};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Approve,
    Reject,
    Spam,
    /// Back to the queue.
    Pending,
    Delete,
    BlockAuthor,
    BlockDomain,
}

impl Action {
    /// The verb of a single comment's button (`approve:12`).
    pub fn parse(verb: &str) -> Option<Action> {
        serde::Deserialize::deserialize(
            serde::de::value::StrDeserializer::<serde::de::value::Error>::new(verb),
        )
        .ok()
    }

    /// The status the comments end with, for actions that set one.
    pub fn status(self) -> Option<CommentStatus> {
        match self {
            Action::Approve => Some(CommentStatus::Approved),
            Action::Reject => Some(CommentStatus::Rejected),
            Action::Spam => Some(CommentStatus::Spam),
            Action::Pending => Some(CommentStatus::Pending),
            Action::Delete | Action::BlockAuthor | Action::BlockDomain => None,
        }
    }
}

/// What changed: the posts whose replies changed, and whether blocks (and
/// so the followers) did.
#[derive(Debug, Default)]
pub struct Applied {
    pub posts: Vec<i32>,
    pub blocked: bool,
}

/// Applies `action` to the comments `ids`.
pub async fn apply(
    db: &DatabaseConnection,
    action: Action,
    ids: &[i32],
) -> anyhow::Result<Applied> {
    if let Some(status) = action.status() {
        return Ok(Applied {
            posts: comments::set_status(db, ids, status).await?,
            blocked: false,
        });
    }
    if action == Action::Delete {
        return Ok(Applied {
            posts: comments::delete(db, ids).await?,
            blocked: false,
        });
    }
    let kind = if action == Action::BlockAuthor {
        BlockKind::Actor
    } else {
        BlockKind::Domain
    };
    let mut posts = BTreeSet::new();
    for value in to_block(&authors_of(db, ids).await?, kind) {
        posts.extend(blocks::add(db, kind, &value, None).await?);
    }
    Ok(Applied {
        posts: posts.into_iter().collect(),
        blocked: true,
    })
}

/// The distinct fediverse authors of these comments (a query per 500).
async fn authors_of(db: &DatabaseConnection, ids: &[i32]) -> anyhow::Result<Vec<String>> {
    let mut authors = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<String> = comment::Entity::find()
            .inner_join(actor::Entity)
            .select_only()
            .column(actor::Column::ApId)
            .filter(comment::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .context("failed to load the comments' authors")?;
        authors.extend(found);
    }
    Ok(authors.into_iter().collect())
}

/// What blocking these authors (`Actor`) or their servers (`Domain`) adds,
/// each once.
fn to_block(authors: &[String], kind: BlockKind) -> Vec<String> {
    let values: BTreeSet<String> = match kind {
        BlockKind::Actor => authors.iter().cloned().collect(),
        BlockKind::Domain => authors
            .iter()
            .filter_map(|author| blocks::domain_of(author))
            .collect(),
    };
    values.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_buttons_name_their_action() {
        assert_eq!(Action::parse("approve"), Some(Action::Approve));
        assert_eq!(Action::parse("block_domain"), Some(Action::BlockDomain));
        assert_eq!(Action::parse("drop_table"), None);
        assert_eq!(Action::Spam.status(), Some(CommentStatus::Spam));
        assert_eq!(Action::BlockAuthor.status(), None);
    }

    #[test]
    fn each_server_is_blocked_once_however_many_of_its_authors() {
        let authors = [
            "https://spam.example/users/a".to_owned(),
            "https://SPAM.example./users/b".to_owned(),
            "https://other.example/users/c".to_owned(),
        ];
        assert_eq!(
            to_block(&authors, BlockKind::Domain),
            ["other.example", "spam.example"]
        );
        assert_eq!(to_block(&authors, BlockKind::Actor).len(), 3);
    }
}
