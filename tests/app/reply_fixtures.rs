//! Every reply-shaped payload captured from other servers becomes a comment.

use blog::{
    config::{ModerationConfig, ModerationPolicy},
    federation::objects::note::parse_reply,
    services::comments::{self, Received},
    urls::Urls,
};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn fixtures() -> Vec<(String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fediverse");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("dir") {
            let path = file.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            let mut value: Value = serde_json::from_str(&text).expect("fixture is JSON");
            // Captured inbox requests carry the activity as a JSON string.
            if let Some(body) = value.pointer("/init/body").and_then(Value::as_str) {
                value = serde_json::from_str(body).expect("wrapped body is JSON");
            }
            let name = path
                .strip_prefix(&root)
                .expect("under root")
                .display()
                .to_string();
            out.push((name, value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The object a reply-shaped payload carries, if any.
fn reply_object(doc: &Value) -> Option<Value> {
    let object = match doc.get("object") {
        Some(inner) if inner.is_object() => inner.clone(),
        _ => doc.clone(),
    };
    let answers = ["inReplyTo", "replyTo"]
        .iter()
        .any(|k| match object.get(*k) {
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::Object(_)) => true,
            _ => false,
        });
    answers.then_some(object)
}

/// Points the reply at our post, keeping the shape the server used.
fn retarget(object: &mut Value, post: &str) {
    for key in ["inReplyTo", "replyTo"] {
        match object.get_mut(key) {
            Some(Value::String(s)) if !s.is_empty() => *s = post.to_owned(),
            Some(Value::Array(items)) if !items.is_empty() => items[0] = json!(post),
            Some(Value::Object(map)) => {
                map.insert("id".into(), json!(post));
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn every_reply_shaped_fixture_is_stored_as_a_comment() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Target"), ("body", "x")], "publish")
        .await;
    let urls = Urls::new(&app.config);
    let post = urls.post("target");
    let author = app
        .remote_actor(
            "https://remote.example/users/someone",
            "https://remote.example/inbox",
        )
        .await;
    let open = ModerationConfig {
        policy: ModerationPolicy::Open,
        keywords: vec![],
    };

    let mut stored = Vec::new();
    for (name, doc) in fixtures() {
        let Some(mut object) = reply_object(&doc) else {
            continue;
        };
        retarget(&mut object, &post);
        let reply = parse_reply(&object, &urls)
            .unwrap_or_else(|| panic!("{name} did not parse as a reply"));
        match comments::receive(&app.db, &author, reply, &open)
            .await
            .expect("stored")
        {
            Received::Stored(comment) => {
                assert!(
                    !comment.content_html.trim().is_empty() || !comment.attachments.0.is_empty(),
                    "{name} lost its content"
                );
                assert!(!comment.content_html.contains("<script"), "{name}");
                stored.push(name);
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    assert!(
        stored.len() >= 20,
        "only {} reply fixtures: {stored:?}",
        stored.len()
    );
    let (_, page) = app.get_text(&app.client(), "/posts/target").await;
    assert!(
        page.contains(&format!("{} replies to", stored.len())),
        "{page}"
    );
}

#[tokio::test]
async fn fixture_details_survive_parsing() {
    let urls = Urls::new(&blog::config::Config::default());
    let post = urls.post("target");
    let load = |name: &str| {
        let doc = fixtures()
            .into_iter()
            .find(|(n, _)| n == name)
            .expect("fixture")
            .1;
        let mut object = reply_object(&doc).expect("reply");
        retarget(&mut object, &post);
        parse_reply(&object, &urls).expect("parses")
    };

    let peertube = load("peertube/note-comment-markdown.json");
    assert!(
        peertube.content.as_str().contains("<p>"),
        "Markdown rendered: {}",
        peertube.content.as_str()
    );

    let akkoma = load("akkoma/create-note-reply-with-formerRepresentations.json");
    assert!(akkoma.sensitive);

    let listed = load("fediverse-pasture/in-reply-to-list.json");
    assert_eq!(
        listed.target,
        comments::ReplyTarget::Post {
            slug: "target".into()
        }
    );

    let embedded = load("fediverse-pasture/in-reply-to-embedded-note.json");
    assert_eq!(
        embedded.target,
        comments::ReplyTarget::Post {
            slug: "target".into()
        }
    );

    let mastodon = load("mastodon/create-note-reply-unlisted-mention.json");
    assert!(!mastodon.mentions.is_empty(), "mentions kept");
}

#[test]
fn content_comes_from_content_map_or_misskey_source_when_content_is_missing() {
    let urls = Urls::new(&blog::config::Config::default());
    let post = urls.post("target");
    let (_, mut note) = fixtures()
        .into_iter()
        .find(|(n, _)| n == "catodon/note-invalid-hashtag.json")
        .expect("fixture");
    note["inReplyTo"] = json!(post);
    let misskey = note["_misskey_content"]
        .as_str()
        .expect("misskey content")
        .to_owned();

    let mut map_only = note.clone();
    map_only.as_object_mut().expect("object").remove("content");
    let from_map = parse_reply(&map_only, &urls).expect("parses");
    assert!(!from_map.content.as_str().is_empty());
    assert!(from_map.language.is_some());

    let mut misskey_only = map_only.clone();
    misskey_only
        .as_object_mut()
        .expect("object")
        .remove("contentMap");
    let from_misskey = parse_reply(&misskey_only, &urls).expect("parses");
    let first_word = misskey.split_whitespace().next().expect("a word");
    assert!(
        from_misskey
            .content
            .as_str()
            .contains(&ammonia::clean_text(first_word)),
        "{}",
        from_misskey.content.as_str()
    );
}
