use serde_json::json;

use crate::{fediverse::Fediverse, helpers::TestApp};

/// A blog with one published post and a peer with alice and bob.
async fn with_post(policy: blog::config::ModerationPolicy) -> (Fediverse, reqwest::Client, String) {
    let mut net = Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let config = net.blog.config.clone();
    // Restart with the policy under test (the harness sets the rest).
    net.blog = net
        .blog
        .restart_with(move |c| {
            *c = config;
            c.moderation.policy = policy;
        })
        .await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(
            &admin,
            &[
                ("title", "Customer Service"),
                ("body", "We answer every letter."),
            ],
            "publish",
        )
        .await;
    let post = net.blog_url("/posts/customer-service");
    (net, admin, post)
}

async fn page(net: &Fediverse) -> String {
    net.blog
        .get_text(&net.blog.client(), "/posts/customer-service")
        .await
        .1
}

async fn moderate(app: &TestApp, admin: &reqwest::Client, row_action: &str) {
    let response = app
        .submit(
            admin,
            "/admin/comments",
            "/admin/comments",
            &[("row_action", row_action), ("status", "pending")],
        )
        .await;
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
}

async fn comment_id(app: &TestApp, ap_id: &str) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    blog::entities::comment::Entity::find()
        .filter(blog::entities::comment::Column::ApId.eq(ap_id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("comment stored")
        .id
}

#[tokio::test]
async fn a_reply_is_held_then_approved_and_shown_under_the_post() {
    let (net, admin, post) = with_post(Default::default()).await;
    let peer = &net.peers[0];
    let note = peer.reply(
        "alice",
        &post,
        "<p>Thank you <strong>kindly</strong>!</p><script>alert(1)</script>",
    );

    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;

    assert!(
        page(&net).await.contains("No replies yet."),
        "held, not shown"
    );
    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(
        queue.contains("Thank you <strong>kindly</strong>!"),
        "{queue}"
    );
    assert!(
        queue.contains(r#"<span class="count" title="waiting for you">1</span>"#),
        "{queue}"
    );
    let id = comment_id(&net.blog, note["id"].as_str().expect("id")).await;

    moderate(&net.blog, &admin, &format!("approve:{id}")).await;

    let html = page(&net).await;
    assert!(html.contains("1 reply to “Customer Service”"), "{html}");
    assert!(
        html.contains("Thank you <strong>kindly</strong>!"),
        "{html}"
    );
    assert!(!html.contains("alert(1)"), "{html}");
    assert!(html.contains("alice on the peer"), "display name: {html}");
    assert!(html.contains("@alice@peer.test:"), "handle: {html}");
    assert!(
        html.contains(r#"class="avatar" src="http://peer.test:"#),
        "avatar: {html}"
    );
    assert!(
        html.contains(&format!(r#"href="{}/@alice/1""#, peer.base)),
        "link to the original: {html}"
    );
    let (_, home) = net.blog.get_text(&net.blog.client(), "/").await;
    assert!(home.contains("1 reply</a>"), "{home}");
    let (_, _, article) = net.get_json("/posts/customer-service").await;
    let (_, _, replies) = net.get_json("/posts/customer-service/replies").await;
    assert_eq!(article["replies"]["id"], replies["id"]);
    assert_eq!(replies["type"], "OrderedCollection");
    assert_eq!(replies["totalItems"], 1);
    assert_eq!(replies["first"]["orderedItems"], json!([note["id"]]));
}

#[tokio::test]
async fn with_the_first_time_policy_a_known_author_is_published_at_once() {
    let (net, admin, post) = with_post(Default::default()).await;
    let peer = &net.peers[0];
    let first = peer.reply("alice", &post, "<p>First</p>");
    peer.send_activity("alice", "Create", first.clone(), &net.inbox())
        .await;
    let id = comment_id(&net.blog, first["id"].as_str().expect("id")).await;
    moderate(&net.blog, &admin, &format!("approve:{id}")).await;

    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Second</p>"),
        &net.inbox(),
    )
    .await;
    peer.send_activity(
        "bob",
        "Create",
        peer.reply("bob", &post, "<p>Newcomer</p>"),
        &net.inbox(),
    )
    .await;

    let html = page(&net).await;
    assert!(html.contains("Second"), "{html}");
    assert!(!html.contains("Newcomer"), "{html}");
}

#[tokio::test]
async fn the_open_policy_publishes_at_once_but_keywords_still_hold() {
    let mut net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let config = net.blog.config.clone();
    net.blog = net
        .blog
        .restart_with(move |c| {
            *c = config;
            c.moderation.policy = blog::config::ModerationPolicy::Open;
            c.moderation.keywords = vec!["Casino".into()];
        })
        .await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(
            &admin,
            &[("title", "Customer Service"), ("body", "x")],
            "publish",
        )
        .await;
    let post = net.blog_url("/posts/customer-service");
    let peer = &net.peers[0];

    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Lovely post</p>"),
        &net.inbox(),
    )
    .await;
    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Visit my casino</p>"),
        &net.inbox(),
    )
    .await;

    let html = page(&net).await;
    assert!(html.contains("Lovely post"));
    assert!(!html.contains("casino"));
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=pending")
        .await;
    assert!(queue.contains("Visit my casino"));
}

#[tokio::test]
async fn a_reply_to_a_reply_is_threaded_under_it() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    let parent = peer.reply("alice", &post, "<p>Parent reply</p>");
    peer.send_activity("alice", "Create", parent.clone(), &net.inbox())
        .await;

    let child = peer.reply(
        "bob",
        parent["id"].as_str().expect("id"),
        "<p>Child reply</p>",
    );
    peer.send_activity("bob", "Create", child, &net.inbox())
        .await;

    let html = page(&net).await;
    let parent_at = html.find("Parent reply").expect("parent shown");
    let child_at = html.find("Child reply").expect("child shown");
    assert!(parent_at < child_at);
    let child_li = html[..child_at]
        .rfind("<li class=\"comment")
        .expect("child item");
    assert!(
        html[child_li..child_at].contains("depth-1"),
        "{}",
        &html[child_li..child_at]
    );
    assert!(html.contains("2 replies to"));
}

#[tokio::test]
async fn a_reply_given_as_a_url_is_fetched() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Fetched from home</p>");
    peer.publish(&note);

    peer.send_activity("alice", "Create", note["id"].clone(), &net.inbox())
        .await;

    assert!(page(&net).await.contains("Fetched from home"));
}

