//! Bearer tokens for publishing apps (Micropub). A token is shown once when
//! it is made; only its SHA-256 is kept, so a copy of the database cannot
//! be used to publish.

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::entities::{api_token, user};

pub use crate::entities::api_token::{Scope, Scopes};
const PREFIX: &str = "blog_";
const NAME_CHARS: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token that was presented and is valid.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user: user::Model,
    pub scopes: Scopes,
}

impl Grant {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.allows(scope)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("Name the app the token is for.")]
    MissingName,
    #[error("Keep the name under {NAME_CHARS} characters.")]
    NameTooLong,
    #[error("Choose at least one thing the app may do.")]
    NoScope,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a token for `user_id`; returns it in full, the only time it exists.
pub async fn create(
    db: &DatabaseConnection,
    user_id: i32,
    name: &str,
    scopes: &[String],
) -> Result<String, TokenError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(TokenError::MissingName);
    }
    if name.chars().count() > NAME_CHARS {
        return Err(TokenError::NameTooLong);
    }
    let scopes = Scopes::new(scopes.iter().filter_map(|chosen| Scope::parse(chosen)));
    if scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name),
        token_hash: Set(hash(&token)),
        scope: Set(scopes),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to save a token")?;
    Ok(token)
}

/// The user's tokens that still work, newest first.
pub async fn list(db: &DatabaseConnection, user_id: i32) -> anyhow::Result<Vec<TokenView>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await
        .context("failed to list tokens")?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            scopes: t.scope.iter().collect(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        })
        .collect())
}

/// Revokes one of the user's tokens; `false` if there was no such token.
pub async fn revoke(db: &DatabaseConnection, user_id: i32, id: i32) -> anyhow::Result<bool> {
    let result = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .context("failed to revoke a token")?;
    Ok(result.rows_affected > 0)
}

/// Revokes every token of `user_id` (a password change, "log out
/// everywhere").
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i32) -> anyhow::Result<u64> {
    let result = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .context("failed to revoke tokens")?;
    Ok(result.rows_affected)
}

/// The grant of a presented token, if it is one of ours and not revoked.
pub async fn authenticate(db: &DatabaseConnection, token: &str) -> anyhow::Result<Option<Grant>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some((found, Some(owner))) = api_token::Entity::find_by_token_hash(hash(token))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db)
        .await
        .context("failed to look a token up")?
    else {
        return Ok(None);
    };
    let scopes = found.scope.clone();
    let mut used: api_token::ActiveModel = found.into();
    used.last_used_at = Set(Some(Utc::now()));
    used.update(db)
        .await
        .context("failed to note a token's use")?;
    Ok(Some(Grant {
        user: owner,
        scopes,
    }))
}
