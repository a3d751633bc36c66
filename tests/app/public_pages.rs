use crate::helpers::TestApp;

#[tokio::test]
async fn an_empty_blog_says_so() {
    let app = TestApp::spawn().await;

    let (status, home) = app.get_text(&app.client(), "/").await;

    assert_eq!(status, 200);
    assert!(home.contains("No posts yet."));
    assert!(home.contains("<title>The Reading Room</title>"), "{home}");
}

#[tokio::test]
async fn unknown_pages_get_an_html_404() {
    let app = TestApp::spawn().await;

    let response = app.get(&app.client(), "/no/such/page").await;

    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let page = response.text().await.expect("body");
    assert!(
        page.contains("<h1>Not Found</h1>") && page.contains("This page does not exist."),
        "{page}"
    );
}

#[tokio::test]
async fn the_home_page_lists_newest_first_and_paginates() {
    let app = TestApp::spawn_with(|c| c.blog.posts_per_page = 2).await;
    let client = app.logged_in_admin().await;
    for n in 1..=5 {
        app.write_post(
            &client,
            &[("title", &format!("Post number {n}")), ("body", "Text")],
            "publish",
        )
        .await;
    }
    let reader = app.client();

    let (_, first) = app.get_text(&reader, "/").await;
    let (_, third) = app.get_text(&reader, "/?page=3").await;

    let five = first.find("Post number 5").expect("newest on page 1");
    let four = first
        .find("Post number 4")
        .expect("second newest on page 1");
    assert!(five < four);
    assert!(!first.contains("Post number 3"));
    assert!(
        first.contains(r#"?page=2">Older posts"#) && first.contains("Page 1 of 3"),
        "{first}"
    );
    assert!(third.contains("Post number 1") && !third.contains("Post number 2"));
    assert_eq!(app.get(&reader, "/?page=4").await.status(), 404);
    assert_eq!(app.get(&reader, "/?page=abc").await.status(), 400);
}

#[tokio::test]
async fn tag_pages_list_the_posts_with_that_tag() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    app.write_post(
        &client,
        &[
            ("title", "Cataloguing"),
            ("body", "x"),
            ("tags", "Library Science"),
        ],
        "publish",
    )
    .await;
    app.write_post(
        &client,
        &[("title", "Gardening"), ("body", "y"), ("tags", "outdoors")],
        "publish",
    )
    .await;
    app.write_post(
        &client,
        &[
            ("title", "Secret draft"),
            ("body", "z"),
            ("tags", "library science"),
        ],
        "draft",
    )
    .await;

    let (status, page) = app.get_text(&app.client(), "/tags/library-science").await;

    assert_eq!(status, 200);
    assert!(page.contains("Posts tagged “Library Science”"), "{page}");
    assert!(page.contains("Cataloguing"));
    assert!(!page.contains("Gardening") && !page.contains("Secret draft"));
    assert_eq!(app.get(&app.client(), "/tags/unknown").await.status(), 404);
}

