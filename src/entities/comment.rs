use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::HttpUrl;

/// An account a reply mentions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub href: HttpUrl,
}

/// A file a reply carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub url: HttpUrl,
    pub media_type: Option<String>,
    pub name: Option<String>,
}

/// A list kept as JSON text. Read leniently: an item that no longer
/// parses (say, a link that is not http(s)) is left out, the rest kept.
macro_rules! json_list {
    ($name:ident, $item:ty) => {
        #[derive(Clone, Debug, PartialEq, Eq, Default, DeriveValueType)]
        #[sea_orm(value_type = "String")]
        pub struct $name(pub Vec<$item>);

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let items: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
                Ok($name(
                    items
                        .into_iter()
                        .filter_map(|item| serde_json::from_value(item).ok())
                        .collect(),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let text = serde_json::to_string(&self.0).map_err(|_| std::fmt::Error)?;
                f.write_str(&text)
            }
        }
    };
}

json_list!(Mentions, Mention);
json_list!(Hashtags, String);
json_list!(Attachments, Attachment);

/// Where a reply stands in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Held for the admin.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "spam")]
    Spam,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Approved,
        CommentStatus::Rejected,
        CommentStatus::Spam,
    ];

    /// As stored, for statements written as SQL text.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Rejected => "rejected",
            CommentStatus::Spam => "spam",
        }
    }
}

/// How a reply from the fediverse reached the blog.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum Arrival {
    /// Sent to the blog's inbox.
    #[default]
    #[sea_orm(string_value = "inbox")]
    Inbox,
    /// Found by walking another server's collections (backfill).
    #[sea_orm(string_value = "found")]
    Found,
}

/// A reply under a post: from the fediverse (`actor_id`) or by the blog's
/// author (`local_author_id`); a deleted comment keeps its row as a
/// placeholder in the thread.
/// `visible`, `listed` and `thread_size` are derived and kept up to date by
/// `services::comments` so that pages never count.
#[sea_orm::model]
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
    #[sea_orm(column_type = "Text")]
    pub mentions: Mentions,
    #[sea_orm(column_type = "Text")]
    pub hashtags: Hashtags,
    #[sea_orm(column_type = "Text")]
    pub attachments: Attachments,
    pub status: CommentStatus,
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
    pub arrival: Arrival,
    /// The reply's own `replies` collection, and its conversation's
    /// `context`, where it names them: walked to find missing replies.
    pub replies_url: Option<String>,
    pub context_url: Option<String>,
    #[sea_orm(belongs_to, from = "actor_id", to = "id", on_delete = "Cascade")]
    pub actor: HasOne<super::actor::Entity>,
    #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
    pub post: BelongsTo<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
