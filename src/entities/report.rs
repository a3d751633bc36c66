use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Which way a report went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum ReportDirection {
    /// A `Flag` another server's moderators sent about what the blog shows.
    #[sea_orm(string_value = "incoming")]
    Incoming,
    /// A `Flag` the admin sent about an account elsewhere.
    #[sea_orm(string_value = "outgoing")]
    Outgoing,
}

/// Where a report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// Waiting for the admin.
    #[sea_orm(string_value = "open")]
    Open,
    /// The admin acted on it or dismissed it.
    #[sea_orm(string_value = "resolved")]
    Resolved,
    /// Sent to the reported account's server.
    #[sea_orm(string_value = "sent")]
    Sent,
}

/// What the admin did about a report.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// The reported comments (and posts) were deleted.
    #[sea_orm(string_value = "removed")]
    Removed,
    /// The reported accounts were blocked.
    #[sea_orm(string_value = "blocked")]
    Blocked,
    /// Nothing needed doing.
    #[sea_orm(string_value = "dismissed")]
    Dismissed,
}

/// A report (`Flag`), received or sent.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub uuid: String,
    pub direction: ReportDirection,
    /// The received `Flag`'s id.
    #[sea_orm(unique)]
    pub ap_id: Option<String>,
    /// Who reported (received), or the account reported (sent).
    pub actor_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub status: ReportStatus,
    pub resolution: Option<Resolution>,
    pub created_at: ChronoDateTimeUtc,
    pub resolved_at: Option<ChronoDateTimeUtc>,
    #[sea_orm(belongs_to, from = "actor_id", to = "id", on_delete = "SetNull")]
    pub actor: HasOne<super::actor::Entity>,
    #[sea_orm(has_many)]
    pub targets: HasMany<super::report_target::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
