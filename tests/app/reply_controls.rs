//! Who may reply to a post: anyone, the blog's followers and the accounts
//! mentioned in the conversation, or nobody. The setting is advertised as
//! `interactionPolicy.canReply`; replies it does not allow are kept as
//! rejected for the admin and never shown.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use blog::entities::comment::{self, CommentStatus};

use crate::fediverse::Fediverse;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A blog that shows replies at once, with one post published with
/// `replies` set as given; the post's id.
async fn post_with(replies: &str) -> (Fediverse, reqwest::Client, String) {
    let net = Fediverse::start_with(&[("peer.test", &["alice", "bob"])], &[], |c| {
        c.moderation.policy = blog::config::ModerationPolicy::Open;
    })
    .await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(
            &admin,
            &[
                ("title", "Opening hours"),
                ("body", "We open at nine."),
                ("replies", replies),
            ],
            "publish",
        )
        .await;
    let post = net.blog_url("/posts/opening-hours");
    (net, admin, post)
}

/// What became of the reply stored under `ap_id`.
async fn status_of(net: &Fediverse, ap_id: &Value) -> CommentStatus {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id.as_str().expect("an id")))
        .one(&net.blog.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("{ap_id} was not kept"))
        .status
}

async fn can_reply(net: &Fediverse) -> Value {
    let (status, _, article) = net.get_json("/posts/opening-hours").await;
    assert_eq!(status, 200);
    article["interactionPolicy"]["canReply"]["automaticApproval"].clone()
}

#[tokio::test]
async fn a_closed_post_refuses_replies_keeps_them_for_the_admin_and_says_so() {
    let (net, admin, post) = post_with("closed").await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Are you open on Sunday?</p>");

    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;

    assert_eq!(status_of(&net, &note["id"]).await, CommentStatus::Rejected);
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/opening-hours")
        .await;
    assert!(page.contains("Comments are closed."), "{page}");
    assert!(!page.contains("Are you open on Sunday?"), "{page}");
    assert!(!page.contains("action=\"/posts/opening-hours/interact\""));
    let (_, rejected) = net
        .blog
        .get_text(&admin, "/admin/comments?status=rejected")
        .await;
    assert!(rejected.contains("Are you open on Sunday?"), "{rejected}");
    assert_eq!(can_reply(&net).await, json!([net.blog_url("/users/blog")]));
}

#[tokio::test]
async fn a_followers_only_post_takes_replies_from_followers_and_those_they_mention() {
    let (net, _admin, post) = post_with("followers").await;
    let peer = &net.peers[0];
    peer.follow("bob", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let stranger = peer.reply("alice", &post, "<p>Me too?</p>");
    let follower = peer.reply("bob", &post, "<p>What do you think, alice?</p>");
    let mut follower = follower;
    follower["tag"] =
        json!([{ "type": "Mention", "href": peer.user("alice").id, "name": "@alice" }]);
    let invited = peer.reply(
        "alice",
        follower["id"].as_str().expect("id"),
        "<p>Nine is fine.</p>",
    );

    for (user, note) in [
        ("alice", &stranger),
        ("bob", &follower),
        ("alice", &invited),
    ] {
        peer.send_activity(user, "Create", note.clone(), &net.inbox())
            .await;
    }

    assert_eq!(
        status_of(&net, &stranger["id"]).await,
        CommentStatus::Rejected
    );
    assert_eq!(
        status_of(&net, &follower["id"]).await,
        CommentStatus::Approved
    );
    assert_eq!(
        status_of(&net, &invited["id"]).await,
        CommentStatus::Approved,
        "mentioned in the reply she answers"
    );
    assert_eq!(
        can_reply(&net).await,
        json!([
            net.blog_url("/users/blog/followers"),
            net.blog_url("/users/blog")
        ])
    );
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/opening-hours")
        .await;
    assert!(page.contains("Only followers of this blog"), "{page}");
    assert!(!page.contains("Me too?"));
}

#[tokio::test]
async fn posts_take_replies_from_anyone_unless_the_author_says_otherwise() {
    let (net, admin, post) = post_with("anyone").await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Hello!</p>");
    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;

    assert_eq!(status_of(&net, &note["id"]).await, CommentStatus::Approved);
    let anyone = can_reply(&net).await;
    assert_eq!(anyone, json!([PUBLIC, net.blog_url("/users/blog")]));
    let (_, editor) = net.blog.get_text(&admin, "/admin/posts/1/edit").await;
    assert!(
        editor.contains("<option value=\"anyone\" selected>"),
        "{editor}"
    );
}
