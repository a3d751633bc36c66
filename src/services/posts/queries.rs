//! Reading posts for the public pages, the feeds and the admin list.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};
use serde::Serialize;

use super::{PostForm, PostStatus, QuotePolicy, ReplyPolicy};
use crate::{
    entities::{post, post_tag, tag, user},
    services::reactions::ReactionCounts,
};

#[derive(Debug, Clone, Serialize)]
pub struct TagView {
    pub name: String,
    pub slug: String,
}

/// A post as pages and feeds show it.
#[derive(Debug, Clone, Serialize)]
pub struct PostView {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub html: String,
    pub markdown: String,
    pub summary: String,
    pub status: PostStatus,
    /// Deleted since (only the activity renderer sees such posts).
    pub deleted: bool,
    pub author: String,
    /// The account that owns the post (an author may change only their own).
    pub author_id: i32,
    /// The author's username, when they have a fediverse account of their
    /// own: the post is theirs on the fediverse.
    pub author_account: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub tags: Vec<TagView>,
    /// Approved replies shown under the post.
    pub reply_count: u64,
    pub reactions: ReactionCounts,
    pub reply_policy: ReplyPolicy,
    /// `None`: as the blog's setting says.
    pub quote_policy: Option<QuotePolicy>,
    /// BCP 47; `None` for the blog's language.
    pub language: Option<String>,
    /// The post on another server it quotes, as read from there.
    pub quoted: Option<crate::services::quoting::QuotedView>,
}

impl PostView {
    /// Public now: published and not deleted.
    pub fn is_public(&self) -> bool {
        self.status == PostStatus::Published && !self.deleted
    }

    pub fn path(&self) -> String {
        crate::urls::post_path(&self.slug)
    }

    /// Whether the post was changed noticeably after it was published.
    pub fn was_edited(&self) -> bool {
        self.published_at
            .is_some_and(|published| self.updated_at - published > chrono::Duration::minutes(5))
    }
}

/// One page of a longer list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub number: u64,
    pub total_pages: u64,
}

/// What a permalink points at.
pub enum Lookup {
    Found(Box<PostView>),
    Deleted,
    Missing,
}

fn published() -> Select<post::Entity> {
    post::Entity::find()
        .filter(post::Column::Status.eq(PostStatus::Published))
        .filter(post::Column::DeletedAt.is_null())
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
}

/// Turns posts into views, loading authors and tags in one query each.
async fn views(db: &DatabaseConnection, posts: Vec<post::Model>) -> anyhow::Result<Vec<PostView>> {
    let ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
    let author_ids: Vec<i32> = posts.iter().map(|p| p.author_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(author_ids))
        .all(db)
        .await
        .context("failed to load post authors")?;
    let accounts: HashMap<i32, String> = users
        .iter()
        .filter(|u| u.fediverse_account)
        .map(|u| (u.id, u.username.clone()))
        .collect();
    let authors: HashMap<i32, String> = users
        .into_iter()
        .map(|u| (u.id, u.display_name.unwrap_or(u.username)))
        .collect();
    let mut quoted: HashMap<i32, _> = crate::services::quoting::of_posts(db, &ids)
        .await?
        .into_iter()
        .collect();
    let mut tags: HashMap<i32, Vec<TagView>> = HashMap::new();
    let rows = post_tag::Entity::find()
        .filter(post_tag::Column::PostId.is_in(ids))
        .find_also_related(tag::Entity)
        .all(db)
        .await
        .context("failed to load post tags")?;
    for (link, found) in rows {
        if let Some(t) = found {
            tags.entry(link.post_id).or_default().push(TagView {
                name: t.name,
                slug: t.slug,
            });
        }
    }
    for list in tags.values_mut() {
        list.sort_by_key(|t| t.name.to_lowercase());
    }
    Ok(posts
        .into_iter()
        .map(|p| PostView {
            // An imported post keeps the byline it had on the old blog.
            author: p
                .author_name
                .clone()
                .or_else(|| authors.get(&p.author_id).cloned())
                .unwrap_or_default(),
            tags: tags.remove(&p.id).unwrap_or_default(),
            reply_count: u64::try_from(p.reply_count).unwrap_or_default(),
            reactions: ReactionCounts::kept(&p),
            id: p.id,
            author_id: p.author_id,
            author_account: accounts.get(&p.author_id).cloned(),
            slug: p.slug,
            title: p.title,
            html: p.body_html,
            markdown: p.body_markdown,
            summary: p.summary,
            status: p.status,
            deleted: p.deleted_at.is_some(),
            published_at: p.published_at,
            updated_at: p.updated_at,
            reply_policy: p.reply_policy,
            quote_policy: p.quote_policy,
            language: p.language,
            quoted: quoted.remove(&p.id),
        })
        .collect())
}

