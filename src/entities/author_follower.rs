use sea_orm::entity::prelude::*;

/// A remote account that follows one author's own account.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "author_followers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub actor_id: i32,
    pub follow_ap_id: String,
    pub created_at: ChronoDateTimeUtc,
    #[sea_orm(belongs_to, from = "actor_id", to = "id", on_delete = "Cascade")]
    pub actor: BelongsTo<super::actor::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
