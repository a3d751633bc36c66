use sea_orm::entity::prelude::*;

/// A collection of another server's to walk for replies to post `post_id`
/// (a reply's `replies`, or its conversation's `context`), `depth` replies
/// away from what the blog held. Kept until walked, so a restart loses
/// nothing; given up after repeated failures, with the last one kept.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backfill_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    #[sea_orm(unique)]
    pub url: String,
    pub depth: i32,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub locked_until: Option<ChronoDateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
    pub post: BelongsTo<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
