use sea_orm::entity::prelude::*;

/// A remote fediverse account we have fetched, kept to verify its signatures
/// and to show who it is.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub public_key_pem: String,
    pub preferred_username: String,
    pub name: Option<String>,
    pub host: String,
    pub url: Option<String>,
    pub icon_url: Option<String>,
    pub fetched_at: ChronoDateTimeUtc,
    #[sea_orm(has_one)]
    pub follower: HasOne<super::follower::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
