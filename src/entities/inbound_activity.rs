use sea_orm::entity::prelude::*;

/// Where a received activity is in the inbox queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InboundState {
    /// Verified and recorded; waiting to be (or being) processed.
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "done")]
    Done,
    /// Given up on: it could not be applied.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// An activity the inbox verified and accepted, as the worker sees it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "Text", unique)]
    pub ap_id: String,
    /// The sender whose signature was verified.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    /// What it withdraws: a `Delete`'s object, an `Undo`'s activity.
    #[sea_orm(column_type = "Text", nullable)]
    pub withdraws: Option<String>,
    /// The JSON as received; `None` once processed.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    pub state: InboundState,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub locked_until: Option<ChronoDateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub received_at: ChronoDateTimeUtc,
    pub processed_at: Option<ChronoDateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
