use serde_json::Value;

use crate::{fediverse::Fediverse, helpers::post_id};
use blog::entities::delivery::DeliveryState;

async fn followed(peers: &[(&str, &[&str])]) -> (Fediverse, reqwest::Client) {
    let net = Fediverse::start(peers).await;
    for peer in &net.peers {
        for user in ["alice", "bob"] {
            if peer.has_user(user) {
                peer.follow(user, &net.handle()).await;
            }
        }
    }
    for peer in &net.peers {
        peer.wait_for("Accept", peer.user_count()).await;
    }
    let admin = net.blog.logged_in_admin().await;
    (net, admin)
}

async fn delivery_rows(net: &Fediverse) -> Vec<(DeliveryState, i32, Option<i32>)> {
    use sea_orm::{EntityTrait, QueryOrder};
    blog::entities::delivery::Entity::find()
        .order_by_asc(blog::entities::delivery::Column::Id)
        .all(&net.blog.db)
        .await
        .expect("deliveries")
        .into_iter()
        .map(|d| (d.state, d.attempts, d.last_status))
        .collect()
}

/// The last delivery once its outcome is recorded (the peer sees the request
/// a moment before the blog writes down the answer).
async fn settled_last(net: &Fediverse) -> (DeliveryState, i32, Option<i32>) {
    let started = std::time::Instant::now();
    loop {
        let rows = delivery_rows(net).await;
        if let Some(last) = rows.last().filter(|r| r.0 != DeliveryState::Pending) {
            return *last;
        }
        assert!(started.elapsed().as_secs() < 10, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn publishing_sends_a_signed_create_with_the_whole_article() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;

    net.blog
        .write_post(
            &admin,
            &[
                ("title", "Customer Service"),
                ("body", "We answer *every* letter.\n\nMore."),
                ("tags", "Library, Open Source"),
            ],
            "publish",
        )
        .await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    let create = &creates[0].activity;
    let actor = net.blog_url("/users/blog");
    let url = net.blog_url("/posts/customer-service");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    assert_eq!(create["actor"], actor);
    assert_eq!(create["to"], serde_json::json!([public]));
    assert_eq!(
        create["cc"],
        serde_json::json!([format!("{actor}/followers")])
    );
    assert!(
        create["@context"]
            .as_array()
            .expect("context")
            .contains(&Value::from("https://w3id.org/security/v1"))
    );
    let article = &create["object"];
    assert_eq!(article["id"], url);
    assert_eq!(article["type"], "Article");
    assert_eq!(article["url"], url);
    assert_eq!(article["name"], "Customer Service");
    assert_eq!(article["summary"], "We answer every letter.");
    assert!(
        article["content"]
            .as_str()
            .expect("content")
            .contains("<em>every</em>")
    );
    assert_eq!(article["source"]["mediaType"], "text/markdown");
    assert!(
        article["source"]["content"]
            .as_str()
            .expect("source")
            .contains("*every*")
    );
    assert_eq!(article["attributedTo"], actor);
    assert!(article["published"].as_str().is_some());
    assert_eq!(article["to"], serde_json::json!([public]));
    assert_eq!(
        article["cc"],
        serde_json::json!([format!("{actor}/followers")])
    );
    let tags = article["tag"].as_array().expect("tags");
    assert!(tags.iter().any(|t| t["type"] == "Hashtag"
        && t["name"] == "#OpenSource"
        && t["href"] == net.blog_url("/tags/open-source")));
    for collection in ["likes", "shares"] {
        assert_eq!(article[collection]["totalItems"], 0, "{collection}");
    }
    assert_eq!(article["replies"]["id"], format!("{url}/replies"));
    assert_eq!(article["context"], format!("{url}/context"));
    // The post's own URL serves the same Article to servers.
    let (status, headers, served) = net.get_json("/posts/customer-service").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/activity+json");
    assert_eq!(headers["vary"], "Accept");
    assert_eq!(served["id"], url);
    assert_eq!(served["name"], "Customer Service");
}

#[tokio::test]
async fn editing_sends_update_and_deleting_sends_delete_then_the_post_is_gone() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;
    let editor = net
        .blog
        .write_post(
            &admin,
            &[("title", "Hours"), ("body", "Nine to five.")],
            "publish",
        )
        .await;
    net.peers[0].wait_for("Create", 1).await;
    let path = format!("/admin/posts/{}/edit", post_id(&editor));

    net.blog
        .submit(
            &admin,
            &path,
            &path,
            &[
                ("title", "Hours"),
                ("body", "Eight to six."),
                ("action", "publish"),
            ],
        )
        .await;
    let updates = net.peers[0].wait_for("Update", 1).await;
    let update = &updates[0].activity;
    assert_eq!(update["object"]["id"], net.blog_url("/posts/hours"));
    assert!(
        update["object"]["content"]
            .as_str()
            .expect("content")
            .contains("Eight to six.")
    );
    assert!(update["object"]["updated"].as_str().is_some());

    let confirm = format!("/admin/posts/{}/delete", post_id(&editor));
    net.blog.submit(&admin, &confirm, &confirm, &[]).await;
    let deletes = net.peers[0].wait_for("Delete", 1).await;
    let delete = &deletes[0].activity;
    assert_eq!(delete["object"]["type"], "Tombstone");
    assert_eq!(delete["object"]["id"], net.blog_url("/posts/hours"));

    let (status, _, tombstone) = net.get_json("/posts/hours").await;
    assert_eq!(status, 410);
    assert_eq!(tombstone["type"], "Tombstone");
}

#[tokio::test]
async fn drafts_never_federate() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;

    net.blog
        .write_post(
            &admin,
            &[("title", "Secret"), ("body", "Not yet.")],
            "draft",
        )
        .await;
    net.blog
        .write_post(&admin, &[("title", "Public"), ("body", "Now.")], "publish")
        .await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].activity["object"]["name"], "Public");
    assert!(
        net.peers[0]
            .received()
            .iter()
            .all(|r| r.activity["object"]["name"] != "Secret")
    );
}

