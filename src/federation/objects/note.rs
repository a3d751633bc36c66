//! Replies as other servers write them: a `Note` (or `Article`, `Page`,
//! `Question`, ...) with `inReplyTo`. Parsed liberally: fields that come as a
//! string or a list, an object or a link, HTML or Markdown or plain text.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::urls::Urls;
use crate::{
    domain::{HttpUrl, render_remote_markdown, sanitize_remote, text_to_html},
    services::comments::{Arrival, Attachment, IncomingReply, Mention, ReplyTarget},
};

/// One value or a list of them, as a list.
fn many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

/// A URL given as a string, an object with `id`/`href`/`url`, or a list.
fn urls_of(value: Option<&Value>) -> Vec<String> {
    many(value)
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => map
                .get("id")
                .or_else(|| map.get("href"))
                .or_else(|| map.get("url"))
                .and_then(|u| urls_of(Some(u)).into_iter().next()),
            _ => None,
        })
        .filter(|s| url::Url::parse(s).is_ok())
        .collect()
}

/// Links for readers (the reply's page, attachments, mentions): http(s)
/// only, anything else dropped here.
fn links_of(value: Option<&Value>) -> Vec<HttpUrl> {
    urls_of(value)
        .iter()
        .filter_map(|u| HttpUrl::parse_opt(u))
        .collect()
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

/// The object's id, or `None` when it has none.
pub fn object_id(object: &Value) -> Option<String> {
    urls_of(object.get("id")).into_iter().next()
}

/// The object's author(s), for checking against the sending actor.
pub fn attributed_to(object: &Value) -> Vec<String> {
    urls_of(object.get("attributedTo"))
}

/// The post a note quotes, named by URL: FEP-044f `quote`, or the older
/// `quoteUri` (Fedibird, Akkoma), `quoteUrl` (Misskey, Akkoma) and
/// `_misskey_quote`. BookWyrm's `quote` is a passage of a book, not a URL,
/// and is no quote post.
pub fn quoted(object: &Value) -> Option<String> {
    ["quote", "quoteUri", "quoteUrl", "_misskey_quote"]
        .iter()
        .flat_map(|key| urls_of(object.get(*key)))
        .find(|url| HttpUrl::parse_opt(url).is_some())
}

/// The conversation an object belongs to (FEP-7888 `context`), when it is
/// a collection that can be fetched: an http(s) URL, not a `tag:` name.
pub fn conversation(object: &Value) -> Option<HttpUrl> {
    links_of(object.get("context")).into_iter().next()
}

/// Whether the object is addressed to the public (`to` or `cc`, in any of
/// the forms servers write it).
pub fn is_public(object: &Value) -> bool {
    ["to", "cc"]
        .iter()
        .flat_map(|key| many(object.get(*key)))
        .filter_map(Value::as_str)
        .any(|to| {
            matches!(
                to,
                "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public"
            )
        })
}

/// The `inReplyTo` candidates (Streams also says `replyTo`).
pub fn in_reply_to(object: &Value) -> Vec<String> {
    let mut all = urls_of(object.get("inReplyTo"));
    all.extend(urls_of(object.get("replyTo")));
    all
}

/// An object's text as sanitised HTML, from whichever field carries it.
pub fn content_html(object: &Value) -> crate::domain::SafeHtml {
    content(object).0
}

fn content(object: &Value) -> (crate::domain::SafeHtml, Option<String>) {
    let language = object
        .get("contentMap")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned());
    let media_type = text(object.get("mediaType")).unwrap_or_default();
    if let Some(html) = text(object.get("content")) {
        let safe = if media_type.starts_with("text/markdown") {
            render_remote_markdown(&html)
        } else {
            sanitize_remote(&html)
        };
        return (safe, language);
    }
    let from_map = object
        .get("contentMap")
        .and_then(Value::as_object)
        .and_then(|map| {
            map.iter()
                .find_map(|(k, v)| text(Some(v)).map(|h| (k.clone(), h)))
        });
    if let Some((lang, html)) = from_map {
        return (sanitize_remote(&html), Some(lang));
    }
    let source = object.get("source");
    if let Some(markdown) = source.and_then(|s| text(s.get("content"))) {
        let kind = source
            .and_then(|s| text(s.get("mediaType")))
            .unwrap_or_default();
        if kind.contains("markdown") {
            return (render_remote_markdown(&markdown), language);
        }
        return (text_to_html(&markdown), language);
    }
    if let Some(plain) = text(object.get("_misskey_content")) {
        return (text_to_html(&plain), language);
    }
    (text_to_html(""), language)
}

