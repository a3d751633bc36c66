//! The rendered-page cache: pages are served from memory until something
//! changes, in this process and in every other one on the same database.

use std::time::{Duration, Instant};

use blog::app::App;
use tokio::{net::TcpListener, sync::oneshot};

use crate::helpers::{TestApp, post_id};

fn cache_status(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default()
}

async fn edit(app: &TestApp, admin: &reqwest::Client, editor: &str, title: &str, body: &str) {
    let path = format!("/admin/posts/{}/edit", post_id(editor));
    let response = app
        .submit(
            admin,
            &path,
            &path,
            &[("title", title), ("body", body), ("action", "publish")],
        )
        .await;
    assert_eq!(response.status(), 303, "the edit should save");
}

#[tokio::test]
async fn a_page_is_rendered_once_and_rendered_again_after_an_edit() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let editor = app
        .write_post(
            &admin,
            &[("title", "Opening hours"), ("body", "Nine to five.")],
            "publish",
        )
        .await;
    let reader = app.client();

    let first = app.get(&reader, "/posts/opening-hours").await;
    let second = app.get(&reader, "/posts/opening-hours").await;
    assert_eq!(cache_status(&first), "miss");
    assert_eq!(cache_status(&second), "hit");
    assert_eq!(first.headers()["etag"], second.headers()["etag"]);
    assert_eq!(
        first.text().await.expect("body"),
        second.text().await.expect("body")
    );

    edit(&app, &admin, &editor, "Opening hours", "Eight to six.").await;

    let after = app.get(&reader, "/posts/opening-hours").await;
    assert_eq!(cache_status(&after), "miss");
    let page = after.text().await.expect("body");
    assert!(
        page.contains("Eight to six.") && !page.contains("Nine to five."),
        "{page}"
    );
    // The home page and the feed were dropped too.
    for path in ["/", "/feed.atom"] {
        let response = app.get(&reader, path).await;
        let text = response.text().await.expect("body");
        assert!(text.contains("Eight to six."), "{path}: {text}");
    }
}

#[tokio::test]
async fn cached_answers_keep_the_representation_asked_for() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Two faces"), ("body", "x")], "publish")
        .await;
    let reader = app.client();
    let as_json = || async {
        reader
            .get(app.url("/posts/two-faces"))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET")
    };

    let html = app.get(&reader, "/posts/two-faces").await;
    let json = as_json().await;
    let html_again = app.get(&reader, "/posts/two-faces").await;
    let json_again = as_json().await;

    assert_eq!(cache_status(&html_again), "hit");
    assert_eq!(cache_status(&json_again), "hit");
    for response in [html, html_again] {
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
    }
    for response in [json, json_again] {
        assert_eq!(
            response.headers()["content-type"],
            "application/activity+json"
        );
        let article: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(article["type"], "Article");
    }
}

#[tokio::test]
async fn conditional_requests_are_answered_from_the_cache() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Tagged"), ("body", "x")], "publish")
        .await;
    let reader = app.client();
    let tag = app.get(&reader, "/posts/tagged").await.headers()["etag"].clone();

    let again = reader
        .get(app.url("/posts/tagged"))
        .header("if-none-match", tag.clone())
        .send()
        .await
        .expect("GET");

    assert_eq!(again.status(), 304);
    assert_eq!(cache_status(&again), "hit");
    assert_eq!(again.headers()["etag"], tag);
}

#[tokio::test]
async fn a_cache_of_zero_renders_every_request() {
    let app = TestApp::spawn_with(|c| c.page_cache_mib = 0).await;

    for _ in 0..3 {
        let response = app.get(&app.client(), "/").await;
        assert_eq!(response.status(), 200);
        assert_eq!(cache_status(&response), "miss");
    }
}

