//! Micropub requests as apps send them (form-encoded, multipart or JSON),
//! read into what the blog does with them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::services::{
    media::image_markdown,
    posts::{PostForm, PostStatus},
};

/// Properties by name, each with its values (strings, or objects such as
/// `{"html": ...}` and `{"value": ..., "alt": ...}`).
pub type Properties = BTreeMap<String, Vec<Value>>;

#[derive(Debug)]
pub enum Request {
    Create(Properties),
    Update {
        url: String,
        replace: Properties,
        add: Properties,
        delete: Deletion,
    },
    Delete {
        url: String,
    },
}

#[derive(Debug, Default)]
pub struct Deletion {
    /// Properties removed entirely.
    pub whole: Vec<String>,
    /// Single values removed from a property.
    pub values: Properties,
}

/// A request the blog cannot act on, said in words for the app's user.
#[derive(Debug)]
pub struct Invalid(pub String);

fn invalid<T>(message: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(message.into()))
}

/// Form fields (URL-encoded or the text parts of multipart): `category[]`
/// and `category` are the same property.
pub fn from_form(fields: &[(String, String)]) -> Result<Request, Invalid> {
    let mut properties = Properties::new();
    let mut action = None;
    let mut url = None;
    for (key, value) in fields {
        let key = key.trim_end_matches("[]");
        match key {
            "access_token" => {}
            "h" if value != "entry" => {
                return invalid(format!(
                    "only h-entry posts can be made here, not h-{value}"
                ));
            }
            "h" => {}
            "action" => action = Some(value.clone()),
            "url" => url = Some(value.clone()),
            _ => properties
                .entry(key.to_owned())
                .or_default()
                .push(Value::String(value.clone())),
        }
    }
    match (action.as_deref(), url) {
        (None | Some("create"), _) => Ok(Request::Create(properties)),
        (Some("delete"), Some(url)) => Ok(Request::Delete { url }),
        (Some("update"), _) => invalid("send updates as JSON, as the Micropub specification asks"),
        (Some("delete"), None) => invalid("say which post to delete with url"),
        (Some(other), _) => invalid(format!("the action \"{other}\" is not supported")),
    }
}