#[tokio::test]
async fn post_pages_carry_opengraph_tags_and_the_configured_language() {
    let app = TestApp::spawn_with(|c| c.blog.language = "fr".into()).await;
    let client = app.logged_in_admin().await;
    app.write_post(
        &client,
        &[
            ("title", "Bonjour & bienvenue"),
            ("body", "Premier paragraphe.\n\nSuite."),
            ("summary", "Un résumé <court>"),
        ],
        "publish",
    )
    .await;

    let (_, page) = app
        .get_text(&app.client(), "/posts/bonjour-bienvenue")
        .await;

    assert!(
        page.starts_with("<!doctype html>\n<html lang=\"fr\">"),
        "{page}"
    );
    assert!(page.contains(r#"<meta property="og:type" content="article">"#));
    assert!(
        page.contains(r#"<meta property="og:title" content="Bonjour &amp; bienvenue">"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<meta property="og:description" content="Un résumé &lt;court&gt;">"#),
        "{page}"
    );
    let url = app.url("/posts/bonjour-bienvenue");
    assert!(
        page.contains(&format!(r#"<meta property="og:url" content="{url}">"#)),
        "{page}"
    );
    assert!(
        page.contains(r#"<meta property="article:published_time" content="20"#),
        "{page}"
    );
}

#[tokio::test]
async fn hostile_markdown_is_sanitised_on_the_public_page() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    app.write_post(
        &client,
        &[("title", "Hostile"), ("body", "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src=x onerror=alert(3)>")],
        "publish",
    )
    .await;

    let (_, page) = app.get_text(&app.client(), "/posts/hostile").await;

    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("javascript:alert"), "{page}");
    assert!(!page.contains("onerror"), "{page}");
}

#[tokio::test]
async fn a_theme_folder_overrides_a_built_in_template() {
    let theme = tempfile::tempdir().expect("theme dir");
    std::fs::write(
        theme.path().join("index.html"),
        "{% extends \"base.html\" %}{% block content %}<p>Custom theme for {{ blog.title }}</p>{% endblock %}",
    )
    .expect("write theme file");
    let dir = theme.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.theme_dir = Some(dir)).await;

    let (_, home) = app.get_text(&app.client(), "/").await;
    let (_, login) = app.get_text(&app.client(), "/login").await;

    assert!(
        home.contains("<p>Custom theme for The Reading Room</p>"),
        "{home}"
    );
    assert!(login.contains("Log in"), "other templates stay built in");
}

#[tokio::test]
async fn the_stylesheet_is_served_with_cache_headers() {
    let app = TestApp::spawn().await;

    let response = app.get(&app.client(), "/style.css").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("max-age")
    );
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("prefers-color-scheme")
    );
}

#[tokio::test]
async fn a_failing_page_gets_an_html_500_that_reveals_nothing() {
    let theme = tempfile::tempdir().expect("theme dir");
    std::fs::write(
        theme.path().join("index.html"),
        "{% extends \"base.html\" %}{% block content %}{{ blog.title | no_such_filter }}{% endblock %}",
    )
    .expect("write theme file");
    let dir = theme.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.theme_dir = Some(dir)).await;

    let response = app.get(&app.client(), "/").await;

    assert_eq!(response.status(), 500);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let page = response.text().await.expect("body");
    assert!(page.contains("<h1>Internal Server Error</h1>"), "{page}");
    assert!(page.contains("Something went wrong on our side"), "{page}");
    assert!(
        !page.contains("no_such_filter"),
        "no internals leak: {page}"
    );
}

#[tokio::test]
async fn unchanged_pages_answer_conditional_requests_with_304() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Cached"), ("body", "x")], "publish")
        .await;
    let reader = app.client();

    let first = app.get(&reader, "/posts/cached").await;
    let tag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let again = reader
        .get(app.url("/posts/cached"))
        .header("if-none-match", &tag)
        .send()
        .await
        .expect("GET");

    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.expect("body").is_empty());

    // A change to the page changes its tag, so readers see it.
    let home_tag = app.get(&reader, "/").await.headers()["etag"].clone();
    app.write_post(&admin, &[("title", "Newer"), ("body", "y")], "publish")
        .await;
    let home = reader
        .get(app.url("/"))
        .header("if-none-match", home_tag)
        .send()
        .await
        .expect("GET");
    assert_eq!(home.status(), 200);
    assert!(home.text().await.expect("body").contains("Newer"));
}

#[tokio::test]
async fn admin_pages_are_never_stored_by_caches() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;

    for path in ["/admin", "/admin/posts/new", "/login"] {
        let response = app.get(&admin, path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(!response.headers().contains_key("etag"), "{path}");
    }
}

#[tokio::test]
async fn pages_carry_the_authors_rel_me_links_and_fediverse_handle() {
    let app = TestApp::spawn_with(|c| {
        c.blog.me_links = vec![
            "https://mastodon.example/@alice".into(),
            "https://code.example/alice?tab=\"repos\"".into(),
        ];
        c.blog.fediverse_creator = Some("alice@mastodon.example".into());
    })
    .await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Signed"), ("body", "x")], "publish")
        .await;

    for path in ["/", "/posts/signed"] {
        let (_, page) = app.get_text(&app.client(), path).await;
        assert!(
            page.contains(r#"<link rel="me" href="https://mastodon.example/@alice">"#),
            "{path}: {page}"
        );
        assert!(
            page.contains(
                r#"<link rel="me" href="https://code.example/alice?tab=&quot;repos&quot;">"#
            ),
            "{path}: {page}"
        );
        assert!(
            page.contains(r#"<meta name="fediverse:creator" content="@alice@mastodon.example">"#),
            "{path}: {page}"
        );
    }
}
