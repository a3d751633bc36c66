use sea_orm::entity::prelude::*;

/// A like, boost or emoji reaction to a post; one of each kind per actor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    pub actor_id: i32,
    /// `like`, `announce` or `emoji`.
    pub kind: String,
    pub emoji: Option<String>,
    pub activity_ap_id: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
