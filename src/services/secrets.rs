//! Per-site secrets generated on first start and kept in the database, so that
//! restarts and several processes agree on them.

use anyhow::Context;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

use crate::entities::secret;

/// The secret called `name`, if it was made.
pub async fn get(db: &DatabaseConnection, name: &str) -> anyhow::Result<Option<String>> {
    let found = secret::Entity::find_by_id(name)
        .one(db)
        .await
        .with_context(|| format!("failed to load secret {name}"))?;
    Ok(found.map(|s| s.value))
}

/// Returns the secret called `name`, creating it with `generate` the first time.
pub async fn get_or_create(
    db: &DatabaseConnection,
    name: &str,
    generate: impl FnOnce() -> String,
) -> anyhow::Result<String> {
    if let Some(found) = secret::Entity::find_by_id(name).one(db).await? {
        return Ok(found.value);
    }
    let candidate = secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(generate()),
    };
    // Another process may have won the race; its value is the one to use.
    secret::Entity::insert(candidate)
        .on_conflict_do_nothing()
        .exec(db)
        .await
        .with_context(|| format!("failed to store secret {name}"))?;
    let stored = secret::Entity::find_by_id(name)
        .one(db)
        .await?
        .with_context(|| format!("secret {name} vanished after insert"))?;
    Ok(stored.value)
}