#[tokio::test]
async fn the_author_may_edit_and_delete_a_reply_and_others_may_not() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Original words</p>");
    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;
    let answer = peer.reply(
        "bob",
        note["id"].as_str().expect("id"),
        "<p>An answer below</p>",
    );
    peer.send_activity("bob", "Create", answer, &net.inbox())
        .await;

    // bob tries to edit and delete alice's reply (signed by alice's server as bob).
    let mut forged = note.clone();
    forged["content"] = json!("<p>Words put in her mouth</p>");
    forged["attributedTo"] = json!(peer.user("bob").id);
    peer.send_activity("bob", "Update", forged, &net.inbox())
        .await;
    peer.send_activity("bob", "Delete", note["id"].clone(), &net.inbox())
        .await;
    let html = page(&net).await;
    assert!(
        html.contains("Original words") && !html.contains("put in her mouth"),
        "{html}"
    );

    let mut edited = note.clone();
    edited["content"] = json!("<p>Better words</p>");
    peer.send_activity("alice", "Update", edited, &net.inbox())
        .await;
    let html = page(&net).await;
    assert!(
        html.contains("Better words") && !html.contains("Original words"),
        "{html}"
    );
    assert!(html.contains(r#"<span class="edited">edited"#), "{html}");

    peer.send_activity(
        "alice",
        "Delete",
        json!({ "id": note["id"], "type": "Tombstone" }),
        &net.inbox(),
    )
    .await;
    let html = page(&net).await;
    assert!(!html.contains("Better words"), "{html}");
    assert!(
        html.contains("This reply was deleted."),
        "placeholder keeps the thread: {html}"
    );
    assert!(html.contains("An answer below"), "{html}");
}

#[tokio::test]
async fn deleting_an_account_removes_its_replies() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Soon gone</p>"),
        &net.inbox(),
    )
    .await;
    let alice = peer.user("alice").id;

    peer.send(
        "alice",
        json!({ "id": format!("{alice}#delete"), "type": "Delete", "actor": alice, "object": alice }),
        &net.inbox(),
    )
    .await;

    let html = page(&net).await;
    assert!(!html.contains("Soon gone"), "{html}");
    assert!(html.contains("No replies yet."), "{html}");
}

#[tokio::test]
async fn a_reply_to_something_else_is_acknowledged_and_not_stored() {
    let (net, admin, _post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];

    let status = peer
        .post_signed(
            json!({
                "id": format!("{}/activities/elsewhere", peer.base),
                "type": "Create",
                "actor": peer.user("alice").id,
                "object": peer.reply("alice", "https://elsewhere.example/notes/1", "<p>Not for you</p>"),
            }),
            &net.inbox(),
        )
        .await;

    assert_eq!(status, 202);
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    assert!(!queue.contains("Not for you"));
}

#[tokio::test]
async fn the_same_activity_twice_has_no_second_effect() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let like =
        json!({ "id": format!("{alice}#likes/1"), "type": "Like", "actor": alice, "object": post });
    let undo = json!({ "id": format!("{alice}#likes/1/undo"), "type": "Undo", "actor": alice, "object": like });

    assert_eq!(peer.post_signed(like.clone(), &net.inbox()).await, 202);
    assert_eq!(peer.post_signed(undo, &net.inbox()).await, 202);
    assert_eq!(peer.post_signed(like, &net.inbox()).await, 202);

    let (_, _, article) = net.get_json("/posts/customer-service").await;
    assert_eq!(
        article["likes"]["totalItems"], 0,
        "the replayed Like was ignored"
    );
}

#[tokio::test]
async fn content_warnings_fold_the_reply_and_attachments_are_links() {
    let (net, _admin, post) = with_post(blog::config::ModerationPolicy::Open).await;
    let peer = &net.peers[0];
    let mut note = peer.reply("alice", &post, "<p>The butler did it</p>");
    note["summary"] = json!("Spoilers");
    note["sensitive"] = json!(true);
    note["attachment"] = json!({ "type": "Document", "mediaType": "image/png", "url": "https://peer.example/media/1.png", "name": "A photo of the butler" });
    note["tag"] = json!({ "type": "Hashtag", "name": "#mystery", "href": "https://peer.example/tags/mystery" });

    peer.send_activity("alice", "Create", note, &net.inbox())
        .await;

    let html = page(&net).await;
    assert!(
        html.contains(r#"<details class="content-warning">"#),
        "{html}"
    );
    assert!(html.contains("<summary>Spoilers</summary>"), "{html}");
    assert!(html.contains(r#"<a href="https://peer.example/media/1.png" rel="nofollow ugc noopener">A photo of the butler</a>"#), "{html}");
    assert!(
        !html.contains(r#"<img src="https://peer.example"#),
        "no remote images inline"
    );
}