/// Two servers on one PostgreSQL database, as behind a load balancer: an
/// edit made through one is seen at once through the other.
#[tokio::test]
async fn processes_sharing_a_database_drop_their_copies_together() {
    let Some(store) =
        crate::helpers::TestDb::postgres("processes_sharing_a_database_drop_their_copies_together")
            .await
    else {
        return;
    };
    let first = TestApp::start(store, |_| {}).await;
    let admin = first.logged_in_admin().await;
    let editor = first
        .write_post(
            &admin,
            &[("title", "Shared"), ("body", "First version.")],
            "publish",
        )
        .await;
    first
        .write_post(
            &admin,
            &[("title", "Other"), ("body", "Unchanged.")],
            "publish",
        )
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let mut config = first.config.clone();
    config.listen = listener.local_addr().expect("address");
    let second_base = format!("http://{}", config.listen);
    let second = App::with_listener(config, listener)
        .await
        .expect("second server builds");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until(async {
        let _ = stopped.await;
    }));
    let reader = first.client();
    let url = format!("{second_base}/posts/shared");
    // The second server's listener may still be connecting; wait until it
    // serves the page from its cache.
    let started = Instant::now();
    loop {
        let response = reader.get(&url).send().await.expect("GET");
        if cache_status(&response) == "hit" {
            assert!(
                response
                    .text()
                    .await
                    .expect("body")
                    .contains("First version.")
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never cached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let other = format!("{second_base}/posts/other");
    let started = Instant::now();
    while cache_status(&reader.get(&other).send().await.expect("GET")) != "hit" {
        assert!(started.elapsed() < Duration::from_secs(10), "never cached");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    edit(&first, &admin, &editor, "Shared", "Second version.").await;

    let started = Instant::now();
    loop {
        let page = reader
            .get(&url)
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        if page.contains("Second version.") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the second server kept its stale copy: {page}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Only what the edit changed was dropped there.
    let untouched = reader.get(&other).send().await.expect("GET");
    assert_eq!(cache_status(&untouched), "hit");
    // The session and the CSRF keys are shared too: the admin logged in on
    // the first server edits through the second, and the first shows it.
    let path = format!("/admin/posts/{}/edit", post_id(&editor));
    let form = admin
        .get(format!("{second_base}{path}"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let token = crate::helpers::csrf_token(&form);
    let saved = admin
        .post(format!("{second_base}{path}"))
        .header("origin", &first.base)
        .form(&[
            ("authenticity_token", token.as_str()),
            ("title", "Shared"),
            ("body", "Third version."),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(saved.status(), 303, "{:?}", saved.text().await);
    let started = Instant::now();
    loop {
        let (_, page) = first.get_text(&reader, "/posts/shared").await;
        if page.contains("Third version.") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{page}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    server.await.expect("joined").expect("second server ran");
}

#[tokio::test]
async fn pages_are_compressed_once_for_clients_that_accept_it() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let body = "A long paragraph that compresses well. ".repeat(200);
    app.write_post(&admin, &[("title", "Squeezed"), ("body", &body)], "publish")
        .await;
    let reader = app.client();
    let plain = app.get(&reader, "/posts/squeezed").await;
    assert!(!plain.headers().contains_key("content-encoding"));
    let plain = plain.text().await.expect("body");
    let gzip = || async {
        reader
            .get(app.url("/posts/squeezed"))
            .header("accept-encoding", "br;q=0, gzip, deflate")
            .send()
            .await
            .expect("GET")
    };

    let first = gzip().await;
    let second = gzip().await;

    assert_eq!(cache_status(&second), "hit");
    for response in [first, second] {
        assert_eq!(response.headers()["content-encoding"], "gzip");
        let vary: Vec<_> = response
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect();
        let vary = vary.join(", ");
        assert!(vary.to_lowercase().contains("accept-encoding"), "{vary}");
        let compressed = response.bytes().await.expect("body");
        assert!(compressed.len() * 4 < plain.len(), "{}", compressed.len());
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_string(&mut unpacked)
            .expect("valid gzip");
        assert_eq!(unpacked, plain);
    }
    let brotli = reader
        .get(app.url("/posts/squeezed"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("GET");
    assert_eq!(brotli.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn an_edit_drops_the_pages_that_show_the_post_and_keeps_the_others() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let edited = app
        .write_post(
            &admin,
            &[("title", "Edited"), ("body", "Before.")],
            "publish",
        )
        .await;
    app.write_post(
        &admin,
        &[("title", "Untouched"), ("body", "Same.")],
        "publish",
    )
    .await;
    let reader = app.client();
    for path in ["/posts/edited", "/posts/untouched", "/", "/robots.txt"] {
        app.get(&reader, path).await;
        assert_eq!(cache_status(&app.get(&reader, path).await), "hit", "{path}");
    }

    edit(&app, &admin, &edited, "Edited", "After.").await;

    let page = app.get(&reader, "/posts/edited").await;
    assert_eq!(cache_status(&page), "miss");
    assert!(page.text().await.expect("body").contains("After."));
    let home = app.get(&reader, "/").await;
    assert_eq!(cache_status(&home), "miss", "the home page lists it");
    assert_eq!(
        cache_status(&app.get(&reader, "/posts/untouched").await),
        "hit"
    );
    assert_eq!(cache_status(&app.get(&reader, "/robots.txt").await), "hit");
}

/// A blog on the fediverse with `policy`, whose fediverse changes reach
/// pages after `coalesce_ms`, with one published post.
async fn federated(
    policy: blog::config::ModerationPolicy,
    coalesce_ms: u64,
) -> (crate::fediverse::Fediverse, reqwest::Client, String) {
    let mut net = crate::fediverse::Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let config = net.blog.config.clone();
    net.blog = net
        .blog
        .restart_with(move |c| {
            *c = config;
            c.moderation.policy = policy;
            c.page_cache_coalesce_ms = coalesce_ms;
        })
        .await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(
            &admin,
            &[("title", "Popular"), ("body", "Read me.")],
            "publish",
        )
        .await;
    let post = net.blog_url("/posts/popular");
    (net, admin, post)
}

#[tokio::test]
async fn a_held_reply_changes_no_public_page() {
    let (net, admin, post) = federated(blog::config::ModerationPolicy::FirstTime, 1000).await;
    net.blog
        .write_post(
            &admin,
            &[("title", "Elsewhere"), ("body", "Liked.")],
            "publish",
        )
        .await;
    let reader = net.blog.client();
    for path in ["/posts/popular", "/", "/posts/elsewhere"] {
        net.blog.get(&reader, path).await;
    }
    let peer = &net.peers[0];

    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Waiting for approval</p>"),
        &net.inbox(),
    )
    .await;
    // A like of another post after it: once that post's page is dropped,
    // the changes gathered up to then (the held reply's, if it had any)
    // have been applied.
    peer.send_activity(
        "bob",
        "Like",
        serde_json::json!(net.blog_url("/posts/elsewhere")),
        &net.inbox(),
    )
    .await;
    let started = Instant::now();
    while cache_status(&net.blog.get(&reader, "/posts/elsewhere").await) != "miss" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the like never reached the page"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(queue.contains("Waiting for approval"), "held: {queue}");
    for path in ["/posts/popular", "/"] {
        let page = net.blog.get(&reader, path).await;
        assert_eq!(cache_status(&page), "hit", "{path}");
    }
}

#[tokio::test]
async fn reactions_from_the_fediverse_reach_the_page_within_the_interval_gathered() {
    let (net, _admin, post) = federated(blog::config::ModerationPolicy::Open, 1000).await;
    let reader = net.blog.client();
    let peer = &net.peers[0];
    let started = Instant::now();
    let mut misses = 0;
    let read = || {
        let reader = reader.clone();
        let url = net.blog.url("/posts/popular");
        async move {
            let page = reader.get(url).send().await.expect("GET");
            let missed = cache_status(&page) == "miss";
            (missed, page.text().await.expect("body"))
        }
    };

    for user in ["alice", "bob"] {
        peer.send_activity(user, "Like", serde_json::json!(post), &net.inbox())
            .await;
        peer.send_activity(user, "Announce", serde_json::json!(post), &net.inbox())
            .await;
        let (missed, _) = read().await;
        misses += usize::from(missed);
    }
    let reply = peer.reply("alice", &post, "<p>Shown at once under the open policy</p>");
    peer.send_activity("alice", "Create", reply, &net.inbox())
        .await;
    let sent = Instant::now();
    loop {
        let (missed, page) = read().await;
        misses += usize::from(missed);
        if page.contains("2 likes") && page.contains("2 boosts") && page.contains("Shown at once") {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_millis(2500),
            "not within the interval: {page}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Five changes, gathered: a rendering per interval at most (and the first).
    let allowed = started.elapsed().as_secs() as usize + 3;
    assert!(misses <= allowed, "{misses} renderings for five changes");
}

#[tokio::test]
async fn the_authors_changes_show_at_once_while_the_fediverses_are_gathered() {
    let app = TestApp::spawn_with(|c| c.page_cache_coalesce_ms = 60_000).await;
    let admin = app.logged_in_admin().await;
    let editor = app
        .write_post(
            &admin,
            &[("title", "Notice"), ("body", "Closed today.")],
            "publish",
        )
        .await;
    let reader = app.client();
    app.get(&reader, "/posts/notice").await;

    edit(&app, &admin, &editor, "Notice", "Open after all.").await;

    let (_, page) = app.get_text(&reader, "/posts/notice").await;
    assert!(page.contains("Open after all."), "{page}");
}
