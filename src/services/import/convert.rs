//! WordPress items into posts and comments as this blog stores them, before
//! anything is written: dates, statuses, bylines, tags, slugs and bodies.

use chrono::{DateTime, NaiveDateTime, Utc};
use percent_encoding::percent_decode_str;

use super::{
    content::{comment_html, cut, plain_text, post_markdown},
    wxr::{Export, RawComment, RawItem},
};
use crate::{
    domain::{Slug, TagName, derive_summary, render_markdown},
    services::{
        comments::{CommentStatus, ImportedComment},
        posts::{CUSTOM_SUMMARY_CHARS, ImportedPost, PostStatus, SUMMARY_CHARS},
        redirects,
    },
};

/// A comment to import, with the `ap_id` of the comment it answers, if any.
pub type Answer = (ImportedComment, Option<String>);

/// A post to import, with its old addresses and its comments in an order
/// where every parent comes before its answers.
#[derive(Debug)]
pub struct Item {
    pub post: ImportedPost,
    pub old_paths: Vec<String>,
    pub comments: Vec<Answer>,
    pub comments_skipped: CommentsSkipped,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct CommentsSkipped {
    /// Marked as spam or put in the bin.
    pub spam: usize,
    /// Pingbacks, trackbacks and other automatic notices.
    pub notices: usize,
}

/// What becomes of one `<item>`.
#[derive(Debug)]
pub enum Converted {
    Post(Box<Item>),
    /// Not a post (a page, an attachment, a menu entry...) or a binned one:
    /// what it was, for the summary.
    Skipped(String),
}

/// A problem with the content of an item, on its line.
#[derive(Debug)]
pub struct ItemError {
    pub line: usize,
    pub message: String,
}

const ZERO_DATE: &str = "0000-00-00 00:00:00";

/// A WordPress date (`2014-05-01 09:30:00`); the GMT one when set, else the
/// local one taken as UTC; `None` when neither is set.
fn date(gmt: &str, local: &str, what: &str) -> Result<Option<DateTime<Utc>>, String> {
    for value in [gmt, local] {
        let value = value.trim();
        if value.is_empty() || value == ZERO_DATE {
            continue;
        }
        return NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S")
            .map(|d| Some(d.and_utc()))
            .map_err(|_| {
                format!("<{what}> is not a date such as 2014-05-01 09:30:00: \"{value}\"")
            });
    }
    Ok(None)
}

fn tags(item: &RawItem) -> Vec<TagName> {
    let mut tags: Vec<TagName> = Vec::new();
    for category in &item.categories {
        if !matches!(category.domain.as_str(), "category" | "post_tag")
            || (category.domain == "category" && category.nicename == "uncategorized")
        {
            continue;
        }
        let name = cut(&plain_text(&category.name), 64);
        let nicename = percent_decode_str(&category.nicename).decode_utf8_lossy();
        let slug = [name.as_str(), &nicename]
            .into_iter()
            .map(|text| Slug::derive(text, ""))
            .find(|s| !s.as_str().is_empty());
        if let Some(slug) = slug
            && !name.is_empty()
            && !tags.iter().any(|t| t.slug == slug)
        {
            tags.push(TagName { name, slug });
        }
    }
    tags
}

/// WordPress's slug when it is one here too, else one made from it (or
/// from the title when it has none).
fn slug(post_name: &str, title: &str) -> Slug {
    let name = percent_decode_str(post_name).decode_utf8_lossy();
    Slug::parse(&name).unwrap_or_else(|_| {
        let derived = Slug::derive(&name, "");
        if derived.as_str().is_empty() {
            Slug::derive(title, "post")
        } else {
            derived
        }
    })
}

fn status(
    item: &RawItem,
    date: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (PostStatus, Option<DateTime<Utc>>) {
    match (item.status.as_str(), date) {
        ("publish", _) => (PostStatus::Published, date.or(Some(now))),
        ("future", Some(when)) if when > now => (PostStatus::Scheduled, Some(when)),
        // Due while WordPress's scheduler was not looking.
        ("future", Some(when)) => (PostStatus::Published, Some(when)),
        _ => (PostStatus::Draft, None),
    }
}

fn comment(
    raw: &RawComment,
    old_link: &str,
    post_date: DateTime<Utc>,
) -> Result<Answer, ItemError> {
    let at = |message| ItemError {
        line: raw.line,
        message,
    };
    let published_at = date(&raw.date_gmt, &raw.date, "wp:comment_date_gmt")
        .map_err(at)?
        .unwrap_or(post_date);
    let author_url = url::Url::parse(raw.author_url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from);
    let author = cut(&plain_text(&raw.author), 100);
    let imported = ImportedComment {
        ap_id: format!("{old_link}#comment-{}", raw.id),
        author_name: if author.is_empty() {
            "Anonymous".to_owned()
        } else {
            author
        },
        author_url,
        content: comment_html(&raw.content),
        status: if raw.approved == "1" {
            CommentStatus::Approved
        } else {
            CommentStatus::Pending
        },
        published_at,
    };
    let parent = (raw.parent > 0).then(|| format!("{old_link}#comment-{}", raw.parent));
    Ok((imported, parent))
}

/// Comments to import, parents first, and how many were left out.
fn comments(
    item: &RawItem,
    old_link: &str,
    post_date: DateTime<Utc>,
) -> Result<(Vec<Answer>, CommentsSkipped), ItemError> {
    let mut skipped = CommentsSkipped::default();
    let mut kept = Vec::new();
    for raw in &item.comments {
        if !matches!(raw.kind.as_str(), "" | "comment") {
            skipped.notices += 1;
        } else if !matches!(raw.approved.as_str(), "1" | "0") {
            skipped.spam += 1;
        } else {
            kept.push((raw.id, comment(raw, old_link, post_date)?));
        }
    }
    // WordPress numbers comments in order of arrival, so answers come after
    // what they answer; sorting makes sure of it for hand-edited files.
    kept.sort_by_key(|(id, _)| *id);
    Ok((kept.into_iter().map(|(_, c)| c).collect(), skipped))
}

pub fn item(raw: &RawItem, export: &Export, now: DateTime<Utc>) -> Result<Converted, ItemError> {
    let at = |message| ItemError {
        line: raw.line,
        message,
    };
    match (raw.post_type.as_str(), raw.status.as_str()) {
        ("post", "trash" | "auto-draft" | "inherit") => {
            return Ok(Converted::Skipped("binned post or autosave".into()));
        }
        ("post", _) => {}
        ("", _) => return Ok(Converted::Skipped("item without a type".into())),
        (other, _) => return Ok(Converted::Skipped(other.replace('_', " "))),
    }
    let updated = date(&raw.post_modified_gmt, "", "wp:post_modified_gmt").map_err(at)?;
    let date = date(&raw.post_date_gmt, &raw.post_date, "wp:post_date_gmt").map_err(at)?;
    let (status, published_at) = status(raw, date, now);
    let title = cut(&plain_text(&raw.title), 200);
    let title = if title.is_empty() {
        "Untitled".to_owned()
    } else {
        title
    };
    let markdown = post_markdown(&raw.content, &export.site_url);
    let excerpt = cut(&plain_text(&raw.excerpt), CUSTOM_SUMMARY_CHARS);
    let source = [&raw.guid, &raw.link]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("{}/?p={}", export.site_url, raw.post_id.unwrap_or(0)));
    let old_link = if raw.link.is_empty() {
        source.clone()
    } else {
        raw.link.clone()
    };
    let created_at = date.unwrap_or(now);
    let (comments, comments_skipped) = comments(raw, &old_link, created_at)?;
    let post = ImportedPost {
        source,
        slug: slug(&raw.post_name, &title),
        html: render_markdown(&markdown),
        summary: if excerpt.is_empty() {
            derive_summary(&markdown, SUMMARY_CHARS)
        } else {
            excerpt.clone()
        },
        summary_is_custom: !excerpt.is_empty(),
        markdown,
        title,
        status,
        published_at,
        created_at,
        updated_at: updated.unwrap_or(created_at).max(created_at),
        author_name: export
            .authors
            .get(&raw.creator)
            .cloned()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| raw.creator.clone()),
        tags: tags(raw),
    };
    Ok(Converted::Post(Box::new(Item {
        post,
        old_paths: redirects::old_paths(&raw.link, &export.site_url, raw.post_id),
        comments,
        comments_skipped,
    })))
}
