//! How a post looks on the fediverse: the Article's maps in the post's
//! language, its short-form `preview` (FEP-b2b8), hashtags, the actor's
//! `attributionDomains` (Mastodon's "More from" byline), and the editor's
//! preview of the Mastodon card.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_article_speaks_the_posts_language_and_carries_a_short_form_preview() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(
        &admin,
        &[
            ("title", "Heures d'ouverture"),
            ("body", "Nous ouvrons à *neuf heures*."),
            ("summary", "Quand venir <vite>"),
            ("tags", "Bibliothèque, Open Source"),
            ("language", "fr-CA"),
            ("slug", "heures"),
        ],
        "publish",
    )
    .await;
    app.write_post(
        &admin,
        &[("title", "Opening hours"), ("body", "Nine.")],
        "publish",
    )
    .await;

    let (_, french) = app.get_activity("/posts/heures").await;
    let (_, english) = app.get_activity("/posts/opening-hours").await;

    let id = app.url("/posts/heures");
    assert_eq!(french["nameMap"], json!({ "fr-CA": "Heures d'ouverture" }));
    assert_eq!(
        french["summaryMap"],
        json!({ "fr-CA": "Quand venir <vite>" })
    );
    assert_eq!(french["contentMap"]["fr-CA"], french["content"], "{french}");
    let preview = &french["preview"];
    assert_eq!(preview["type"], "Note");
    assert_eq!(preview["attributedTo"], app.url("/users/blog"));
    let text = preview["content"].as_str().expect("preview content");
    assert!(
        text.contains("<strong>Heures d&apos;ouverture</strong>")
            || text.contains("<strong>Heures d'ouverture</strong>"),
        "{text}"
    );
    assert!(
        text.contains("Quand venir &lt;vite&gt;"),
        "teaser escaped: {text}"
    );
    assert!(text.contains(&format!("<a href=\"{id}\">")), "{text}");
    assert!(preview.get("attachment").is_none(), "no image, none shown");
    let tags = french["tag"].as_array().expect("tags");
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Hashtag" && t["name"] == "#OpenSource"),
        "{tags:?}"
    );
    assert_eq!(
        english["contentMap"]
            .as_object()
            .expect("map")
            .keys()
            .collect::<Vec<_>>(),
        ["en"],
        "without a language of its own, the blog's"
    );
    let (_, page) = app.get_text(&app.client(), "/posts/heures").await;
    assert!(page.contains("lang=\"fr-CA\""), "{page}");
}

#[tokio::test]
async fn a_language_that_is_not_a_tag_is_refused_by_the_editor() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;

    let response = app
        .submit(
            &admin,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "Tongues"),
                ("body", "x"),
                ("language", "the french one"),
                ("action", "publish"),
            ],
        )
        .await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("is not a language tag"), "{page}");
    assert!(
        page.contains("value=\"the french one\""),
        "kept to mend: {page}"
    );
    assert_eq!(app.get(&app.client(), "/posts/tongues").await.status(), 404);
}

#[tokio::test]
async fn the_actor_names_the_blogs_domain_for_mastodons_byline() {
    let app = TestApp::spawn().await;

    let (_, actor) = app.get_activity("/users/blog").await;

    let host = app.config.public_url.host_str().expect("a host");
    assert_eq!(actor["attributionDomains"], json!([host]));
    let context = actor["@context"].to_string();
    assert!(context.contains("toot:attributionDomains"), "{context}");
}

#[tokio::test]
async fn the_editor_previews_the_post_as_mastodon_shows_it() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;

    let response = app
        .submit(
            &admin,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "The Reading Garden"),
                (
                    "body",
                    "Our new garden opened today.\n\n![Benches under a tree](https://images.example/garden.jpg)\n",
                ),
                ("action", "preview"),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("body");
    let card = &page[page
        .find("class=\"preview-mastodon\"")
        .expect("a Mastodon preview")..];
    let host = app.config.public_url.host_str().expect("a host");
    assert!(
        card.contains("<strong>The Reading Garden</strong>"),
        "{card}"
    );
    assert!(
        card.contains("Our new garden opened today."),
        "the teaser: {card}"
    );
    assert!(
        card.contains(
            r#"<img src="https://images.example/garden.jpg" alt="Benches under a tree">"#
        ),
        "the first image: {card}"
    );
    assert!(
        card.contains(&format!("@blog@{host}")),
        "the byline: {card}"
    );
    assert!(card.contains("More from"), "{card}");
}
