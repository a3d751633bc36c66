use crate::helpers::TestApp;

async fn app_with_posts() -> TestApp {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    app.write_post(
        &client,
        &[("title", "First letter"), ("body", "Dear *reader*, hello.")],
        "publish",
    )
    .await;
    app.write_post(
        &client,
        &[("title", "Second letter"), ("body", "Again & again.")],
        "publish",
    )
    .await;
    app.write_post(&client, &[("title", "Unsent"), ("body", "Draft.")], "draft")
        .await;
    app
}

#[tokio::test]
async fn the_atom_feed_parses_and_lists_published_posts_newest_first() {
    let app = app_with_posts().await;

    let response = app.get(&app.client(), "/feed.atom").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/atom+xml")
    );
    let body = response.bytes().await.expect("body");
    let feed = atom_syndication::Feed::read_from(&body[..]).expect("valid Atom");
    assert_eq!(feed.title().as_str(), "The Reading Room");
    let titles: Vec<_> = feed
        .entries()
        .iter()
        .map(|e| e.title().as_str().to_owned())
        .collect();
    assert_eq!(titles, ["Second letter", "First letter"]);
    let first = &feed.entries()[1];
    assert_eq!(first.id(), app.url("/posts/first-letter"));
    assert_eq!(first.links()[0].href(), app.url("/posts/first-letter"));
    assert!(first.published().is_some());
    let content = first.content().and_then(|c| c.value()).expect("content");
    assert!(content.contains("<em>reader</em>"), "{content}");
    assert!(
        feed.links()
            .iter()
            .any(|l| l.rel() == "self" && l.href() == app.url("/feed.atom"))
    );
}

#[tokio::test]
async fn the_rss_feed_parses_and_lists_published_posts() {
    let app = app_with_posts().await;

    let response = app.get(&app.client(), "/feed.rss").await;

    assert_eq!(response.status(), 200);
    let body = response.bytes().await.expect("body");
    let channel = rss::Channel::read_from(&body[..]).expect("valid RSS");
    let titles: Vec<_> = channel.items().iter().filter_map(|i| i.title()).collect();
    assert_eq!(titles, ["Second letter", "First letter"]);
    assert_eq!(
        channel.items()[0].link(),
        Some(app.url("/posts/second-letter").as_str())
    );
    assert!(channel.items()[0].pub_date().is_some());
}

#[tokio::test]
async fn pages_advertise_the_feeds() {
    let app = TestApp::spawn().await;

    let (_, home) = app.get_text(&app.client(), "/").await;

    assert!(home.contains(r#"type="application/atom+xml""#));
    assert!(home.contains(r#"type="application/rss+xml""#));
}

#[tokio::test]
async fn the_json_feed_lists_published_posts_and_is_discoverable() {
    let app = app_with_posts().await;

    let response = app.get(&app.client(), "/feed.json").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/feed+json");
    let feed: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "The Reading Room");
    assert_eq!(feed["feed_url"], app.url("/feed.json"));
    let items = feed["items"].as_array().expect("items");
    let titles: Vec<_> = items.iter().map(|i| i["title"].as_str()).collect();
    assert_eq!(titles, [Some("Second letter"), Some("First letter")]);
    assert_eq!(items[1]["url"], app.url("/posts/first-letter"));
    assert!(
        items[1]["content_html"]
            .as_str()
            .expect("html")
            .contains("<em>reader</em>")
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(items[1]["date_published"].as_str().expect("date"))
            .is_ok()
    );
    let (_, home) = app.get_text(&app.client(), "/").await;
    for kind in [
        "application/atom+xml",
        "application/rss+xml",
        "application/feed+json",
    ] {
        assert!(home.contains(&format!("type=\"{kind}\"")), "{kind}");
    }
}

#[tokio::test]
async fn the_sitemap_lists_every_public_post_and_robots_points_to_it() {
    let app = app_with_posts().await;

    let response = app.get(&app.client(), "/sitemap.xml").await;
    assert_eq!(response.status(), 200);
    let xml = response.text().await.expect("body");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut locations = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => in_loc = e.name().as_ref() == b"loc",
            quick_xml::events::Event::Text(t) if in_loc => {
                locations.push(t.decode().expect("text").into_owned());
            }
            quick_xml::events::Event::End(_) => in_loc = false,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        locations,
        [
            app.url("/"),
            app.url("/posts/second-letter"),
            app.url("/posts/first-letter")
        ]
    );

    let (status, robots) = app.get_text(&app.client(), "/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("Disallow: /admin"), "{robots}");
    assert!(
        robots.contains(&format!("Sitemap: {}", app.url("/sitemap.xml"))),
        "{robots}"
    );
}

#[tokio::test]
async fn the_health_check_answers_from_the_database_and_is_never_cached() {
    let app = TestApp::spawn().await;

    for _ in 0..2 {
        let response = app.get(&app.client(), "/healthz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_ne!(
            response
                .headers()
                .get("x-cache")
                .map(|v| v.to_str().expect("ascii")),
            Some("hit")
        );
        assert_eq!(response.text().await.expect("body"), "ok\n");
    }
}
