//! Remote fediverse accounts we have fetched.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};

use crate::entities::actor;

/// What we keep of a remote actor, as read from its document.
#[derive(Debug, Clone)]
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
    actor::Entity::find()
        .filter(actor::Column::ApId.eq(ap_id))
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
    let row = actor::ActiveModel {
        ap_id: Set(data.ap_id),
        inbox: Set(data.inbox),
        shared_inbox: Set(data.shared_inbox),
        public_key_pem: Set(data.public_key_pem),
        preferred_username: Set(data.preferred_username),
        name: Set(data.name),
        host: Set(data.host),
        url: Set(data.url),
        icon_url: Set(data.icon_url),
        fetched_at: Set(fetched_at),
        ..Default::default()
    };
    actor::Entity::insert(row)
        .on_conflict(
            OnConflict::column(actor::Column::ApId)
                .update_columns([
                    actor::Column::Inbox,
                    actor::Column::SharedInbox,
                    actor::Column::PublicKeyPem,
                    actor::Column::PreferredUsername,
                    actor::Column::Name,
                    actor::Column::Host,
                    actor::Column::Url,
                    actor::Column::IconUrl,
                    actor::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .with_context(|| format!("failed to store actor {ap_id}"))?;
    find_by_ap_id(db, &ap_id)
        .await?
        .with_context(|| format!("actor {ap_id} vanished after being stored"))
}
