use sea_orm::entity::prelude::*;

/// The domain fact an activity reports; its wire form is rendered from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ActivityKind {
    #[sea_orm(string_value = "create")]
    Create,
    #[sea_orm(string_value = "update")]
    Update,
    #[sea_orm(string_value = "delete")]
    Delete,
    #[sea_orm(string_value = "accept")]
    Accept,
    /// A refusal addressed to one actor (a quote the post does not allow).
    #[sea_orm(string_value = "reject")]
    Reject,
    /// The withdrawal of an authorisation given to one actor.
    #[sea_orm(string_value = "revoke")]
    Revoke,
    /// A request to quote another server's post.
    #[sea_orm(string_value = "quote_request")]
    QuoteRequest,
    /// The author's answer to a comment.
    #[sea_orm(string_value = "reply")]
    Reply,
    /// A report sent to another server's moderators.
    #[sea_orm(string_value = "flag")]
    Flag,
    /// The blog's move to another account.
    #[sea_orm(string_value = "move")]
    Move,
    /// The blog's boost of a post its author's own account published.
    #[sea_orm(string_value = "announce")]
    Announce,
}

/// Something the blog told (or will tell) the fediverse. `kind` is the domain
/// fact (`create`, `update`, `delete`, `accept`); `payload` is the JSON sent,
/// fixed the first time it is rendered so every inbox gets the same bytes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub uuid: String,
    pub kind: ActivityKind,
    pub post_id: Option<i32>,
    /// For the author's answers to comments.
    pub comment_id: Option<i32>,
    /// For the revocation of a quote's authorisation.
    pub quote_id: Option<i32>,
    /// For a report sent.
    pub report_id: Option<i32>,
    /// The author whose account sends it; `None`: the blog's.
    pub user_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    #[sea_orm(has_many)]
    pub deliveries: HasMany<super::delivery::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
