use sea_orm::entity::prelude::*;

/// A reply under a post: from the fediverse (`actor_id`) or by the blog's
/// author (`local_author_id`). `status` is `pending`, `approved`, `rejected`
/// or `spam`; a deleted comment keeps its row as a placeholder in the thread.
/// `visible`, `listed` and `thread_size` are derived and kept up to date by
/// `services::comments` so that pages never count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub uuid: String,
    pub post_id: i32,
    pub parent_id: Option<i32>,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub url: Option<String>,
    pub actor_id: Option<i32>,
    pub local_author_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub content_html: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub content_warning: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    /// JSON list of `{name, href}`.
    #[sea_orm(column_type = "Text")]
    pub mentions: String,
    /// JSON list of tag names.
    #[sea_orm(column_type = "Text")]
    pub hashtags: String,
    /// JSON list of `{url, media_type, name}`.
    #[sea_orm(column_type = "Text")]
    pub attachments: String,
    pub status: String,
    pub published_at: ChronoDateTimeUtc,
    pub edited_at: Option<ChronoDateTimeUtc>,
    pub deleted_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    /// Name and website of the author of an imported comment.
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    /// The top-level comment this one answers, however deep; `None` for a
    /// top-level comment.
    pub thread_id: Option<i32>,
    /// Its author or their server is blocked.
    pub hidden: bool,
    /// Approved, not hidden, not deleted: kept by `services::comments`.
    pub visible: bool,
    /// On a top-level comment: the thread has something to show.
    pub listed: bool,
    /// On a top-level comment: its approved, unhidden answers, deleted
    /// ones included (they stay as placeholders).
    pub thread_size: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::actor::Entity",
        from = "Column::ActorId",
        to = "super::actor::Column::Id",
        on_delete = "Cascade"
    )]
    Actor,
    #[sea_orm(
        belongs_to = "super::post::Entity",
        from = "Column::PostId",
        to = "super::post::Column::Id",
        on_delete = "Cascade"
    )]
    Post,
}

impl Related<super::post::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Post.def()
    }
}

impl Related<super::actor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