pub fn from_json(body: &Value) -> Result<Request, Invalid> {
    let url = || {
        body.get("url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Invalid("say which post with url".into()))
    };
    match body.get("action").and_then(Value::as_str) {
        None | Some("create") => {
            let kinds = body.get("type").and_then(Value::as_array);
            if !kinds.is_some_and(|k| k.iter().any(|t| t == "h-entry")) {
                return invalid("only h-entry posts can be made here (\"type\": [\"h-entry\"])");
            }
            Ok(Request::Create(properties_of(body.get("properties"))?))
        }
        Some("update") => Ok(Request::Update {
            url: url()?,
            replace: properties_of(body.get("replace"))?,
            add: properties_of(body.get("add"))?,
            delete: deletion_of(body.get("delete"))?,
        }),
        Some("delete") => Ok(Request::Delete { url: url()? }),
        Some(other) => invalid(format!("the action \"{other}\" is not supported")),
    }
}

fn properties_of(value: Option<&Value>) -> Result<Properties, Invalid> {
    let Some(value) = value else {
        return Ok(Properties::new());
    };
    let Some(object) = value.as_object() else {
        return invalid("properties must be an object of arrays");
    };
    object
        .iter()
        .map(|(name, values)| match values {
            Value::Array(list) => Ok((name.clone(), list.clone())),
            _ => invalid(format!("the values of {name} must be an array")),
        })
        .collect()
}

fn deletion_of(value: Option<&Value>) -> Result<Deletion, Invalid> {
    match value {
        None => Ok(Deletion::default()),
        Some(Value::Array(names)) => Ok(Deletion {
            whole: names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            values: Properties::new(),
        }),
        Some(object @ Value::Object(_)) => Ok(Deletion {
            whole: Vec::new(),
            values: properties_of(Some(object))?,
        }),
        Some(_) => invalid("delete must list property names or values"),
    }
}

fn first_text(properties: &Properties, name: &str) -> Option<String> {
    properties
        .get(name)?
        .first()
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn texts(properties: &Properties, name: &str) -> Vec<String> {
    properties
        .get(name)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The body as Markdown: plain content is taken as Markdown, `{"html": ..}`
/// is turned into Markdown so the post stays editable in the browser.
pub fn content(properties: &Properties) -> Result<Option<String>, Invalid> {
    let Some(value) = properties.get("content").and_then(|v| v.first()) else {
        return Ok(None);
    };
    match value {
        Value::String(text) => Ok(Some(text.clone())),
        Value::Object(object) => {
            if let Some(html) = object.get("html").and_then(Value::as_str) {
                htmd::convert(html)
                    .map(Some)
                    .map_err(|err| Invalid(format!("the HTML content could not be read: {err}")))
            } else if let Some(text) = object.get("value").and_then(Value::as_str) {
                Ok(Some(text.to_owned()))
            } else {
                invalid("content must be text, {\"html\": ...} or {\"value\": ...}")
            }
        }
        _ => invalid("content must be text, {\"html\": ...} or {\"value\": ...}"),
    }
}

/// Photos as Markdown images. Each needs a description: `{"value": url,
/// "alt": text}` in JSON, or `mp-photo-alt` beside each `photo` in a form.
pub fn photos(properties: &Properties) -> Result<Vec<String>, Invalid> {
    let alts = texts(properties, "mp-photo-alt");
    let mut images = Vec::new();
    for (i, photo) in properties
        .get("photo")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (url, alt) = match photo {
            Value::String(url) => (url.clone(), alts.get(i).cloned().unwrap_or_default()),
            Value::Object(object) => (
                object
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                object
                    .get("alt")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            _ => return invalid("a photo must be a URL or {\"value\": URL, \"alt\": text}"),
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return invalid(format!("photo {} is not an http(s) URL", i + 1));
        }
        let alt = crate::services::media::check_alt(&alt).map_err(|err| {
            Invalid(format!(
                "photo {}: {err} Send {{\"value\": URL, \"alt\": text}}, or mp-photo-alt with the form.",
                i + 1
            ))
        })?;
        images.push(image_markdown(&alt, &url));
    }
    Ok(images)
}

/// `published`, with its offset.
pub fn published(properties: &Properties) -> Result<Option<DateTime<Utc>>, Invalid> {
    first_text(properties, "published")
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| Invalid(format!("published must be an ISO 8601 date with its offset, like 2026-12-01T09:30:00+01:00, not {text}")))
        })
        .transpose()
}

/// The status `post-status` asks for: `draft` or `published`. When it says
/// nothing, a draft being changed stays a draft and anything else is
/// published (`current` is `None` for a new post).
pub fn requested_status(
    properties: &Properties,
    current: Option<PostStatus>,
) -> Result<PostStatus, Invalid> {
    match first_text(properties, "post-status").as_deref() {
        Some("draft") => Ok(PostStatus::Draft),
        Some("published") => Ok(PostStatus::Published),
        None if current == Some(PostStatus::Draft) => Ok(PostStatus::Draft),
        None => Ok(PostStatus::Published),
        Some(other) => invalid(format!(
            "post-status must be draft or published, not {other}"
        )),
    }
}

/// The editor's fields for a new post.
pub fn new_post(properties: &Properties) -> Result<PostForm, Invalid> {
    let mut body = content(properties)?.unwrap_or_default();
    for image in photos(properties)? {
        append(&mut body, &image);
    }
    let title = match first_text(properties, "name").filter(|n| !n.trim().is_empty()) {
        Some(name) => name,
        None => {
            title_from(&body).ok_or_else(|| Invalid("a post needs a name or content".into()))?
        }
    };
    Ok(PostForm {
        title,
        body,
        summary: first_text(properties, "summary").unwrap_or_default(),
        tags: texts(properties, "category").join(", "),
        slug: first_text(properties, "mp-slug").unwrap_or_default(),
        ..PostForm::default()
    })
}

