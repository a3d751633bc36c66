//! The XSS corpus in tests/fixtures/xss never survives the sanitisers, in
//! the author's Markdown or in replies from other servers.

use blog::domain::{render_markdown, sanitize_remote};

fn corpus() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "html" || e == "md"))
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus is there");
    files
}

/// What no sanitised output may contain, as markup a browser would act on.
fn dangers(html: &str) -> Vec<&'static str> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for tag in [
        "<script", "<svg", "<style", "<iframe", "<meta", "<form", "<input", "<button", "<object",
        "<embed", "<base", "<math",
    ] {
        if lower.contains(tag) {
            found.push(tag);
        }
    }
    for attr in [
        " onerror",
        " onload",
        " onclick",
        " onmouseover",
        " ontoggle",
        " style=",
        " action=",
    ] {
        if lower.contains(attr) {
            found.push(attr);
        }
    }
    for scheme in ["javascript:", "vbscript:", "data:text"] {
        // Inside an attribute value, not as escaped text.
        if lower.contains(&format!("=\"{scheme}")) || lower.contains(&format!("='{scheme}")) {
            found.push(scheme);
        }
    }
    found
}

#[test]
fn the_authors_markdown_renderer_neutralises_the_corpus() {
    for (name, payload) in corpus() {
        let html = render_markdown(&payload);
        assert!(
            dangers(html.as_str()).is_empty(),
            "{name}: {:?} in {}",
            dangers(html.as_str()),
            html.as_str()
        );
    }
}

#[test]
fn the_reply_sanitiser_neutralises_the_corpus() {
    for (name, payload) in corpus() {
        let html = sanitize_remote(&payload);
        assert!(
            dangers(html.as_str()).is_empty(),
            "{name}: {:?} in {}",
            dangers(html.as_str()),
            html.as_str()
        );
        assert!(
            !html.as_str().contains("<img"),
            "{name}: no remote images inline"
        );
    }
}

#[tokio::test]
async fn published_posts_and_received_replies_stay_clean_end_to_end() {
    use crate::fediverse::Fediverse;
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let config = net.blog.config.clone();
    let mut net = net;
    net.blog = net
        .blog
        .restart_with(move |c| {
            *c = config;
            c.moderation.policy = blog::config::ModerationPolicy::Open;
        })
        .await;
    let admin = net.blog.logged_in_admin().await;
    let everything: String = corpus()
        .into_iter()
        .map(|(_, p)| p)
        .collect::<Vec<_>>()
        .join("\n\n");
    net.blog
        .write_post(
            &admin,
            &[("title", "Corpus"), ("body", &everything)],
            "publish",
        )
        .await;
    let peer = &net.peers[0];
    let inbox = url::Url::parse(&net.blog_url("/inbox")).expect("URL");
    let html_payloads: String = corpus()
        .into_iter()
        .filter(|(n, _)| n.ends_with(".html"))
        .map(|(_, p)| p)
        .collect();
    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &net.blog_url("/posts/corpus"), &html_payloads),
        &inbox,
    )
    .await;

    let (_, page) = net.blog.get_text(&net.blog.client(), "/posts/corpus").await;

    // From the post's body to the visitor's reply form (the page's own form).
    let start = page.find(r#"<div class="e-content">"#).expect("post body");
    let end = page
        .find(r#"<form class="form interact""#)
        .expect("reply form");
    let content = &page[start..end];
    assert!(content.contains("comment-body"), "the reply is shown");
    assert!(dangers(content).is_empty(), "{:?}", dangers(content));
}
