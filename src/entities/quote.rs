use sea_orm::entity::prelude::*;

/// A remote post quoting one of ours, with the authorisation the blog gave
/// it (FEP-044f), served at `uuid` until revoked.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub uuid: String,
    pub post_id: i32,
    pub actor_id: i32,
    /// The quoting post.
    #[sea_orm(unique)]
    pub quote_ap_id: String,
    /// The `QuoteRequest` that asked.
    pub request_ap_id: String,
    pub created_at: ChronoDateTimeUtc,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    #[sea_orm(belongs_to, from = "actor_id", to = "id", on_delete = "Cascade")]
    pub actor: HasOne<super::actor::Entity>,
    #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
    pub post: BelongsTo<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
