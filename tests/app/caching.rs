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
    let first = TestApp::spawn().await;
    if !first.store.is_postgres() {
        eprintln!("skipped: several processes share a database only on PostgreSQL");
        return;
    }
    let admin = first.logged_in_admin().await;
    let editor = first
        .write_post(
            &admin,
            &[("title", "Shared"), ("body", "First version.")],
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
    tokio::time::sleep(Duration::from_millis(300)).await;

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
