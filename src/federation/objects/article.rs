//! Posts as ActivityPub `Article`s (FEP-b2b8). Mastodon shows `name`,
//! `summary` and a link to `url`; other servers show `content`.

use serde_json::{Value, json};

use super::super::{
    Urls,
    context::{PUBLIC, with_context},
};
use crate::{
    config::BlogConfig,
    entities::outgoing_quote::QuoteState,
    services::{
        posts::{PostView, QuotePolicy, ReplyPolicy},
        quoting::QuotedView,
    },
};

fn timestamp(date: chrono::DateTime<chrono::Utc>) -> String {
    date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `#Open Source` cannot be a hashtag; `#OpenSource` can.
fn hashtag_name(name: &str) -> String {
    let joined: String = name
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|part| !part.is_empty())
        .enumerate()
        .map(|(i, part)| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) if i > 0 => first.to_uppercase().chain(chars).collect::<String>(),
                Some(first) => std::iter::once(first).chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    format!("#{joined}")
}

/// The blog's own images in the post, as Mastodon shows attachments: with
/// type, size and description.
fn attachments(urls: &Urls, markdown: &str) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    crate::domain::images(markdown)
        .into_iter()
        .filter_map(|image| {
            let name = urls.own_media(&image.url)?;
            seen.insert(name.to_string()).then(|| {
                json!({
                    "type": "Image",
                    "mediaType": name.format.media_type(),
                    "url": urls.media(&name),
                    "name": image.alt,
                    "width": name.width,
                    "height": name.height,
                })
            })
        })
        .collect()
}

/// A `replies` collection as an object names it: where it is and where
/// its first page is (it lists direct answers; the whole thread is the
/// object's `context`).
pub fn replies(id: String) -> Value {
    json!({ "id": id, "type": "OrderedCollection", "first": format!("{id}?page=true") })
}

fn collection(id: String, total: u64) -> Value {
    json!({ "id": id, "type": "Collection", "totalItems": total })
}

/// Who may answer a post without asking, as GoToSocial and Mastodon read
/// it (`automaticApproval`, and the older `always`).
fn approval(who: Vec<String>) -> Value {
    json!({ "automaticApproval": who, "always": who, "manualApproval": [], "approvalRequired": [] })
}

fn interaction_policy(urls: &Urls, post: &PostView, default_quotes: QuotePolicy) -> Value {
    let repliers = match post.reply_policy {
        ReplyPolicy::Anyone => vec![PUBLIC.to_owned(), urls.actor()],
        ReplyPolicy::Followers => vec![urls.followers(), urls.actor()],
        ReplyPolicy::Closed => vec![urls.actor()],
    };
    let quoters = match post.quote_policy.unwrap_or(default_quotes) {
        QuotePolicy::Anyone => vec![PUBLIC.to_owned(), urls.actor()],
        QuotePolicy::Followers => vec![urls.followers(), urls.actor()],
        QuotePolicy::Nobody => vec![urls.actor()],
    };
    json!({ "canReply": approval(repliers), "canQuote": approval(quoters) })
}

/// The post quoted (FEP-044f, with the older fields and the FEP-e232 link
/// that servers without quotes read), and a link to it at the end of the
/// text for those that show neither. A refused quote stays a link only.
fn quote(article: &mut Value, quoted: &QuotedView) {
    use quick_xml::escape::escape;
    let url = &quoted.url;
    let link = escape(url);
    if let Some(content) = article["content"].as_str() {
        let content =
            format!("{content}<p class=\"quote-inline\">RE: <a href=\"{link}\">{link}</a></p>");
        for key in ["content", "contentMap"] {
            match &mut article[key] {
                Value::String(text) => *text = content.clone(),
                Value::Object(map) => map.values_mut().for_each(|v| *v = json!(content)),
                _ => {}
            }
        }
    }
    if matches!(quoted.state, QuoteState::Rejected | QuoteState::Failed) {
        return;
    }
    for key in ["quote", "quoteUri", "_misskey_quote"] {
        article[key] = json!(url);
    }
    if let Some(authorization) = &quoted.authorization {
        article["quoteAuthorization"] = json!(authorization);
    }
    if let Some(tags) = article["tag"].as_array_mut() {
        tags.push(json!({
            "type": "Link",
            "mediaType": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "href": url,
            "name": format!("RE: {url}"),
        }));
    }
}

