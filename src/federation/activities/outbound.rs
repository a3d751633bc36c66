//! The JSON of what the blog sends: Create, Update and Delete of its posts,
//! and Accept of follows.

use serde_json::{Value, json};

use super::super::{
    Urls,
    context::{PUBLIC, with_context},
    objects::article::{article, replies, tombstone},
};
use crate::{
    config::BlogConfig,
    services::{comments::CommentView, posts::PostView},
};

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn accept(urls: &Urls, uuid: &str, follow: Value) -> Value {
    accept_from(urls, &urls.actor(), uuid, follow)
}

/// An `Accept` of a follow of the account `actor` (the blog or an author).
pub fn accept_from(urls: &Urls, actor: &str, uuid: &str, follow: Value) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Accept",
        "actor": actor,
        "object": follow,
    }))
}

/// An activity of the blog's about `object`, addressed as the object is
/// (without `@context`, as collection items are).
pub fn wrap(urls: &Urls, id: String, kind: &str, published: Value, object: Value) -> Value {
    // The object's author sends it: the blog, or an author's own account.
    let actor = match object.get("attributedTo") {
        Some(Value::String(author)) => json!(author),
        _ => json!(urls.actor()),
    };
    json!({
        "id": id,
        "type": kind,
        "actor": actor,
        "published": published,
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    })
}

/// `Create` of a post, or `Update` once it has been edited.
pub fn create_or_update(
    urls: &Urls,
    uuid: &str,
    edited: bool,
    post: &PostView,
    blog: &BlogConfig,
) -> Value {
    let object = article(urls, post, blog);
    let (kind, published) = if edited {
        let at = object
            .get("updated")
            .cloned()
            .unwrap_or_else(|| json!(now()));
        ("Update", at)
    } else {
        ("Create", object["published"].clone())
    };
    with_context(wrap(urls, urls.activity(uuid), kind, published, object))
}

pub fn delete(urls: &Urls, uuid: &str, post: &PostView) -> Value {
    use super::super::objects::article::{audience, author};
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Delete",
        "actor": author(urls, post),
        "published": now(),
        "to": [PUBLIC],
        "cc": audience(urls, post),
        "object": tombstone(urls, &post.slug),
    }))
}

/// The blog's boost of a post its author's own account published.
pub fn announce(urls: &Urls, uuid: &str, post: &PostView) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Announce",
        "actor": urls.actor(),
        "published": post.published_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "to": [PUBLIC],
        "cc": [urls.followers(), super::super::objects::article::author(urls, post)],
        "object": urls.post(&post.slug),
    }))
}

/// The author's answer to a comment, as a `Note` in reply to it.
pub fn answer_note(urls: &Urls, answer: &CommentView, answered: &CommentView) -> Value {
    let id = urls.comment(&answer.uuid);
    let mut cc = vec![json!(urls.followers())];
    let mut tags = Vec::new();
    if let Some(author) = &answered.author_ap_id {
        cc.push(json!(author));
        tags.push(json!({ "type": "Mention", "href": author, "name": answered.author_handle }));
    }
    let mention = answered
        .author_ap_id
        .as_ref()
        .map(|href| {
            let handle = ammonia::clean_text(&answered.author_handle);
            format!(
                "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">{handle}</a></span> ",
                ammonia::clean_text(href)
            )
        })
        .unwrap_or_default();
    let content = match answer.content_html.strip_prefix("<p>") {
        Some(rest) => format!("<p>{mention}{rest}"),
        None => format!("{mention}{}", answer.content_html),
    };
    json!({
        "id": id,
        "type": "Note",
        "attributedTo": urls.actor(),
        "inReplyTo": answered.ap_id,
        "content": content,
        "url": format!("{}#comment-{}", urls.post(&answer.post_slug), answer.id),
        "published": answer.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "to": [PUBLIC],
        "cc": cc,
        "tag": tags,
        "context": urls.conversation(&answer.post_slug),
        "replies": replies(urls.comment_replies(&answer.uuid)),
    })
}

/// The answer to a `QuoteRequest`: an `Accept` whose `result` is the
/// authorisation, or a `Reject`.
pub fn answer_quote(urls: &Urls, uuid: &str, request: Value, authorization: Option<&str>) -> Value {
    let asker = request["actor"].clone();
    let mut answer = json!({
        "id": urls.activity(uuid),
        "type": if authorization.is_some() { "Accept" } else { "Reject" },
        "actor": urls.actor(),
        "to": [asker],
        "object": request,
    });
    if let Some(authorization) = authorization {
        answer["result"] = json!(urls.quote_authorization(authorization));
    }
    with_context(answer)
}

/// The authorisation given to quote a post (FEP-044f), without `@context`.
pub fn quote_authorization(urls: &Urls, uuid: &str, quote: &str, post_slug: &str) -> Value {
    json!({
        "id": urls.quote_authorization(uuid),
        "type": "QuoteAuthorization",
        "attributedTo": urls.actor(),
        "interactingObject": quote,
        "interactionTarget": urls.post(post_slug),
    })
}

/// The blog asks `author` to let post `quoting` quote `quoted`.
pub fn quote_request(urls: &Urls, uuid: &str, quoted: &str, quoting: &str, author: &str) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "QuoteRequest",
        "actor": urls.actor(),
        "to": [author],
        "object": quoted,
        "instrument": quoting,
    }))
}

/// The revocation of an authorisation, sent to the quoter.
pub fn revoke_quote(urls: &Urls, uuid: &str, authorization: &str, quoter: &str) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Delete",
        "actor": urls.actor(),
        "to": [quoter],
        "object": urls.quote_authorization(authorization),
    }))
}

/// A report to another server's moderators, as Mastodon sends one: from
/// the blog's account, naming the reported account and its posts.
pub fn flag(urls: &Urls, uuid: &str, content: &str, objects: &[String]) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Flag",
        "actor": urls.actor(),
        "content": content,
        "object": objects,
    }))
}

/// The blog's move to `target`, which lists the blog in `alsoKnownAs`:
/// followers' servers follow `target` instead.
pub fn move_blog(urls: &Urls, uuid: &str, target: &str) -> Value {
    with_context(json!({
        "id": urls.activity(uuid),
        "type": "Move",
        "actor": urls.actor(),
        "object": urls.actor(),
        "target": target,
        "to": [urls.followers()],
    }))
}

pub fn create_note(urls: &Urls, uuid: &str, note: Value) -> Value {
    let published = note["published"].clone();
    with_context(wrap(urls, urls.activity(uuid), "Create", published, note))
}