#[tokio::test]
async fn followers_sharing_an_inbox_get_one_delivery() {
    let (net, admin) = followed(&[("peer.test", &["alice", "bob"])]).await;

    net.blog
        .write_post(
            &admin,
            &[("title", "Once"), ("body", "Only once.")],
            "publish",
        )
        .await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    // Every delivery recorded as done: nothing more will be sent.
    let started = std::time::Instant::now();
    while delivery_rows(&net)
        .await
        .iter()
        .any(|r| r.0 == DeliveryState::Pending)
    {
        assert!(started.elapsed().as_secs() < 10, "deliveries never settled");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let creates_now: Vec<_> = net.peers[0]
        .received()
        .into_iter()
        .filter(|r| r.activity["type"] == "Create")
        .collect();
    assert_eq!(creates_now.len(), 1, "one Create for two followers");
    assert_eq!(creates[0].inbox, "/inbox", "sent to the shared inbox");
}

#[tokio::test]
async fn a_server_answering_503_twice_gets_the_post_on_retry() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;
    net.peers[0].fail_with(&[503, 503]);

    net.blog
        .write_post(
            &admin,
            &[("title", "Persistent"), ("body", "Try again.")],
            "publish",
        )
        .await;

    net.peers[0].wait_for("Create", 1).await;
    assert_eq!(
        settled_last(&net).await,
        (DeliveryState::Delivered, 3, Some(202))
    );
    let (_, admin_page) = net.blog.get_text(&admin, "/admin").await;
    assert!(admin_page.contains(">1 delivered</span>"), "{admin_page}");
}

