//! Without `allow_insecure_local`, nothing makes the blog send a request to
//! this machine or a private network.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn remote_interaction_refuses_local_and_private_servers() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Hello"), ("body", "x")], "publish")
        .await;

    for handle in [
        "me@127.0.0.1",
        "me@localhost",
        "me@10.0.0.5",
        "me@[::1]",
        "me@169.254.169.254",
        "me@example.org:8080",
    ] {
        let query: String = url::form_urlencoded::byte_serialize(handle.as_bytes()).collect();
        let response = app
            .get(
                &app.client(),
                &format!("/posts/hello/interact?handle={query}"),
            )
            .await;
        assert_eq!(response.status(), 422, "{handle}");
    }
}

#[tokio::test]
async fn deliveries_to_local_or_private_inboxes_are_refused_without_a_request() {
    let app = TestApp::spawn().await;
    for (n, inbox) in [
        "https://127.0.0.1/inbox",
        "https://192.168.0.10/inbox",
        "http://social.example/inbox",
        "https://social.example:8443/inbox",
    ]
    .into_iter()
    .enumerate()
    {
        app.add_follower(&format!("https://social{n}.example/users/a"), inbox)
            .await;
    }
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Hello"), ("body", "x")], "publish")
        .await;

    use sea_orm::EntityTrait;
    let started = std::time::Instant::now();
    loop {
        let rows = blog::entities::delivery::Entity::find()
            .all(&app.db)
            .await
            .expect("rows");
        if rows.len() == 8
            && rows
                .iter()
                .all(|d| d.state != blog::entities::delivery::DeliveryState::Pending)
        {
            for row in rows {
                assert_eq!(
                    row.state,
                    blog::entities::delivery::DeliveryState::Failed,
                    "{row:?}"
                );
                assert!(
                    row.last_error
                        .as_deref()
                        .is_some_and(|e| e.starts_with("refusing")),
                    "{row:?}"
                );
                assert_eq!(row.last_status, None, "no request was made: {row:?}");
            }
            break;
        }
        assert!(started.elapsed().as_secs() < 10, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_activity_from_a_local_address_is_refused_without_fetching_it() {
    use base64::Engine;
    use sha2::Digest;
    let app = TestApp::spawn().await;
    // Anything that connects here would be the blog fetching the "actor".
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = trap.local_addr().expect("address").port();
    let body = json!({
        "id": format!("http://127.0.0.1:{port}/follows/1"),
        "type": "Follow",
        "actor": format!("http://127.0.0.1:{port}/users/x"),
        "object": blog::urls::Urls::new(&app.config).absolute("/users/blog"),
    })
    .to_string();
    let digest = format!(
        "SHA-256={}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body.as_bytes()))
    );

    let response = reqwest::Client::new()
        .post(app.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header("date", httpdate::fmt_http_date(std::time::SystemTime::now()))
        .header("digest", digest)
        .header(
            "signature",
            format!(r#"keyId="http://127.0.0.1:{port}/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) date digest",signature="AAAA""#),
        )
        .body(body)
        .send()
        .await
        .expect("POST");

    assert!(response.status().is_client_error(), "{}", response.status());
    let connected =
        tokio::time::timeout(std::time::Duration::from_millis(300), trap.accept()).await;
    assert!(connected.is_err(), "the blog connected to a local address");
}