fn tags(object: &Value) -> (Vec<Mention>, Vec<String>) {
    let mut mentions = Vec::new();
    let mut hashtags = Vec::new();
    for tag in many(object.get("tag")) {
        let kind = tag.get("type").and_then(Value::as_str).unwrap_or_default();
        let name = text(tag.get("name"));
        match kind {
            "Mention" => {
                if let Some(href) = links_of(tag.get("href")).into_iter().next() {
                    mentions.push(Mention {
                        name: name.unwrap_or_else(|| href.to_string()),
                        href,
                    });
                }
            }
            "Hashtag" => {
                if let Some(name) = name {
                    hashtags.push(name.trim_start_matches('#').to_owned());
                }
            }
            _ => {}
        }
    }
    (mentions, hashtags)
}

fn attachments(object: &Value) -> Vec<Attachment> {
    many(object.get("attachment"))
        .into_iter()
        .filter_map(|a| {
            let url = links_of(a.get("url"))
                .into_iter()
                .next()
                .or_else(|| links_of(a.get("href")).into_iter().next())?;
            Some(Attachment {
                url,
                media_type: text(a.get("mediaType")),
                name: text(a.get("name")).or_else(|| text(a.get("summary"))),
            })
        })
        .collect()
}

/// Object types that are accounts or removals, never replies.
fn is_reply_type(object: &Value) -> bool {
    let types: Vec<&str> = many(object.get("type"))
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    !types.iter().any(|t| {
        matches!(
            *t,
            "Person" | "Service" | "Group" | "Application" | "Organization" | "Tombstone"
        )
    })
}

/// Longest reply kept, in bytes of sanitised HTML.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// A reply longer than [`MAX_REPLY_BYTES`] once sanitised is refused (413).
pub fn check_size(reply: &IncomingReply) -> Result<(), crate::federation::error::FedError> {
    if reply.content.as_str().len() > MAX_REPLY_BYTES {
        return Err(crate::federation::error::FedError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the reply is longer than 64 KiB",
        ));
    }
    Ok(())
}

/// Reads a reply-shaped object; `None` when it does not answer anything.
pub fn parse_reply(object: &Value, urls: &Urls) -> Option<IncomingReply> {
    let ap_id = object_id(object)?;
    if !is_reply_type(object) {
        return None;
    }
    let candidates = in_reply_to(object);
    let target = candidates
        .iter()
        .find_map(|c| {
            urls.post_slug(c).map(|slug| ReplyTarget::Post {
                slug: slug.to_owned(),
            })
        })
        .or_else(|| {
            candidates
                .first()
                .map(|c| ReplyTarget::Comment { ap_id: c.clone() })
        })?;
    let (content, language) = content(object);
    let (mentions, hashtags) = tags(object);
    let published = text(object.get("published"))
        .and_then(|p| DateTime::parse_from_rfc3339(&p).ok())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc))
        .min(Utc::now());
    let content_warning = text(object.get("summary")).map(|s| {
        // Some servers put HTML in the summary; the warning is shown as text.
        ammonia::Builder::empty().clean(&s).to_string()
    });
    Some(IncomingReply {
        url: links_of(object.get("url"))
            .into_iter()
            .next()
            .or_else(|| HttpUrl::parse_opt(&ap_id)),
        ap_id,
        target,
        content,
        sensitive: object
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || content_warning.is_some(),
        content_warning,
        language,
        mentions,
        hashtags,
        attachments: attachments(object),
        published,
        arrival: Arrival::Inbox,
        replies_url: links_of(object.get("replies")).into_iter().next(),
        context_url: conversation(object),
    })
}