#[tokio::test]
async fn an_inbox_answering_404_is_not_retried() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;
    net.peers[0].fail_with(&[404]);

    net.blog
        .write_post(
            &admin,
            &[("title", "Lost"), ("body", "Nobody home.")],
            "publish",
        )
        .await;

    let started = std::time::Instant::now();
    loop {
        let rows = delivery_rows(&net).await;
        if rows.last().is_some_and(|r| r.0 != DeliveryState::Pending) {
            assert_eq!(
                rows.last().expect("row"),
                &(DeliveryState::Failed, 1, Some(404))
            );
            break;
        }
        assert!(started.elapsed().as_secs() < 10, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Recorded as failed for good: the worker sends only pending rows, so
    // what the peer has now is all it will get.
    assert!(
        net.peers[0]
            .received()
            .iter()
            .all(|r| r.activity["type"] != "Create")
    );
    let (_, admin_page) = net.blog.get_text(&admin, "/admin").await;
    assert!(admin_page.contains("1 failed"), "{admin_page}");
}

#[tokio::test]
async fn pending_deliveries_are_sent_after_a_restart() {
    let (mut net, admin) = followed(&[("peer.test", &["alice"])]).await;
    // Enough failures that the first tries all happen before the restart.
    net.peers[0].fail_with(&[503; 3]);
    net.blog
        .write_post(
            &admin,
            &[("title", "Survivor"), ("body", "Through the restart.")],
            "publish",
        )
        .await;
    let started = std::time::Instant::now();
    while delivery_rows(&net).await.last().is_none_or(|r| r.1 < 2) {
        assert!(
            started.elapsed().as_secs() < 10,
            "the first tries did not happen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    net.blog = net.blog.restart().await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    assert_eq!(creates[0].activity["object"]["name"], "Survivor");
    // The outcome is written once the peer has answered.
    let started = std::time::Instant::now();
    loop {
        let rows = delivery_rows(&net).await;
        if rows.last().expect("row").0 == DeliveryState::Delivered {
            break;
        }
        assert!(started.elapsed().as_secs() < 10, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_paused_and_shown_to_the_admin() {
    let (net, admin) = followed(&[("peer.test", &["alice"])]).await;
    net.peers[0].fail_with(&[503; 50]);

    net.blog
        .write_post(
            &admin,
            &[("title", "Knock knock"), ("body", "Anyone?")],
            "publish",
        )
        .await;

    let started = std::time::Instant::now();
    let host = loop {
        use sea_orm::EntityTrait;
        let hosts = blog::entities::delivery_host::Entity::find()
            .all(&net.blog.db)
            .await
            .expect("hosts");
        if let Some(host) = hosts.into_iter().find(|h| h.paused_until.is_some()) {
            break host;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "the host was never paused"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(host.host.starts_with("peer.test:"));
    assert!(host.consecutive_failures >= 3);
    let attempts = delivery_rows(&net).await.last().expect("row").1;
    assert!(attempts <= 4, "paused, not hammered: {attempts} attempts");
    let (_, page) = net.blog.get_text(&admin, "/admin/fediverse").await;
    assert!(
        page.contains(&host.host) && page.contains("answered 503"),
        "{page}"
    );
    let (_, list) = net.blog.get_text(&admin, "/admin").await;
    assert!(list.contains("1 waiting"), "{list}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_retried_later() {
    use blog::services::followers;
    let (net, admin) = followed(&[]).await;
    // Accepts connections and never says a word.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = tarpit.local_addr().expect("address").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = tarpit.accept().await {
            open.push(socket);
        }
    });
    let actor = net
        .blog
        .remote_actor(
            &format!("http://127.0.0.1:{port}/users/silent"),
            &format!("http://127.0.0.1:{port}/inbox"),
        )
        .await;
    followers::accept(&net.blog.db, &actor, "http://127.0.0.1/follow", |_| {
        "{}".into()
    })
    .await
    .expect("follower");

    net.blog
        .write_post(
            &admin,
            &[("title", "Into the void"), ("body", "x")],
            "publish",
        )
        .await;

    let started = std::time::Instant::now();
    loop {
        use sea_orm::EntityTrait;
        let rows = blog::entities::delivery::Entity::find()
            .all(&net.blog.db)
            .await
            .expect("rows");
        if let Some(row) = rows.iter().find(|d| d.attempts >= 1) {
            assert_eq!(
                row.state,
                DeliveryState::Pending,
                "timeouts are retried: {row:?}"
            );
            assert_eq!(row.last_status, None);
            assert!(
                row.last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("timed out") || e.contains("timeout")),
                "{row:?}"
            );
            break;
        }
        assert!(
            started.elapsed().as_secs() < 30,
            "no timeout recorded: {rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    held.abort();
}
