//! Moving: the blog's aliases and its move to another account, and a
//! follower's move to a new account.

use serde_json::json;

use crate::fediverse::Fediverse;

async fn identity_form(
    net: &Fediverse,
    admin: &reqwest::Client,
    action: &str,
    field: (&str, &str),
) -> reqwest::Response {
    net.blog
        .submit(admin, "/admin/fediverse", action, &[field])
        .await
}

#[tokio::test]
async fn the_blog_moves_to_an_account_that_names_it_and_every_follower_is_told() {
    let net = Fediverse::start(&[("peer.test", &["alice", "newhome", "oldhome"])]).await;
    let peer = &net.peers[0];
    peer.follow("alice", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let admin = net.blog.logged_in_admin().await;
    let host = peer.base.trim_start_matches("http://");
    let blog_actor = net.blog_url("/users/blog");

    let saved = identity_form(
        &net,
        &admin,
        "/admin/fediverse/aliases",
        ("aliases", &format!("@oldhome@{host}\n")),
    )
    .await;
    assert_eq!(saved.status(), 303);
    let (_, _, actor) = net.get_json("/users/blog").await;
    assert_eq!(
        actor["alsoKnownAs"],
        json!([peer.user("oldhome").id.to_string()])
    );

    let refused = identity_form(
        &net,
        &admin,
        "/admin/fediverse/move",
        ("target", &format!("newhome@{host}")),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("body");
    assert!(page.contains("does not list this blog"), "{page}");
    assert!(peer.received().iter().all(|r| r.activity["type"] != "Move"));
    assert!(net.get_json("/users/blog").await.2.get("movedTo").is_none());

    peer.set_actor_fields("newhome", json!({ "alsoKnownAs": [blog_actor] }));
    let moved = identity_form(
        &net,
        &admin,
        "/admin/fediverse/move",
        ("target", &format!("newhome@{host}")),
    )
    .await;
    assert_eq!(moved.status(), 303);

    let sent = peer.wait_for("Move", 1).await;
    let activity = &sent[0].activity;
    let newhome = peer.user("newhome").id.to_string();
    assert_eq!(activity["actor"], blog_actor.as_str());
    assert_eq!(activity["object"], blog_actor.as_str());
    assert_eq!(activity["target"], newhome.as_str());
    let (_, _, actor) = net.get_json("/users/blog").await;
    assert_eq!(actor["movedTo"], newhome.as_str());
    let (_, home) = net.blog.get_text(&net.blog.client(), "/").await;
    assert!(home.contains("This blog has moved to"), "{home}");
    assert!(home.contains(&format!("@newhome@{host}")));
    let (_, fediverse) = net.blog.get_text(&admin, "/admin/fediverse").await;
    assert!(fediverse.contains(r#"id="moved""#));
    let title = fediverse
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title)
        .expect("a title");
    assert_eq!(title, "Fediverse · The Reading Room");
    assert!(
        !fediverse.contains("Move the blog</button>"),
        "one move only"
    );
}

#[tokio::test]
async fn a_followers_move_to_an_account_that_names_them_replaces_them() {
    let (net, _admin) = Fediverse::with_open_post(
        &[("peer.test", &["alice", "alice2", "mallory"])],
        "Opening hours",
        |_| {},
    )
    .await;
    let peer = &net.peers[0];
    peer.follow("alice", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let note = peer.reply(
        "alice",
        &net.blog_url("/posts/opening-hours"),
        "<p>Lovely.</p>",
    );
    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;
    let alice = peer.user("alice").id.to_string();
    let move_to = |target: String| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{alice}#moves/{}", uuid::Uuid::new_v4()),
            "type": "Move",
            "actor": alice,
            "object": alice,
            "target": target,
        })
    };
    let followers = || async {
        blog::services::followers::list(&net.blog.db)
            .await
            .expect("followers")
            .into_iter()
            .map(|f| f.ap_id)
            .collect::<Vec<_>>()
    };

    // mallory does not name alice: the move is refused and changes nothing.
    peer.send(
        "alice",
        move_to(peer.user("mallory").id.to_string()),
        &net.inbox(),
    )
    .await;
    assert_eq!(followers().await, std::slice::from_ref(&alice));

    peer.set_actor_fields("alice2", json!({ "alsoKnownAs": [alice] }));
    peer.send(
        "alice",
        move_to(peer.user("alice2").id.to_string()),
        &net.inbox(),
    )
    .await;

    assert_eq!(followers().await, [peer.user("alice2").id.to_string()]);
    let reply = blog::entities::comment::Entity::find_by_ap_id(note["id"].as_str().expect("id"))
        .find_also_related(blog::entities::actor::Entity)
        .one(&net.blog.db)
        .await
        .expect("lookup")
        .expect("the reply");
    assert_eq!(
        reply.1.expect("its author").ap_id,
        alice,
        "the reply keeps its author"
    );
}
