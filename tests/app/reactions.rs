use serde_json::json;

use crate::fediverse::Fediverse;

async fn with_post() -> (Fediverse, String) {
    let net = Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Liked"), ("body", "x")], "publish")
        .await;
    let post = net.blog_url("/posts/liked");
    (net, post)
}

async fn counts(net: &Fediverse) -> (serde_json::Value, serde_json::Value, String) {
    let (_, _, article) = net.get_json("/posts/liked").await;
    let (_, page) = net.blog.get_text(&net.blog.client(), "/posts/liked").await;
    (
        article["likes"]["totalItems"].clone(),
        article["shares"]["totalItems"].clone(),
        page,
    )
}

#[tokio::test]
async fn likes_and_boosts_are_counted_once_per_actor_and_undone() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];

    let like = peer
        .send_activity("alice", "Like", json!(post), &net.inbox())
        .await;
    peer.send_activity("alice", "Like", json!(post), &net.inbox())
        .await;
    peer.send_activity("bob", "Like", json!(post), &net.inbox())
        .await;
    let boost = peer
        .send_activity("alice", "Announce", json!(post), &net.inbox())
        .await;

    let (likes, shares, page) = counts(&net).await;
    assert_eq!((likes, shares), (json!(2), json!(1)));
    assert!(
        page.contains("2 likes") && page.contains("1 boost"),
        "{page}"
    );

    let alice = peer.user("alice").id;
    peer.send_activity(
        "alice",
        "Undo",
        json!({ "id": like, "type": "Like", "actor": alice, "object": post }),
        &net.inbox(),
    )
    .await;
    peer.send_activity(
        "alice",
        "Undo",
        json!({ "id": boost, "type": "Announce", "actor": alice, "object": post }),
        &net.inbox(),
    )
    .await;

    let (likes, shares, page) = counts(&net).await;
    assert_eq!((likes, shares), (json!(1), json!(0)));
    assert!(page.contains("1 like"), "{page}");
    assert!(
        !page.contains("boost"),
        "nothing to count is not shown: {page}"
    );
}

#[tokio::test]
async fn a_post_nobody_reacted_to_shows_no_counts() {
    let (net, _) = with_post().await;

    let (_, _, page) = counts(&net).await;

    assert!(
        !page.contains("0 likes") && !page.contains("0 boosts"),
        "{page}"
    );
    assert!(!page.contains(r#"class="reactions meta""#), "{page}");
}

#[tokio::test]
async fn misskey_reactions_and_pleroma_emoji_reacts_count_as_likes() {
    let (net, post) = with_post().await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let bob = peer.user("bob").id;

    peer.send(
        "alice",
        json!({ "id": format!("{alice}#react"), "type": "Like", "actor": alice, "object": post, "_misskey_reaction": "🍮", "content": "🍮" }),
        &net.inbox(),
    )
    .await;
    let react_id = format!("{bob}#emoji");
    peer.send("bob", json!({ "id": react_id, "type": "EmojiReact", "actor": bob, "object": post, "content": "👌" }), &net.inbox()).await;

    assert_eq!(counts(&net).await.0, json!(2));

    peer.send(
        "bob",
        json!({ "id": format!("{react_id}/undo"), "type": "Undo", "actor": bob, "object": { "id": react_id, "type": "EmojiReact", "actor": bob, "object": post } }),
        &net.inbox(),
    )
    .await;
    assert_eq!(counts(&net).await.0, json!(1));
}

#[tokio::test]
async fn reactions_to_other_things_are_acknowledged_and_ignored() {
    let (net, _post) = with_post().await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;

    let status = peer
        .post_signed(
            json!({ "id": format!("{alice}#like-elsewhere"), "type": "Like", "actor": alice, "object": "https://elsewhere.example/notes/9" }),
            &net.inbox(),
        )
        .await;

    assert_eq!(status, 202);
    assert_eq!(counts(&net).await.0, json!(0));
}
