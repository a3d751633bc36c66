//! The inbox records what it verified, answers 202 and applies it after:
//! each activity once however often it arrives, in the order its sender
//! meant, again later when a remote server is busy, and nothing at all of a
//! request that fails its checks.

use std::time::{Duration, Instant};

use blog::{
    entities::{comment, inbound_activity},
    services::inbound,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::fediverse::Fediverse;

/// A blog that shows replies at once, with one published post.
async fn with_post() -> (Fediverse, String) {
    let (net, _) =
        Fediverse::with_open_post(&[("peer.test", &["alice", "bob"])], "Letters", |_| {}).await;
    let post = net.blog_url("/posts/letters");
    (net, post)
}

pub(crate) async fn comments_with(net: &Fediverse, ap_id: &str) -> u64 {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id))
        .count(&net.blog.db)
        .await
        .expect("count")
}

pub(crate) async fn recorded(net: &Fediverse) -> u64 {
    inbound_activity::Entity::find()
        .count(&net.blog.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn an_activity_is_applied_once_however_often_it_arrives() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let note = peer.reply("alice", &post, "<p>Said once, heard often</p>");
    let create = json!({
        "id": format!("{alice}/activities/once"),
        "type": "Create",
        "actor": alice,
        "object": note,
    });

    for _ in 0..3 {
        assert_eq!(peer.post_signed(create.clone(), &net.inbox()).await, 202);
    }
    let inbox = net.inbox();
    let at_once: Vec<_> = (0..5)
        .map(|_| peer.post_signed(create.clone(), &inbox))
        .collect();
    for status in futures_util::future::join_all(at_once).await {
        assert_eq!(status, 202);
    }
    // The same note in another activity is the same reply.
    let mut again = create.clone();
    again["id"] = json!(format!("{alice}/activities/again"));
    assert_eq!(peer.post_signed(again, &net.inbox()).await, 202);

    assert_eq!(
        comments_with(&net, note["id"].as_str().expect("id")).await,
        1
    );
    assert_eq!(recorded(&net).await, 2, "one record per activity id");
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/letters")
        .await;
    assert_eq!(page.matches("Said once, heard often").count(), 1);
    assert!(page.contains("1 reply to"));
}

#[tokio::test]
async fn deliveries_that_cross_are_applied_as_their_sender_meant() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let note = peer.reply("alice", &post, "<p>Regretted at once</p>");
    let like_id = format!("{alice}/likes/1");

    // The Delete and the Undo overtake what they take back.
    let delete = json!({ "id": format!("{alice}/activities/delete"), "type": "Delete", "actor": alice, "object": { "id": note["id"], "type": "Tombstone" } });
    let undo = json!({ "id": format!("{alice}/activities/undo"), "type": "Undo", "actor": alice, "object": { "id": like_id, "type": "Like", "actor": alice, "object": post } });
    assert_eq!(peer.post_signed(delete, &net.inbox()).await, 202);
    assert_eq!(peer.post_signed(undo, &net.inbox()).await, 202);
    let create = json!({ "id": format!("{alice}/activities/create"), "type": "Create", "actor": alice, "object": note });
    let like = json!({ "id": like_id, "type": "Like", "actor": alice, "object": post });
    assert_eq!(peer.post_signed(create, &net.inbox()).await, 202);
    assert_eq!(peer.post_signed(like, &net.inbox()).await, 202);

    assert_eq!(
        comments_with(&net, note["id"].as_str().expect("id")).await,
        0
    );
    let (_, _, article) = net.get_json("/posts/letters").await;
    assert_eq!(article["likes"]["totalItems"], 0);
    // Another account's like is not affected.
    peer.send_activity("bob", "Like", json!(post), &net.inbox())
        .await;
    let (_, _, article) = net.get_json("/posts/letters").await;
    assert_eq!(article["likes"]["totalItems"], 1);
}

#[tokio::test]
async fn a_reply_whose_note_its_server_cannot_serve_yet_is_fetched_again_later() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Fetched in the end</p>");
    peer.publish(&note);
    peer.notes_unavailable(true);

    // Announced by its id only: the blog fetches the note.
    peer.send_activity("alice", "Create", note["id"].clone(), &net.inbox())
        .await;
    let started = Instant::now();
    while peer.note_fetches() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not tried again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        comments_with(&net, note["id"].as_str().expect("id")).await,
        0
    );
    peer.notes_unavailable(false);

    let started = Instant::now();
    while comments_with(&net, note["id"].as_str().expect("id")).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the reply was never stored"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/letters")
        .await;
    assert!(page.contains("Fetched in the end"), "{page}");
}

#[tokio::test]
async fn a_request_that_fails_its_checks_leaves_no_trace() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let note = peer.reply("alice", &post, "<p>The genuine words</p>");
    let id = format!("{alice}/activities/contested");
    let genuine = json!({ "id": id, "type": "Create", "actor": alice, "object": note });

    // Unsigned, then with a body that does not match its signed digest.
    let unsigned = reqwest::Client::new()
        .post(net.blog.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(genuine.to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(unsigned.status(), 401);
    let tampered = peer
        .post_signed_at(
            genuine.clone(),
            &net.inbox(),
            std::time::SystemTime::now(),
            &[(
                "digest",
                "SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )],
        )
        .await;
    assert_eq!(tampered.status(), 401);
    assert_eq!(recorded(&net).await, 0);

    assert_eq!(peer.post_signed(genuine, &net.inbox()).await, 202);

    assert_eq!(
        comments_with(&net, note["id"].as_str().expect("id")).await,
        1
    );
    assert_eq!(inbound::waiting(&net.blog.db).await.expect("waiting"), 0);
}
