//! Server errors: every 500 is logged with its cause and answered with the
//! error page, or with a JSON error for ActivityPub clients; never an empty
//! answer. Runs `blog serve` as a process to read its log.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use blog::{
    app,
    config::Config,
    domain::{Password, Username},
    services::{
        posts::{self, PostForm, PostStatus},
        users,
    },
};
use sea_orm::ConnectionTrait;

use crate::helpers::TestDb;

/// A blog with one published post, `Shelving`, on `store`.
async fn seeded(store: &TestDb) -> sea_orm::DatabaseConnection {
    let config = Config {
        database_url: Some(store.url.clone()),
        ..Config::default()
    };
    let db = app::connect(&config).await.expect("connect");
    app::migrate(&db).await.expect("migrate");
    let author = users::create(
        &db,
        &Username::parse("alice").expect("name"),
        &Password::parse("correct horse battery staple".into()).expect("password"),
        true,
    )
    .await
    .expect("admin");
    let form = PostForm {
        title: "Shelving".into(),
        body: "Books go spine out.".into(),
        ..Default::default()
    };
    let valid = form.validate(chrono_tz::Tz::UTC).expect("valid post");
    posts::create(
        &db,
        author.id,
        valid,
        PostStatus::Published,
        chrono::Utc::now(),
    )
    .await
    .expect("published");
    db
}

#[tokio::test]
async fn a_server_error_is_logged_with_its_cause_and_answered_with_a_page_or_json() {
    let store = TestDb::new().await;
    let db = seeded(&store).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_blog"))
        .arg("serve")
        .current_dir(store.dir.path())
        .env("BLOG_DATABASE_URL", &store.url)
        .env("BLOG_DATA_DIR", store.data_dir())
        .env("BLOG_LISTEN", "127.0.0.1:0")
        .env("BLOG_PUBLIC_URL", "http://blog.test")
        .env("RUST_LOG", "warn,blog::app=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("blog serve starts");
    let (port, log) =
        crate::processes::reported_port(child.stderr.take().expect("the server's log"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while !client
        .get(format!("{base}/posts/shelving"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(started.elapsed() < Duration::from_secs(30), "never up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The posts' tags are gone from under the running server.
    let drop = if store.is_postgres() {
        "DROP TABLE post_tags CASCADE"
    } else {
        "DROP TABLE post_tags"
    };
    db.execute_unprepared(drop).await.expect("table dropped");

    let page = client
        .get(format!("{base}/posts/shelving?fresh=1"))
        .send()
        .await
        .expect("GET");
    let json = client
        .get(format!("{base}/posts/shelving?fresh=2"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET");

    assert_eq!(page.status(), 500);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("body");
    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert!(html.contains("</html>"), "the whole error page: {html}");
    assert!(!html.contains("post_tags"), "no internals leak: {html}");
    assert_eq!(json.status(), 500);
    let error: serde_json::Value = json.json().await.expect("a JSON error");
    assert!(error["error"].is_string(), "{error}");
    // The log is read as the server writes it: wait for both lines.
    let started = Instant::now();
    loop {
        let logged = log.lock().expect("log").clone();
        let failures = logged
            .lines()
            .filter(|l| l.contains("ERROR") && l.contains("post_tags"))
            .count();
        if failures >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "each failure is logged with its cause: {logged}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}
