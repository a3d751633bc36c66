use serde_json::json;

use crate::fediverse::Fediverse;

async fn setup() -> (Fediverse, reqwest::Client, String) {
    let net = Fediverse::start(&[
        ("peer.test", &["alice", "bob"]),
        ("spam.test", &["spammer"]),
    ])
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
    (net, admin, post)
}

async fn ids_in_queue(net: &Fediverse, admin: &reqwest::Client, status: &str) -> Vec<String> {
    let (_, page) = net
        .blog
        .get_text(admin, &format!("/admin/comments?status={status}"))
        .await;
    page.split(r#"name="ids" value=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// Replies One, Two and Three from alice and bob, held for moderation.
async fn three_replies(net: &Fediverse, post: &str) {
    let peer = &net.peers[0];
    for (user, text) in [("alice", "One"), ("bob", "Two"), ("alice", "Three")] {
        peer.send_activity(
            user,
            "Create",
            peer.reply(user, post, &format!("<p>{text}</p>")),
            &net.inbox(),
        )
        .await;
    }
}

#[tokio::test]
async fn bulk_actions_move_comments_between_tabs_with_counts() {
    let (net, admin, post) = setup().await;
    three_replies(&net, &post).await;
    let pending = ids_in_queue(&net, &admin, "pending").await;
    assert_eq!(pending.len(), 3);

    let response = net
        .blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("ids", pending[0].as_str()),
                ("ids", pending[1].as_str()),
                ("action", "approve"),
                ("status", "pending"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    net.blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("row_action", &format!("spam:{}", pending[2])),
                ("status", "pending"),
            ],
        )
        .await;

    let (_, page) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    assert!(
        page.contains("Pending (0)") && page.contains("Approved (2)") && page.contains("Spam (1)"),
        "{page}"
    );
    let (_, public) = net
        .blog
        .get_text(&net.blog.client(), "/posts/customer-service")
        .await;
    assert!(public.contains("2 replies to"), "{public}");
}

#[tokio::test]
async fn every_comment_shown_in_a_tab_is_moderated_at_once() {
    let (net, admin, post) = setup().await;
    three_replies(&net, &post).await;
    let (_, page) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(page.contains("Apply to all 3 shown"), "{page}");

    let response = net
        .blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("action", "approve"),
                ("status", "pending"),
                ("every", "shown"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert!(ids_in_queue(&net, &admin, "pending").await.is_empty());
    assert_eq!(ids_in_queue(&net, &admin, "approved").await.len(), 3);
}

#[tokio::test]
async fn a_blocked_server_cannot_reply_or_follow_and_its_comments_are_hidden_until_unblocked() {
    let (net, admin, post) = setup().await;
    let spam = &net.peers[1];
    let open_reply = spam.reply("spammer", &post, "<p>Buy things</p>");
    spam.send_activity("spammer", "Create", open_reply, &net.inbox())
        .await;
    let id = ids_in_queue(&net, &admin, "pending").await.remove(0);
    net.blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("row_action", &format!("approve:{id}")),
                ("status", "pending"),
            ],
        )
        .await;
    assert!(
        net.blog
            .get_text(&net.blog.client(), "/posts/customer-service")
            .await
            .1
            .contains("Buy things")
    );

    net.blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("row_action", &format!("block_domain:{id}")),
                ("status", "approved"),
            ],
        )
        .await;

    let page = net
        .blog
        .get_text(&net.blog.client(), "/posts/customer-service")
        .await
        .1;
    assert!(!page.contains("Buy things"), "hidden: {page}");
    let spammer = spam.user("spammer").id;
    let reply = spam.reply("spammer", &post, "<p>More spam</p>");
    let refused = spam
        .post_signed(json!({ "id": format!("{}/a/1", spam.base), "type": "Create", "actor": spammer, "object": reply }), &net.inbox())
        .await;
    assert_eq!(refused, 403);
    let follow = json!({ "id": format!("{}/f/1", spam.base), "type": "Follow", "actor": spammer, "object": net.blog_url("/users/blog") });
    assert_eq!(spam.post_signed(follow, &net.inbox()).await, 403);
    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 0);

    let (_, blocks) = net.blog.get_text(&admin, "/admin/blocks").await;
    assert!(blocks.contains("spam.test"), "{blocks}");
    let block_id = blocks
        .split("/admin/blocks/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("unblock form")
        .to_owned();
    let path = format!("/admin/blocks/{block_id}/delete");
    net.blog.submit(&admin, "/admin/blocks", &path, &[]).await;
    assert!(
        net.blog
            .get_text(&net.blog.client(), "/posts/customer-service")
            .await
            .1
            .contains("Buy things")
    );
}

