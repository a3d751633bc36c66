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
