//! Authorized fetch: with it on, ActivityPub documents go only to signed
//! requests from servers that are not blocked; actors and pages stay public.

use crate::fediverse::Fediverse;

async fn secure_blog() -> (Fediverse, reqwest::Client, String) {
    let (net, admin) = Fediverse::with_open_post(
        &[("peer.test", &["alice"]), ("spam.test", &["troll"])],
        "Opening hours",
        |c| c.federation.authorized_fetch = true,
    )
    .await;
    let outbox = net.blog.get(&admin, "/admin").await;
    assert_eq!(outbox.status(), 200);
    (net, admin, "/posts/opening-hours".to_owned())
}

#[tokio::test]
async fn unsigned_requests_for_documents_get_401_and_pages_and_actors_stay_public() {
    let (net, _, post) = secure_blog().await;

    let (status, headers, body) = net.get_json(&post).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].as_str().expect("a reason").contains("signed"));
    assert_eq!(headers["content-type"], "application/json");
    for path in [
        "/users/blog/outbox",
        "/users/blog/followers",
        "/posts/opening-hours/replies",
        "/posts/opening-hours/context",
    ] {
        assert_eq!(net.get_json(path).await.0, 401, "{path}");
    }

    let (status, _, actor) = net.get_json("/users/blog").await;
    assert_eq!(
        status, 200,
        "the actor is public: its key is needed to sign"
    );
    assert!(actor["publicKey"]["publicKeyPem"].is_string());
    let (status, page) = net.blog.get_text(&net.blog.client(), &post).await;
    assert_eq!(status, 200);
    assert!(page.contains("Opening hours"));
    let finger = net
        .blog
        .get(
            &net.blog.client(),
            &format!("/.well-known/webfinger?resource=acct:{}", net.handle()),
        )
        .await;
    assert_eq!(finger.status(), 200);
}

#[tokio::test]
async fn a_signed_request_gets_the_document_and_a_blocked_server_gets_403() {
    let (net, admin, post) = secure_blog().await;
    let url = net.blog_url(&post);

    let signed = net.peers[0].get_signed("alice", &url).await;
    assert_eq!(signed.status(), 200);
    assert_eq!(signed.headers()["cache-control"], "private");
    let article: serde_json::Value = signed.json().await.expect("JSON");
    assert_eq!(article["type"], "Article");
    assert_eq!(
        net.get_json(&post).await.0,
        401,
        "what a signed request read is not handed to the next unsigned one"
    );

    let blocked = net
        .blog
        .submit(
            &admin,
            "/admin/blocks",
            "/admin/blocks",
            &[("domain", "spam.test")],
        )
        .await;
    assert_eq!(blocked.status(), 303);
    let blocked = net.peers[1].get_signed("troll", &url).await;
    assert_eq!(blocked.status(), 403);
    let outbox = net.peers[1]
        .get_signed("troll", &net.blog_url("/users/blog/outbox"))
        .await;
    assert_eq!(outbox.status(), 403);
    assert_eq!(
        net.peers[0].get_signed("alice", &url).await.status(),
        200,
        "other servers still read it"
    );
}

#[tokio::test]
async fn a_signature_by_someone_else_s_key_is_refused() {
    let (net, _, post) = secure_blog().await;
    // spam.test's troll signs, but the request claims to be alice's.
    let url = net.blog_url(&post);
    let forged = net.peers[1]
        .get_signed_as("troll", &net.peers[0].user("alice").id, &url)
        .await;
    assert_eq!(forged.status(), 401);
}

/// Two blogs on loopback, `alpha.test` (with authorized fetch) and
/// `beta.test`, each resolving the other.
async fn two_blogs() -> (crate::helpers::TestApp, crate::helpers::TestApp) {
    use crate::helpers::{TestApp, TestDb};
    let alpha = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let beta = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let (alpha_addr, beta_addr) = (
        alpha.local_addr().expect("address"),
        beta.local_addr().expect("address"),
    );
    let client = crate::peer::resolving_client(&[
        ("alpha.test".to_owned(), alpha_addr),
        ("beta.test".to_owned(), beta_addr),
    ]);
    let start = |listener, host: &'static str, port: u16, secure: bool| {
        let client = client.clone();
        async move {
            TestApp::start_on(TestDb::new().await, listener, Some(client), |c| {
                c.public_url = format!("http://{host}:{port}").parse().expect("URL");
                c.federation.allow_insecure_local = true;
                c.federation.authorized_fetch = secure;
            })
            .await
        }
    };
    (
        start(alpha, "alpha.test", alpha_addr.port(), true).await,
        start(beta, "beta.test", beta_addr.port(), false).await,
    )
}

#[tokio::test]
async fn another_blog_reads_a_secure_blogs_post_with_a_signed_fetch() {
    let (alpha, beta) = two_blogs().await;
    let alpha_admin = alpha.logged_in_admin().await;
    alpha
        .write_post(
            &alpha_admin,
            &[("title", "Winter hours"), ("body", "We close at four.")],
            "publish",
        )
        .await;
    let quoted = format!(
        "http://alpha.test:{}/posts/winter-hours",
        alpha.config.listen.port()
    );
    let unsigned = reqwest::Client::new()
        .get(alpha.url("/posts/winter-hours"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET");
    assert_eq!(unsigned.status(), 401);

    let beta_admin = beta.logged_in_admin().await;
    beta.write_post(
        &beta_admin,
        &[
            ("title", "Noted"),
            ("body", "Worth knowing."),
            ("quote", &quoted),
        ],
        "publish",
    )
    .await;

    let started = std::time::Instant::now();
    loop {
        let (_, page) = beta.get_text(&beta.client(), "/posts/noted").await;
        if page.contains("We close at four.") {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "beta never read alpha's post: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
