use sea_orm::entity::prelude::*;

/// What kind of reaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReactionKind {
    #[sea_orm(string_value = "like")]
    Like,
    /// A boost.
    #[sea_orm(string_value = "announce")]
    Announce,
    #[sea_orm(string_value = "emoji")]
    Emoji,
}

/// A like, boost or emoji reaction to a post; one of each kind per actor.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    pub actor_id: i32,
    pub kind: ReactionKind,
    pub emoji: Option<String>,
    pub activity_ap_id: String,
    pub created_at: ChronoDateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