#[tokio::test]
async fn blocking_an_author_refuses_them_but_not_their_neighbours() {
    let (net, admin, post) = setup().await;
    let peer = &net.peers[0];
    peer.send_activity(
        "alice",
        "Create",
        peer.reply("alice", &post, "<p>Rude</p>"),
        &net.inbox(),
    )
    .await;
    let id = ids_in_queue(&net, &admin, "pending").await.remove(0);

    net.blog
        .submit(
            &admin,
            "/admin/comments",
            "/admin/comments",
            &[
                ("row_action", &format!("block_author:{id}")),
                ("status", "pending"),
            ],
        )
        .await;

    let alice = peer.user("alice").id;
    let from_alice =
        json!({ "id": format!("{alice}#l"), "type": "Like", "actor": alice, "object": post });
    assert_eq!(peer.post_signed(from_alice, &net.inbox()).await, 403);
    peer.send_activity(
        "bob",
        "Create",
        peer.reply("bob", &post, "<p>Polite</p>"),
        &net.inbox(),
    )
    .await;
    let (_, queue) = net.blog.get_text(&admin, "/admin/comments").await;
    assert!(queue.contains("Polite"), "{queue}");
}

#[tokio::test]
async fn the_authors_answer_reaches_the_commenter_signed_and_threaded() {
    let (net, admin, post) = setup().await;
    let peer = &net.peers[0];
    peer.follow("bob", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let note = peer.reply("alice", &post, "<p>When do you open?</p>");
    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;
    let id = ids_in_queue(&net, &admin, "pending").await.remove(0);

    let path = format!("/admin/comments/{id}/reply");
    let response = net
        .blog
        .submit(&admin, &path, &path, &[("body", "At **nine**, every day.")])
        .await;
    assert_eq!(response.status(), 303);

    let creates = peer.wait_for("Create", 1).await;
    let create = &creates[0].activity;
    let answer = &create["object"];
    assert_eq!(answer["type"], "Note");
    assert_eq!(answer["inReplyTo"], note["id"]);
    assert_eq!(answer["attributedTo"], net.blog_url("/users/blog"));
    assert!(
        answer["content"]
            .as_str()
            .expect("content")
            .contains("<strong>nine</strong>")
    );
    let alice = peer.user("alice").id;
    assert!(
        answer["tag"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t["type"] == "Mention" && t["href"] == alice.as_str())
    );
    assert!(answer["cc"].as_array().expect("cc").contains(&json!(alice)));
    // The answer is shown in the thread, under the question, which is now approved.
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/customer-service")
        .await;
    let question = page.find("When do you open?").expect("question shown");
    let reply = page.find("<strong>nine</strong>").expect("answer shown");
    assert!(question < reply);
    assert!(page.contains(r#"<span class="badge">Author</span>"#));
    // Its id can be fetched, as servers do before showing a reply.
    let path = answer["id"]
        .as_str()
        .expect("id")
        .split_once("/comments/")
        .map(|(_, u)| format!("/comments/{u}"))
        .expect("path");
    let (status, _, fetched) = net.get_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["inReplyTo"], note["id"]);
}

#[tokio::test]
async fn visitors_are_sent_to_their_own_server_to_reply() {
    let (net, _admin, _post) = setup().await;
    let peer = &net.peers[0];
    let handle = format!("@alice@{}", peer.base.trim_start_matches("http://"));

    let response = net
        .blog
        .get(
            &net.blog.client(),
            &format!(
                "/posts/customer-service/interact?handle={}",
                url::form_urlencoded::byte_serialize(handle.as_bytes()).collect::<String>()
            ),
        )
        .await;

    assert_eq!(response.status(), 303);
    let target: String =
        url::form_urlencoded::byte_serialize(net.blog_url("/posts/customer-service").as_bytes())
            .collect();
    assert_eq!(
        response.headers()["location"],
        format!("{}/authorize_interaction?uri={target}", peer.base).as_str()
    );

    let response = net
        .blog
        .get(
            &net.blog.client(),
            "/posts/customer-service/interact?handle=nobody",
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("name@server.example")
    );
    let response = net
        .blog
        .get(
            &net.blog.client(),
            "/posts/customer-service/interact?handle=ghost@nowhere.invalid",
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Could not reach nowhere.invalid")
    );
}

#[tokio::test]
async fn a_blocked_domain_covers_its_subdomains_and_nothing_else() {
    use blog::services::blocks;
    let app = crate::helpers::TestApp::spawn().await;
    blocks::add(&app.db, blocks::BlockKind::Domain, "example.org", None)
        .await
        .expect("domain blocked");
    blocks::add(
        &app.db,
        blocks::BlockKind::Actor,
        "https://other.net/users/troll",
        None,
    )
    .await
    .expect("actor blocked");

    for (actor, blocked) in [
        ("https://example.org/users/a", true),
        ("https://social.example.org/users/a", true),
        ("https://SOCIAL.Example.org/users/a", true),
        ("https://notexample.org/users/a", false),
        ("https://example.org.evil/users/a", false),
        ("https://other.net/users/troll", true),
        ("https://other.net/users/friend", false),
        ("not a url", false),
    ] {
        assert_eq!(
            blocks::is_blocked(&app.db, actor).await.expect("checked"),
            blocked,
            "{actor}"
        );
    }
}
