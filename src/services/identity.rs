//! The blog's identity across servers: the other accounts that are also the
//! blog (`alsoKnownAs`, so that an old account can move its followers here)
//! and, once the blog moved, the account it moved to (`movedTo`, with a
//! `Move` to every follower).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionSession};
use serde::{Deserialize, Serialize};

use crate::entities::setting;

const NAME: &str = "identity";
/// The most aliases kept (Mastodon allows a handful).
const MAX_ALIASES: usize = 10;

/// An account of the fediverse, by its id and how people know it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub handle: String,
    /// Its profile page, when it names one.
    pub url: Option<String>,
}

/// Where the blog moved, and when.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    pub to: Account,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    #[serde(default)]
    pub also_known_as: Vec<Account>,
    #[serde(default)]
    pub moved: Option<Moved>,
}

impl Identity {
    /// The ids published as `alsoKnownAs`.
    pub fn alias_ids(&self) -> Vec<String> {
        self.also_known_as.iter().map(|a| a.id.clone()).collect()
    }
}

pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Identity> {
    let found = setting::Entity::find_by_id(NAME)
        .one(db)
        .await
        .context("failed to load the blog's identity")?;
    match found {
        Some(row) => serde_json::from_str(&row.value).context("the stored identity is unreadable"),
        None => Ok(Identity::default()),
    }
}

async fn save(db: &impl ConnectionTrait, identity: &Identity) -> anyhow::Result<()> {
    let value = serde_json::to_string(identity).context("failed to write the identity")?;
    setting::Entity::insert(setting::ActiveModel {
        name: Set(NAME.to_owned()),
        value: Set(value),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(setting::Column::Name)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(db)
    .await
    .context("failed to store the blog's identity")?;
    Ok(())
}

/// An account as its server describes it, read fresh.
#[derive(Clone, Debug)]
pub struct Found {
    pub account: Account,
    /// The ids it lists in `alsoKnownAs`.
    pub also_known_as: Vec<String>,
}

/// Finds accounts on their servers: by handle (`name@server`) through
/// WebFinger, or by id. The federation layer provides it.
#[async_trait::async_trait]
pub trait Directory: Send + Sync {
    /// The account at `address`, or why it could not be read, in words for
    /// the admin.
    async fn look_up(&self, address: &str) -> Result<Found, String>;
}

/// Sets the accounts that are also the blog (one address a line), each read
/// from its server. `Err` says, for the admin, which could not be read.
pub async fn set_aliases(
    db: &impl ConnectionTrait,
    directory: &dyn Directory,
    addresses: &[String],
) -> anyhow::Result<Result<Identity, String>> {
    let addresses: Vec<&str> = addresses
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
    if addresses.len() > MAX_ALIASES {
        return Ok(Err(format!("List at most {MAX_ALIASES} accounts.")));
    }
    let mut aliases: Vec<Account> = Vec::new();
    for address in addresses {
        match directory.look_up(address).await {
            Ok(found) => {
                if !aliases.iter().any(|a| a.id == found.account.id) {
                    aliases.push(found.account);
                }
            }
            Err(why) => return Ok(Err(why)),
        }
    }
    let mut identity = load(db).await?;
    identity.also_known_as = aliases;
    save(db, &identity).await?;
    Ok(Ok(identity))
}

/// Why the blog could not move.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoveRefused {
    #[error("{0}")]
    NotFound(String),
    #[error("That is this blog's own account.")]
    Itself,
    #[error(
        "{handle} does not list this blog ({ours}) among its aliases yet. Add it there first (on Mastodon: Preferences, Account, Moving from a different account), then move again."
    )]
    NotAnAlias { handle: String, ours: String },
    #[error("The blog has already moved to {0}.")]
    AlreadyMoved(String),
}

/// Moves the blog to the account at `address`, which must list the blog
/// (`ours`) in its `alsoKnownAs`: records where it went and queues a
/// `Move` for every follower, in one transaction.
pub async fn move_to(
    db: &impl crate::services::Writer,
    directory: &dyn Directory,
    ours: &str,
    address: &str,
) -> anyhow::Result<Result<Moved, MoveRefused>> {
    let identity = load(db).await?;
    if let Some(moved) = identity.moved {
        return Ok(Err(MoveRefused::AlreadyMoved(moved.to.handle)));
    }
    let found = match directory.look_up(address).await {
        Ok(found) => found,
        Err(why) => return Ok(Err(MoveRefused::NotFound(why))),
    };
    if found.account.id == ours {
        return Ok(Err(MoveRefused::Itself));
    }
    if !found.also_known_as.iter().any(|id| id == ours) {
        return Ok(Err(MoveRefused::NotAnAlias {
            handle: found.account.handle,
            ours: ours.to_owned(),
        }));
    }
    let moved = Moved {
        to: found.account,
        at: Utc::now(),
    };
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let mut identity = load(&txn).await?;
    identity.moved = Some(moved.clone());
    save(&txn, &identity).await?;
    super::outbox::enqueue_move(&txn).await?;
    txn.commit().await.context("failed to record the move")?;
    Ok(Ok(moved))
}
