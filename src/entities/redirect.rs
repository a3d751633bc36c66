use sea_orm::entity::prelude::*;

/// An old address of a post (from an imported blog) that now redirects to it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redirects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Path and query as old links ask for it: `/2014/05/01/slug/`, `/?p=123`.
    #[sea_orm(unique)]
    pub from_path: String,
    pub post_id: i32,
    pub created_at: ChronoDateTimeUtc,
    #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
    pub post: BelongsTo<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
