use sea_orm::entity::prelude::*;

/// A remote fediverse account we have fetched, kept to verify its signatures
/// and to show who it is.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::follower::Entity")]
    Follower,
}

impl Related<super::follower::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Follower.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