/// What servers that show only short notes show instead of the Article
/// (FEP-b2b8): its title, teaser and link, with its first image.
fn preview(urls: &Urls, post: &PostView, id: &str, image: Option<&Value>) -> Value {
    use quick_xml::escape::escape;
    let link = escape(id);
    let mut note = json!({
        "type": "Note",
        "attributedTo": author(urls, post),
        "content": format!(
            "<p><strong>{}</strong></p><p>{}</p><p><a href=\"{link}\">{link}</a></p>",
            escape(&post.title),
            escape(&post.summary),
        ),
    });
    if let Some(image) = image {
        note["attachment"] = json!([image]);
    }
    note
}

/// Who wrote a post on the fediverse: its author's own account when they
/// have one, else the blog.
pub fn author(urls: &Urls, post: &PostView) -> String {
    match &post.author_account {
        Some(name) => urls.author(name),
        None => urls.actor(),
    }
}

/// Whose followers a post is for: the blog's, and its author's.
pub fn audience(urls: &Urls, post: &PostView) -> Vec<String> {
    let mut cc = vec![urls.followers()];
    cc.extend(
        post.author_account
            .as_deref()
            .map(|name| urls.author_followers(name)),
    );
    cc
}

/// The Article for a post, without `@context` (for embedding in activities).
pub fn article(urls: &Urls, post: &PostView, blog: &BlogConfig) -> Value {
    let id = urls.post(&post.slug);
    let language = post.language.as_deref().unwrap_or(&blog.language);
    let published = post.published_at.unwrap_or(post.updated_at);
    let tags: Vec<Value> = post
        .tags
        .iter()
        .map(|t| json!({ "type": "Hashtag", "href": urls.tag(&t.slug), "name": hashtag_name(&t.name) }))
        .collect();
    let mut article = json!({
        "id": id,
        "type": "Article",
        "attributedTo": author(urls, post),
        "name": post.title,
        "nameMap": { language: post.title },
        "summary": post.summary,
        "summaryMap": { language: post.summary },
        "content": post.html,
        "contentMap": { language: post.html },
        "mediaType": "text/html",
        "source": { "content": post.markdown, "mediaType": "text/markdown" },
        "url": id,
        "published": timestamp(published),
        "to": [PUBLIC],
        "cc": audience(urls, post),
        "tag": tags,
        "sensitive": false,
        "context": urls.conversation(&post.slug),
        "replies": replies(urls.post_replies(&post.slug)),
        "interactionPolicy": interaction_policy(urls, post, blog.quote_policy),
        "likes": collection(format!("{id}/likes"), post.reactions.likes + post.reactions.reactions),
        "shares": collection(format!("{id}/shares"), post.reactions.boosts),
    });
    if let Some(quoted) = &post.quoted {
        quote(&mut article, quoted);
    }
    let attachment = attachments(urls, &post.markdown);
    article["preview"] = preview(urls, post, &id, attachment.first());
    if let Some(first) = attachment.first() {
        article["image"] = first.clone();
        article["attachment"] = json!(attachment);
    }
    // Mastodon applies an edit only when `updated` is present and newer.
    if post.updated_at > published {
        article["updated"] = json!(timestamp(post.updated_at));
    }
    article
}

/// The Article as its own document.
pub fn article_document(urls: &Urls, post: &PostView, blog: &BlogConfig) -> Value {
    with_context(article(urls, post, blog))
}

/// What a deleted post's id answers with.
pub fn tombstone(urls: &Urls, slug: &str) -> Value {
    json!({ "id": urls.post(slug), "type": "Tombstone", "formerType": "Article" })
}

#[cfg(test)]
mod tests {
    use super::hashtag_name;

    #[test]
    fn tag_names_become_single_word_hashtags() {
        assert_eq!(hashtag_name("Open Source"), "#OpenSource");
        assert_eq!(hashtag_name("rust"), "#rust");
        assert_eq!(hashtag_name("C++ & more"), "#CMore");
    }
}
