//! Hostile and malformed input gets a clear 4xx and changes nothing.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::{fediverse::Fediverse, helpers::TestApp};

fn follow(net: &Fediverse) -> serde_json::Value {
    let alice = net.peers[0].user("alice").id;
    json!({ "id": format!("{alice}#follow-{}", uuid::Uuid::new_v4()), "type": "Follow", "actor": alice, "object": net.blog_url("/users/blog") })
}

async fn follower_count(net: &Fediverse) -> serde_json::Value {
    net.get_json("/users/blog/followers").await.2["totalItems"].clone()
}

#[tokio::test]
async fn signatures_dated_an_hour_away_are_refused() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];

    let future = peer
        .post_signed_at(
            follow(&net),
            &net.inbox(),
            SystemTime::now() + Duration::from_secs(2 * 3600),
            &[],
        )
        .await;
    let past = peer
        .post_signed_at(
            follow(&net),
            &net.inbox(),
            SystemTime::now() - Duration::from_secs(2 * 3600),
            &[],
        )
        .await;

    assert_eq!(future.status(), 401);
    assert_eq!(past.status(), 401);
    assert_eq!(follower_count(&net).await, 0);
}

#[tokio::test]
async fn rfc_9421_signatures_get_401_so_senders_fall_back() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;

    let response = reqwest::Client::new()
        .post(net.blog.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header(
            "signature-input",
            r#"sig1=("@method" "@target-uri");created=1700000000;keyid="k""#,
        )
        .header("signature", "sig1=:AAAA:")
        .body(follow(&net).to_string())
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 401);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("draft-cavage")
    );
}

#[tokio::test]
async fn a_body_that_does_not_match_its_digest_is_refused() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];

    // A valid signature over one body, sent with a Digest of another.
    let response = peer
        .post_signed_at(follow(&net), &net.inbox(), SystemTime::now(), &[])
        .await;
    assert_eq!(response.status(), 202, "the honest request is accepted");
    let forged = reqwest::Client::new()
        .post(net.blog.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header("date", httpdate::fmt_http_date(SystemTime::now()))
        .header("digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        .header("signature", r#"keyId="x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA""#)
        .body(follow(&net).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn deeply_nested_json_is_refused_before_parsing() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let mut deep = json!("bottom");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let mut activity = follow(&net);
    activity["extra"] = deep;

    let status = net.peers[0].post_signed(activity, &net.inbox()).await;

    assert_eq!(status, 400);
    assert_eq!(follower_count(&net).await, 0);
}

#[tokio::test]
async fn an_activity_whose_id_is_on_another_host_is_refused() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let mut activity = follow(&net);
    activity["id"] = json!("https://elsewhere.example/follow/1");

    let status = net.peers[0].post_signed(activity, &net.inbox()).await;

    assert_eq!(status, 400);
    assert_eq!(follower_count(&net).await, 0);
}

#[tokio::test]
async fn the_inbox_answers_429_with_retry_after_when_flooded() {
    let mut net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let config = net.blog.config.clone();
    net.blog = net
        .blog
        .restart_with(move |c| {
            *c = config;
            c.federation.inbox_rate_per_minute = 3;
        })
        .await;
    let peer = &net.peers[0];

    let mut last = None;
    for _ in 0..4 {
        last = Some(
            peer.post_signed_at(follow(&net), &net.inbox(), SystemTime::now(), &[])
                .await,
        );
    }

    let last = last.expect("a response");
    assert_eq!(last.status(), 429);
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1);
}

