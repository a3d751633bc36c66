//! Activity ids already received: the same activity twice has no second effect.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TryInsertResult};

use crate::entities::received_activity;

/// Records `ap_id`; false when it was already there.
pub async fn first_time(db: &DatabaseConnection, ap_id: &str) -> anyhow::Result<bool> {
    let result = received_activity::Entity::insert(received_activity::ActiveModel {
        ap_id: Set(ap_id.to_owned()),
        received_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await
    .with_context(|| format!("failed to record activity {ap_id}"))?;
    Ok(matches!(result, TryInsertResult::Inserted(_)))
}

/// Forgets `ap_id` again, so a sender's retry of an activity that failed here is processed.
pub async fn forget(db: &DatabaseConnection, ap_id: &str) -> anyhow::Result<()> {
    received_activity::Entity::delete_by_id(ap_id)
        .exec(db)
        .await
        .with_context(|| format!("failed to forget activity {ap_id}"))?;
    Ok(())
}
