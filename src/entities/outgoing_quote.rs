use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Where the blog's quote of another server's post stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum QuoteState {
    /// The quoted post is still to be read.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Read, and its author asked (`QuoteRequest`).
    #[sea_orm(string_value = "requested")]
    Requested,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// It could not be read.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// A post of the blog's quoting a post on another server (FEP-044f): one
/// per post.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outgoing_quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub post_id: i32,
    /// The quoted post's id.
    pub url: String,
    pub state: QuoteState,
    /// What was read of the quoted post, to show it.
    pub author_ap_id: Option<String>,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    pub author_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub content_html: Option<String>,
    /// The `QuoteRequest` sent (an outbox activity's uuid).
    pub request_uuid: Option<String>,
    /// The `QuoteAuthorization` the quoted author's server gave.
    pub authorization: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub locked_until: Option<ChronoDateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub updated_at: ChronoDateTimeUtc,
    #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
    pub post: BelongsTo<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
