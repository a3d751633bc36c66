//! Remote fediverse accounts we have fetched.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DeriveIntoActiveModel, EntityTrait,
    IntoActiveModel, Iterable, sea_query::OnConflict,
};

use crate::entities::actor;

/// What we keep of a remote actor, as read from its document.
#[derive(Debug, Clone, DeriveIntoActiveModel)]
#[sea_orm(active_model = "actor::ActiveModel")]
pub struct RemoteActorData {
    pub ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_pem: String,
    pub preferred_username: String,
    pub name: Option<String>,
    pub host: String,
    pub url: Option<String>,
    pub icon_url: Option<String>,
}

pub async fn find_by_ap_id(
    db: &DatabaseConnection,
    ap_id: &str,
) -> anyhow::Result<Option<actor::Model>> {
    actor::Entity::find_by_ap_id(ap_id)
        .one(db)
        .await
        .with_context(|| format!("failed to load actor {ap_id}"))
}

/// Stores a freshly fetched actor, replacing what we had.
pub async fn upsert(
    db: &DatabaseConnection,
    data: RemoteActorData,
    fetched_at: DateTime<Utc>,
) -> anyhow::Result<actor::Model> {
    let ap_id = data.ap_id.clone();
    let mut row = data.into_active_model();
    row.fetched_at = Set(fetched_at);
    // What the document says replaces what we had; columns it does not
    // set are kept.
    let refreshed: Vec<actor::Column> = actor::Column::iter()
        .filter(|&column| !matches!(column, actor::Column::ApId) && row.get(column).is_set())
        .collect();
    actor::Entity::insert(row)
        .on_conflict(
            OnConflict::column(actor::Column::ApId)
                .update_columns(refreshed)
                .to_owned(),
        )
        .exec(db)
        .await
        .with_context(|| format!("failed to store actor {ap_id}"))?;
    find_by_ap_id(db, &ap_id)
        .await?
        .with_context(|| format!("actor {ap_id} vanished after being stored"))
}