/// Applies an update's replacements, additions and deletions to the fields.
pub fn apply(
    form: &mut PostForm,
    replace: &Properties,
    add: &Properties,
    delete: &Deletion,
) -> Result<(), Invalid> {
    if let Some(name) = first_text(replace, "name") {
        form.title = name;
    }
    if let Some(body) = content(replace)? {
        form.body = body;
    }
    if let Some(summary) = first_text(replace, "summary") {
        form.summary = summary;
    }
    let mut tags: Vec<String> = form
        .tags
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if replace.contains_key("category") {
        tags = texts(replace, "category");
    }
    tags.extend(texts(add, "category"));
    for image in photos(add)? {
        append(&mut form.body, &image);
    }
    if let Some(body) = content(add)? {
        append(&mut form.body, &body);
    }
    for name in &delete.whole {
        match name.as_str() {
            "category" => tags.clear(),
            "summary" => form.summary.clear(),
            "content" => form.body.clear(),
            other => return invalid(format!("{other} cannot be deleted")),
        }
    }
    let removed = texts(&delete.values, "category");
    tags.retain(|t| !removed.iter().any(|r| r.eq_ignore_ascii_case(t)));
    form.tags = tags.join(", ");
    Ok(())
}

fn append(body: &mut String, block: &str) {
    let trimmed = body.trim_end().len();
    body.truncate(trimmed);
    if !body.is_empty() {
        body.push_str("\n\n");
    }
    body.push_str(block);
    body.push('\n');
}

/// A title for a post sent without a name: its first words.
fn title_from(body: &str) -> Option<String> {
    let text = crate::domain::derive_summary(body, 60);
    let text = if text.is_empty() {
        body.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text
    };
    (!text.is_empty()).then(|| text.chars().take(80).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn post_status_is_what_is_asked_or_else_a_draft_stays_a_draft() {
        let asked = |status: &str| Properties::from([("post-status".into(), vec![json!(status)])]);
        let silent = Properties::new();
        for current in [None, Some(PostStatus::Draft), Some(PostStatus::Published)] {
            assert_eq!(
                requested_status(&asked("draft"), current).ok(),
                Some(PostStatus::Draft)
            );
            assert_eq!(
                requested_status(&asked("published"), current).ok(),
                Some(PostStatus::Published)
            );
            assert!(requested_status(&asked("scheduled"), current).is_err());
        }
        assert_eq!(
            requested_status(&silent, None).ok(),
            Some(PostStatus::Published)
        );
        assert_eq!(
            requested_status(&silent, Some(PostStatus::Draft)).ok(),
            Some(PostStatus::Draft)
        );
        assert_eq!(
            requested_status(&silent, Some(PostStatus::Scheduled)).ok(),
            Some(PostStatus::Published)
        );
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_and_json_make_the_same_post() {
        let Ok(Request::Create(form)) = from_form(&pairs(&[
            ("h", "entry"),
            ("name", "Hello"),
            ("content", "Some *words*"),
            ("category[]", "a"),
            ("category[]", "b"),
            ("photo", "https://x.org/p.jpg"),
            ("mp-photo-alt", "A cat"),
        ])) else {
            panic!("a create");
        };
        let Ok(Request::Create(json)) = from_json(&json!({
            "type": ["h-entry"],
            "properties": {
                "name": ["Hello"],
                "content": [{"html": "<p>Some <em>words</em></p>"}],
                "category": ["a", "b"],
                "photo": [{"value": "https://x.org/p.jpg", "alt": "A cat"}]
            }
        })) else {
            panic!("a create");
        };
        let (a, b) = (
            new_post(&form).expect("form"),
            new_post(&json).expect("json"),
        );
        assert_eq!(a.body, "Some *words*\n\n![A cat](https://x.org/p.jpg)\n");
        assert_eq!(b.body, a.body);
        assert_eq!((a.title.as_str(), a.tags.as_str()), ("Hello", "a, b"));
        assert_eq!((b.title, b.tags), (a.title, a.tags));
    }

    #[test]
    fn photos_need_a_description_and_a_web_address() {
        let props = |photo: Value| Properties::from([("photo".to_owned(), vec![photo])]);
        assert!(photos(&props(json!("https://x.org/p.jpg"))).is_err());
        assert!(photos(&props(json!({"value": "file:///etc/passwd", "alt": "x"}))).is_err());
        assert!(photos(&props(json!({"value": "https://x.org/p.jpg", "alt": "x"}))).is_ok());
    }

    #[test]
    fn a_post_without_a_name_is_titled_by_its_first_words() {
        let props = Properties::from([(
            "content".to_owned(),
            vec![json!(
                "Just a short note about the library garden, which opened today and was lovely."
            )],
        )]);
        let form = new_post(&props).expect("post");
        assert!(
            form.title.starts_with("Just a short note"),
            "{}",
            form.title
        );
        assert!(form.title.chars().count() <= 80);
    }
}