async fn page_of(
    db: &DatabaseConnection,
    query: Select<post::Entity>,
    number: u64,
    per_page: u64,
) -> anyhow::Result<Option<Page<PostView>>> {
    let number = number.max(1);
    let total = query
        .clone()
        .count(db)
        .await
        .context("failed to count posts")?;
    let total_pages = total.div_ceil(per_page).max(1);
    if number > total_pages {
        return Ok(None);
    }
    let posts = query
        .offset((number - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await
        .context("failed to load posts")?;
    Ok(Some(Page {
        items: views(db, posts).await?,
        number,
        total_pages,
    }))
}

/// A page of the home page's list, newest first; `None` past the last page.
pub async fn published_page(
    db: &DatabaseConnection,
    number: u64,
    per_page: u64,
) -> anyhow::Result<Option<Page<PostView>>> {
    page_of(db, published(), number, per_page).await
}

/// The newest published posts, for the feeds.
pub async fn recent(db: &DatabaseConnection, count: u64) -> anyhow::Result<Vec<PostView>> {
    let posts = published()
        .limit(count)
        .all(db)
        .await
        .context("failed to load recent posts")?;
    views(db, posts).await
}

pub async fn published_by_slug(db: &DatabaseConnection, slug: &str) -> anyhow::Result<Lookup> {
    let found = post::Entity::find_by_slug(slug)
        .one(db)
        .await
        .with_context(|| format!("failed to load post {slug}"))?;
    Ok(match found {
        Some(p) if p.deleted_at.is_some() => Lookup::Deleted,
        Some(p) if p.status == PostStatus::Published => {
            let mut list = views(db, vec![p]).await?;
            list.pop()
                .map_or(Lookup::Missing, |v| Lookup::Found(Box::new(v)))
        }
        _ => Lookup::Missing,
    })
}

/// A tag and a page of its published posts; `None` when the tag has none.
pub async fn tag_page(
    db: &DatabaseConnection,
    tag_slug: &str,
    number: u64,
    per_page: u64,
) -> anyhow::Result<Option<(TagView, Page<PostView>)>> {
    let Some(found) = tag::Entity::find_by_slug(tag_slug)
        .one(db)
        .await
        .with_context(|| format!("failed to load tag {tag_slug}"))?
    else {
        return Ok(None);
    };
    let tagged = post_tag::Entity::find()
        .select_only()
        .column(post_tag::Column::PostId)
        .filter(post_tag::Column::TagId.eq(found.id))
        .into_query();
    let query = published().filter(post::Column::Id.in_subquery(tagged));
    let page = page_of(db, query, number, per_page).await?;
    Ok(page.filter(|p| !p.items.is_empty()).map(|p| {
        (
            TagView {
                name: found.name,
                slug: found.slug,
            },
            p,
        )
    }))
}

/// The id of a published post, for reactions to it.
pub async fn published_id(db: &DatabaseConnection, slug: &str) -> anyhow::Result<Option<i32>> {
    Ok(published()
        .filter(post::Column::Slug.eq(slug))
        .one(db)
        .await
        .with_context(|| format!("failed to load post {slug}"))?
        .map(|p| p.id))
}

pub async fn count_published(db: &DatabaseConnection) -> anyhow::Result<u64> {
    published().count(db).await.context("failed to count posts")
}

/// How many posts author `author_id` published.
pub async fn published_count_by(db: &DatabaseConnection, author_id: i32) -> anyhow::Result<u64> {
    published()
        .filter(post::Column::AuthorId.eq(author_id))
        .count(db)
        .await
        .context("failed to count an author's posts")
}

/// A page of author `author_id`'s published posts, newest first.
pub async fn published_page_by(
    db: &DatabaseConnection,
    author_id: i32,
    number: u64,
    per_page: u64,
) -> anyhow::Result<Option<Page<PostView>>> {
    let posts = published().filter(post::Column::AuthorId.eq(author_id));
    page_of(db, posts, number, per_page).await
}

/// Author `author_id`'s newest published posts, for their feed.
pub async fn recent_by(
    db: &DatabaseConnection,
    author_id: i32,
    count: u64,
) -> anyhow::Result<Vec<PostView>> {
    let posts = published()
        .filter(post::Column::AuthorId.eq(author_id))
        .limit(count)
        .all(db)
        .await
        .context("failed to load an author's recent posts")?;
    views(db, posts).await
}

/// The post an activity is about, whatever its state: `None` once it is gone
/// from the database entirely.
pub async fn for_activity(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<PostView>> {
    let Some(found) = post::Entity::find_by_id(id)
        .one(db)
        .await
        .with_context(|| format!("failed to load post {id}"))?
    else {
        return Ok(None);
    };
    let mut list = views(db, vec![found]).await?;
    Ok(list.pop())
}

/// Every post that is not deleted, drafts included, most recently changed first.
pub async fn all_for_admin(db: &DatabaseConnection) -> anyhow::Result<Vec<PostView>> {
    list_for_admin(db, None).await
}

/// The posts `user` manages: an admin's list has every post, an author's
/// their own.
pub async fn managed_by(
    db: &DatabaseConnection,
    user: &user::Model,
) -> anyhow::Result<Vec<PostView>> {
    let owner = (!user.is_admin).then_some(user.id);
    list_for_admin(db, owner).await
}

async fn list_for_admin(
    db: &DatabaseConnection,
    owner: Option<i32>,
) -> anyhow::Result<Vec<PostView>> {
    let mut query = post::Entity::find().filter(post::Column::DeletedAt.is_null());
    if let Some(owner) = owner {
        query = query.filter(post::Column::AuthorId.eq(owner));
    }
    let posts = query
        .order_by_desc(post::Column::UpdatedAt)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await
        .context("failed to load posts for the admin list")?;
    views(db, posts).await
}

/// A post the author may edit, with its fields as the editor shows them.
pub async fn editable(
    db: &DatabaseConnection,
    id: i32,
    tz: chrono_tz::Tz,
) -> anyhow::Result<Option<(PostView, PostForm)>> {
    let Some(found) = post::Entity::find_by_id(id)
        .filter(post::Column::DeletedAt.is_null())
        .one(db)
        .await
        .with_context(|| format!("failed to load post {id}"))?
    else {
        return Ok(None);
    };
    let form = PostForm {
        title: found.title.clone(),
        body: found.body_markdown.clone(),
        summary: if found.summary_is_custom {
            found.summary.clone()
        } else {
            String::new()
        },
        tags: String::new(),
        slug: found.slug.clone(),
        publish_at: match found.published_at {
            Some(at) if found.status == PostStatus::Scheduled => super::local_time_field(at, tz),
            _ => String::new(),
        },
        replies: found.reply_policy,
        quotes: found
            .quote_policy
            .map(|chosen| chosen.to_value())
            .unwrap_or_default(),
        language: found.language.clone().unwrap_or_default(),
        quote: String::new(),
    };
    let mut list = views(db, vec![found]).await?;
    Ok(list.pop().map(|view| {
        let tags = view
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let quote = view
            .quoted
            .as_ref()
            .map(|q| q.url.clone())
            .unwrap_or_default();
        (
            view,
            PostForm {
                tags,
                quote,
                ..form
            },
        )
    }))
}

/// The account that owns post `id`, if the post exists (deleted or not).
pub async fn owner_of(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<i32>> {
    post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::AuthorId)
        .into_tuple::<i32>()
        .one(db)
        .await
        .with_context(|| format!("failed to load the author of post {id}"))
}

/// Whether `user` may edit, schedule or delete a post owned by `owner`:
/// its author, or an admin.
pub fn may_manage(user: &user::Model, owner: i32) -> bool {
    user.is_admin || user.id == owner
}

/// The id of any post that is not deleted (drafts and scheduled included).
pub async fn id_by_slug(db: &DatabaseConnection, slug: &str) -> anyhow::Result<Option<i32>> {
    Ok(post::Entity::find_by_slug(slug)
        .filter(post::Column::DeletedAt.is_null())
        .one(db)
        .await
        .with_context(|| format!("failed to load post {slug}"))?
        .map(|p| p.id))
}

/// Every published post's slug and last change, newest first, for the sitemap.
pub async fn sitemap(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, DateTime<Utc>)>> {
    published()
        .select_only()
        .column(post::Column::Slug)
        .column(post::Column::UpdatedAt)
        .into_tuple()
        .all(db)
        .await
        .context("failed to list posts for the sitemap")
}
