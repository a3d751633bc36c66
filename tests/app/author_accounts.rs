//! Authors as accounts of their own: found by WebFinger, followed on their
//! own, and sending their posts, which the blog boosts.

use serde_json::json;

use crate::fediverse::Fediverse;

#[tokio::test]
async fn an_authors_account_is_found_followed_and_delivered_to_with_the_blogs_announce() {
    let net = Fediverse::start(&[("peer.test", &["reader", "fan"])]).await;
    let peer = &net.peers[0];
    let otto = net.blog.logged_in("otto", false).await;
    net.blog.set_own_account(&otto, true).await;
    let port = net.blog.config.listen.port();
    let otto_id = net.blog_url("/users/otto");
    let handle = format!("otto@blog.test:{port}");

    let found = peer.webfinger(&handle).await;
    assert_eq!(found.as_str(), otto_id);
    let (status, _, actor) = net.get_json("/users/otto").await;
    assert_eq!(status, 200);
    assert_eq!(actor["preferredUsername"], "otto");
    assert_eq!(actor["inbox"], format!("{otto_id}/inbox"));
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .expect("a key")
            .contains("PUBLIC KEY")
    );

    peer.follow("fan", &handle).await;
    let accepts = peer.wait_for("Accept", 1).await;
    assert_eq!(
        accepts[0].activity["actor"],
        otto_id.as_str(),
        "otto accepts, signed as otto"
    );
    peer.follow("reader", &net.handle()).await;
    peer.wait_for("Accept", 2).await;
    let (_, _, followers) = net.get_json("/users/otto/followers").await;
    assert_eq!(followers["totalItems"], 1);
    assert_eq!(
        net.get_json("/users/blog/followers").await.2["totalItems"],
        1
    );

    net.blog
        .write_post(
            &otto,
            &[("title", "Night shift"), ("body", "Open late on Fridays.")],
            "publish",
        )
        .await;

    let creates = peer.wait_for("Create", 1).await;
    let create = &creates[0].activity;
    assert_eq!(create["actor"], otto_id.as_str());
    assert_eq!(create["object"]["attributedTo"], otto_id.as_str());
    let cc = create["object"]["cc"].as_array().expect("cc");
    assert!(cc.contains(&json!(net.blog_url("/users/blog/followers"))));
    assert!(cc.contains(&json!(format!("{otto_id}/followers"))));
    let announces = peer.wait_for("Announce", 1).await;
    let announce = &announces[0].activity;
    let post = net.blog_url("/posts/night-shift");
    assert_eq!(announce["actor"], net.blog_url("/users/blog"));
    assert_eq!(announce["object"], post.as_str());
    let (_, _, article) = net.get_json("/posts/night-shift").await;
    assert_eq!(article["attributedTo"], otto_id.as_str());

    let (status, page) = net.blog.get_text(&net.blog.client(), "/authors/otto").await;
    assert_eq!(status, 200);
    assert!(page.contains("Night shift"));
    assert!(page.contains(&format!("@{handle}")));
    let to_page = net.blog.get(&net.blog.client(), "/users/otto").await;
    assert_eq!(to_page.status(), 303);
    assert_eq!(crate::helpers::location(&to_page), "/authors/otto");
    let (status, feed) = net
        .blog
        .get_text(&net.blog.client(), "/authors/otto/feed.atom")
        .await;
    assert_eq!(status, 200);
    assert!(feed.contains("<title>Night shift</title>"), "{feed}");
}

#[tokio::test]
async fn an_author_without_an_account_is_not_found_and_their_posts_stay_the_blogs() {
    let net = Fediverse::start(&[("peer.test", &["reader"])]).await;
    let otto = net.blog.logged_in("otto", false).await;
    net.blog
        .write_post(
            &otto,
            &[("title", "Quiet"), ("body", "Nothing.")],
            "publish",
        )
        .await;

    let port = net.blog.config.listen.port();
    let finger = net
        .blog
        .get(
            &net.blog.client(),
            &format!("/.well-known/webfinger?resource=acct:otto@blog.test:{port}"),
        )
        .await;
    assert_eq!(finger.status(), 404);
    assert_eq!(net.get_json("/users/otto").await.0, 404);
    let (_, _, article) = net.get_json("/posts/quiet").await;
    assert_eq!(article["attributedTo"], net.blog_url("/users/blog"));
    let (status, _) = net.blog.get_text(&net.blog.client(), "/authors/otto").await;
    assert_eq!(status, 404);
}
