use sea_orm::entity::prelude::*;
use serde::Serialize;

/// What a block names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// One account, by its id.
    #[sea_orm(string_value = "actor")]
    Actor,
    /// A server and its subdomains, by its normalised host name.
    #[sea_orm(string_value = "domain")]
    Domain,
}

/// A blocked actor or server.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: BlockKind,
    pub value: String,
    /// Why: typed by the admin, or a shared blocklist's public comment.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
