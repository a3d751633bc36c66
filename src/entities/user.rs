use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    pub created_at: ChronoDateTimeUtc,
    /// Sessions remember the epoch they began in; raising it ends them all.
    pub session_epoch: i32,
    /// The author is a fediverse account of their own (`@name@host`).
    pub fediverse_account: bool,
    pub last_login_at: Option<ChronoDateTimeUtc>,
    #[sea_orm(has_many)]
    pub posts: HasMany<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
