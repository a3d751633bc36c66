use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a post stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    /// Private to its author.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Goes public by itself at its `published_at`.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "published")]
    Published,
}

/// Who may reply to a post. Replies it does not allow are kept, rejected,
/// for the admin to see.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum ReplyPolicy {
    #[default]
    #[sea_orm(string_value = "anyone")]
    Anyone,
    /// The blog's followers, and accounts mentioned in the reply they answer.
    #[sea_orm(string_value = "followers")]
    Followers,
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl ReplyPolicy {
    /// Whether a reply from an account that does or does not follow the
    /// blog, and is or is not mentioned in what it answers, is allowed.
    pub fn admits(self, follows: bool, mentioned: bool) -> bool {
        match self {
            ReplyPolicy::Anyone => true,
            ReplyPolicy::Followers => follows || mentioned,
            ReplyPolicy::Closed => false,
        }
    }
}

/// Who may quote a post; the post's own setting, or the blog's.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum QuotePolicy {
    #[default]
    #[sea_orm(string_value = "anyone")]
    Anyone,
    #[sea_orm(string_value = "followers")]
    Followers,
    #[sea_orm(string_value = "nobody")]
    Nobody,
}

impl QuotePolicy {
    /// Whether an account that does or does not follow the blog may quote.
    pub fn admits(self, follows: bool) -> bool {
        match self {
            QuotePolicy::Anyone => true,
            QuotePolicy::Followers => follows,
            QuotePolicy::Nobody => false,
        }
    }
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body_markdown: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub summary_is_custom: bool,
    pub status: PostStatus,
    pub author_id: i32,
    pub published_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub deleted_at: Option<ChronoDateTimeUtc>,
    /// The byline of an imported post whose author has no account here.
    pub author_name: Option<String>,
    /// Where an imported post came from (its WordPress guid).
    pub imported_from: Option<String>,
    /// Visible comments, likes, boosts and emoji reactions: kept by the
    /// services that change them, so that pages never count.
    pub reply_count: i32,
    pub like_count: i32,
    pub boost_count: i32,
    pub emoji_count: i32,
    pub reply_policy: ReplyPolicy,
    /// `None`: as `[blog] quote_policy` says.
    pub quote_policy: Option<QuotePolicy>,
    /// BCP 47; `None` for the blog's language.
    pub language: Option<String>,
    #[sea_orm(belongs_to, from = "author_id", to = "id")]
    pub author: BelongsTo<super::user::Entity>,
    #[sea_orm(has_many)]
    pub quotes: HasMany<super::quote::Entity>,
    #[sea_orm(has_many, via = "post_tag")]
    pub tags: HasMany<super::tag::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use super::ReplyPolicy;

    #[test]
    fn each_quote_policy_admits_whom_it_names() {
        use super::QuotePolicy;
        for follows in [false, true] {
            assert!(QuotePolicy::Anyone.admits(follows));
            assert!(!QuotePolicy::Nobody.admits(follows));
            assert_eq!(QuotePolicy::Followers.admits(follows), follows);
        }
    }

    #[test]
    fn each_reply_policy_admits_whom_it_names() {
        for (follows, mentioned) in [(false, false), (true, false), (false, true), (true, true)] {
            assert!(ReplyPolicy::Anyone.admits(follows, mentioned));
            assert!(!ReplyPolicy::Closed.admits(follows, mentioned));
            assert_eq!(
                ReplyPolicy::Followers.admits(follows, mentioned),
                follows || mentioned
            );
        }
    }
}
