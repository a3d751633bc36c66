use std::{collections::BTreeSet, fmt, str::FromStr};

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One thing an app token may do, by the name Micropub uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Write new posts.
    Create,
    /// Change posts, and read them back.
    Update,
    Delete,
    /// Upload images.
    Media,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Create, Scope::Update, Scope::Delete, Scope::Media];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Create => "create",
            Scope::Update => "update",
            Scope::Delete => "delete",
            Scope::Media => "media",
        }
    }

    pub fn parse(word: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// A token's scopes, stored as their names separated by spaces.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Scopes {
        Scopes(scopes.into_iter().collect())
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

/// Read leniently: a word that names no scope (written by an older
/// version, say) grants nothing and is left out.
impl FromStr for Scopes {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Scopes, Self::Err> {
        Ok(Scopes::new(
            text.split_whitespace().filter_map(Scope::parse),
        ))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

/// A bearer token for a publishing app (Micropub). Only its SHA-256 is kept.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub scope: Scopes,
    pub created_at: ChronoDateTimeUtc,
    pub last_used_at: Option<ChronoDateTimeUtc>,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