#[tokio::test]
async fn every_response_carries_browser_protections() {
    let app = TestApp::spawn().await;

    for path in ["/", "/login", "/no-such-page", "/feed.atom"] {
        let response = app.get(&app.client(), path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("script-src"),
            "no scripts allowed at all: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
    // The admin pages may run the blog's own script, and nothing else.
    let admin = app.logged_in_admin().await;
    let response = app.get(&admin, "/admin").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_token() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let (_, page) = app.get_text(&client, "/admin/posts/new").await;
    let token = crate::helpers::csrf_token(&page);

    let response = client
        .post(app.url("/admin/posts/new"))
        .header("origin", "https://evil.example")
        .form(&[
            ("authenticity_token", token.as_str()),
            ("title", "Forged"),
            ("body", "x"),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 403);
    let same_site = client
        .post(app.url("/admin/posts/new"))
        .header("origin", app.base.as_str())
        .form(&[
            ("authenticity_token", token.as_str()),
            ("title", "Fine"),
            ("body", "x"),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(same_site.status(), 303);
}

#[tokio::test]
async fn an_overlong_reply_is_refused_and_nothing_is_stored() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Short"), ("body", "x")], "publish")
        .await;
    let peer = &net.peers[0];
    let huge = format!("<p>{}</p>", "word ".repeat(20_000));
    let note = peer.reply("alice", &net.blog_url("/posts/short"), &huge);
    let activity = json!({ "id": format!("{}/a/long", peer.base), "type": "Create", "actor": peer.user("alice").id, "object": note });

    let status = peer.post_signed(activity, &net.inbox()).await;

    assert_eq!(status, 413);
    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(queue.contains("No comments are waiting"), "{queue}");
}

#[tokio::test]
async fn a_signature_by_someone_other_than_the_actor_is_refused() {
    let net = Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let peer = &net.peers[0];
    // Signed with alice's key, claiming to be bob.
    let bob = peer.user("bob").id;
    let activity = json!({ "id": format!("{bob}#follow"), "type": "Follow", "actor": bob, "object": net.blog_url("/users/blog") });

    let status = peer.post_signed(activity, &net.inbox()).await;

    assert_eq!(status, 401);
    assert_eq!(follower_count(&net).await, 0);
}

#[tokio::test]
async fn a_create_of_someone_elses_words_is_refused() {
    let net = Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Post"), ("body", "x")], "publish")
        .await;
    let peer = &net.peers[0];
    // alice sends a reply that says bob wrote it.
    let note = peer.reply(
        "bob",
        &net.blog_url("/posts/post"),
        "<p>Words bob never wrote</p>",
    );
    let activity = json!({ "id": format!("{}/a/forged", peer.base), "type": "Create", "actor": peer.user("alice").id, "object": note });

    let status = peer.post_signed(activity, &net.inbox()).await;

    assert_eq!(status, 403);
    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(!queue.contains("never wrote"), "{queue}");
}

#[tokio::test]
async fn there_is_no_public_registration() {
    let app = TestApp::spawn().await;

    for path in [
        "/register",
        "/signup",
        "/admin/users/new",
        "/api/v1/accounts",
    ] {
        assert_eq!(app.get(&app.client(), path).await.status(), 404, "{path}");
    }
    let response = app
        .client()
        .post(app.url("/register"))
        .form(&[("username", "mallory")])
        .send()
        .await
        .expect("POST");
    assert!(response.status().is_client_error());
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_a_busy_timeout() {
    use sea_orm::{ConnectionTrait, Statement};
    // The embedded database, whichever database the suite runs on.
    let app = TestApp::start(crate::helpers::TestDb::sqlite(), |_| {}).await;
    let query =
        |sql: &str| Statement::from_string(sea_orm::DatabaseBackend::Sqlite, sql.to_owned());

    let mode = app
        .db
        .query_one_raw(query("PRAGMA journal_mode"))
        .await
        .expect("query")
        .expect("row");
    let timeout = app
        .db
        .query_one_raw(query("PRAGMA busy_timeout"))
        .await
        .expect("query")
        .expect("row");

    assert_eq!(mode.try_get_by_index::<String>(0).expect("mode"), "wal");
    assert!(timeout.try_get_by_index::<i64>(0).expect("timeout") >= 5000);
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_and_the_server_keeps_serving() {
    use axum::{Router, routing::get};
    async fn boom() -> &'static str {
        panic!("deliberate")
    }
    let router = blog::web::catch_panics(
        Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" })),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });

    let boom = reqwest::get(format!("http://{addr}/boom"))
        .await
        .expect("GET");
    let fine = reqwest::get(format!("http://{addr}/fine"))
        .await
        .expect("GET");

    assert_eq!(boom.status(), 500);
    assert!(
        !boom.text().await.expect("body").contains("deliberate"),
        "the panic message is not shown"
    );
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn a_reply_chain_is_not_chased_beyond_the_object_itself() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Root"), ("body", "x")], "publish")
        .await;
    let peer = &net.peers[0];
    // A chain of ten notes, each answering the one before, the first our post.
    let mut parent = net.blog_url("/posts/root");
    let mut last = json!(null);
    for n in 0..10 {
        let note = peer.reply("alice", &parent, &format!("<p>link {n}</p>"));
        peer.publish(&note);
        parent = note["id"].as_str().expect("id").to_owned();
        last = note;
    }

    peer.send_activity("alice", "Create", last["id"].clone(), &net.inbox())
        .await;

    assert_eq!(peer.note_fetches(), 1, "only the object itself was fetched");
    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(
        !queue.contains("link 9"),
        "an answer to an unknown note is not stored: {queue}"
    );
}
