//! Blocked actors and servers. A block refuses everything they send from
//! then on, removes them as followers and hides their comments.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::{
    domain::HostName,
    entities::{actor, block, follower},
};

pub mod blocklist;

pub use crate::entities::block::BlockKind;

#[derive(Debug, Clone, Serialize, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "block::Entity")]
pub struct BlockView {
    pub id: i32,
    pub kind: BlockKind,
    pub value: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The host of an actor id, normalised (see [`HostName`]), without port.
pub fn domain_of(ap_id: &str) -> Option<String> {
    HostName::of(ap_id).map(|host| host.to_string())
}

/// The current blocks, to check many actors against at once.
#[derive(Debug, Default, Clone)]
pub struct BlockList {
    actors: Vec<String>,
    domains: Vec<HostName>,
}

impl BlockList {
    pub fn blocks(&self, actor_ap_id: &str) -> bool {
        if self.actors.iter().any(|a| a == actor_ap_id) {
            return true;
        }
        let Some(host) = HostName::of(actor_ap_id) else {
            return false;
        };
        // A blocked domain covers its subdomains too.
        self.covers(&host)
    }

    /// Whether a domain block in the list covers server `host`.
    pub fn covers(&self, host: &HostName) -> bool {
        self.domains.iter().any(|d| host.is_within(d))
    }

    fn add(&mut self, kind: BlockKind, value: String) {
        match kind {
            BlockKind::Actor => self.actors.push(value),
            BlockKind::Domain => {
                if let Ok(host) = HostName::parse(&value) {
                    self.domains.push(host);
                }
            }
        }
    }
}

pub async fn list(db: &DatabaseConnection) -> anyhow::Result<BlockList> {
    let rows = block::Entity::find()
        .all(db)
        .await
        .context("failed to load blocks")?;
    let mut list = BlockList::default();
    for row in rows {
        list.add(row.kind, row.value);
    }
    Ok(list)
}

pub async fn all(db: &DatabaseConnection) -> anyhow::Result<Vec<BlockView>> {
    block::Entity::find()
        .order_by_desc(block::Column::CreatedAt)
        .into_partial_model()
        .all(db)
        .await
        .context("failed to load blocks")
}

/// Whether this actor or its server (or a parent domain of it) is blocked:
/// one indexed lookup, however long the block list.
pub async fn is_blocked(db: &DatabaseConnection, actor_ap_id: &str) -> anyhow::Result<bool> {
    let mut matching = Condition::any().add(
        Condition::all()
            .add(block::Column::Kind.eq(BlockKind::Actor))
            .add(block::Column::Value.eq(actor_ap_id)),
    );
    if let Some(host) = HostName::of(actor_ap_id) {
        // social.example.org is covered by blocks of itself, example.org and org.
        let parents = host.with_parents();
        matching = matching.add(
            Condition::all()
                .add(block::Column::Kind.eq(BlockKind::Domain))
                .add(block::Column::Value.is_in(parents)),
        );
    }
    let found = block::Entity::find()
        .filter(matching)
        .one(db)
        .await
        .context("failed to check blocks")?;
    Ok(found.is_some())
}

/// The ids of known actors that `list` blocks.
async fn actors_blocked_by(db: &DatabaseConnection, list: &BlockList) -> anyhow::Result<Vec<i32>> {
    let known: Vec<(i32, String)> = actor::Entity::find()
        .select_only()
        .column(actor::Column::Id)
        .column(actor::Column::ApId)
        .into_tuple()
        .all(db)
        .await
        .context("failed to load actors")?;
    Ok(known
        .into_iter()
        .filter(|(_, ap_id)| list.blocks(ap_id))
        .map(|(id, _)| id)
        .collect())
}

fn single(kind: BlockKind, value: String) -> BlockList {
    let mut list = BlockList::default();
    list.add(kind, value);
    list
}

/// Blocks an actor (`kind` = `actor`) or a domain (stored normalised, see
/// [`HostName`]), for `reason` if one is given: removes matching followers
/// and hides their comments. Returns the posts whose comments changed.
pub async fn add(
    db: &DatabaseConnection,
    kind: BlockKind,
    value: &str,
    reason: Option<&str>,
) -> anyhow::Result<Vec<i32>> {
    let value = if kind == BlockKind::Domain {
        HostName::parse(value)
            .map_err(|err| anyhow::anyhow!("cannot block {value}: {err}"))?
            .to_string()
    } else {
        value.trim().to_owned()
    };
    anyhow::ensure!(!value.is_empty(), "nothing to block");
    block::Entity::insert(block::ActiveModel {
        kind: Set(kind),
        value: Set(value.clone()),
        reason: Set(reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([block::Column::Kind, block::Column::Value])
    .exec(db)
    .await
    .with_context(|| format!("failed to block {value}"))?;
    let list = single(kind, value);
    let followers: Vec<(i32, String)> = follower::Entity::find()
        .inner_join(actor::Entity)
        .select_only()
        .column(follower::Column::Id)
        .column(actor::Column::ApId)
        .into_tuple()
        .all(db)
        .await
        .context("failed to load followers")?;
    let blocked: Vec<i32> = followers
        .into_iter()
        .filter(|(_, ap_id)| list.blocks(ap_id))
        .map(|(id, _)| id)
        .collect();
    if !blocked.is_empty() {
        follower::Entity::delete_many()
            .filter(follower::Column::Id.is_in(blocked))
            .exec(db)
            .await
            .context("failed to remove blocked followers")?;
    }
    let authors = actors_blocked_by(db, &list).await?;
    super::comments::hide_authors(db, &authors, true).await
}

/// Lifts a block: comments it hid are shown again unless another block
/// still covers their authors. `None` when there was no such block, else
/// the posts whose comments changed.
pub async fn remove(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<Vec<i32>>> {
    let Some(found) = block::Entity::find_by_id(id)
        .one(db)
        .await
        .with_context(|| format!("failed to load block {id}"))?
    else {
        return Ok(None);
    };
    block::Entity::delete_by_id(id)
        .exec(db)
        .await
        .with_context(|| format!("failed to remove block {id}"))?;
    let remaining = list(db).await?;
    let freed: Vec<i32> = actors_blocked_by(db, &single(found.kind, found.value))
        .await?
        .into_iter()
        .collect();
    let still = actors_blocked_by(db, &remaining).await?;
    let freed: Vec<i32> = freed.into_iter().filter(|a| !still.contains(a)).collect();
    super::comments::hide_authors(db, &freed, false)
        .await
        .map(Some)
}

/// The block list in memory, for the inbox's first check of every request:
/// read again when it is a few seconds old, or at once after this process
/// changed it. (What is stored from an activity is checked against the
/// database itself.)
#[derive(Default)]
pub struct BlockCache {
    current: std::sync::RwLock<Option<(std::time::Instant, std::sync::Arc<BlockList>)>>,
}

impl BlockCache {
    const FRESH: std::time::Duration = std::time::Duration::from_secs(5);

    /// Whether `actor_ap_id` or its server is blocked.
    pub async fn blocks(&self, db: &DatabaseConnection, actor_ap_id: &str) -> anyhow::Result<bool> {
        let current = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let list = match current {
            Some((at, list)) if at.elapsed() < Self::FRESH => list,
            _ => {
                let list = std::sync::Arc::new(crate::services::blocks::list(db).await?);
                *self
                    .current
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some((std::time::Instant::now(), list.clone()));
                list
            }
        };
        Ok(list.blocks(actor_ap_id))
    }

    /// The blocks changed here: read them again at the next check.
    pub fn forget(&self) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}
