//! Finding the replies the blog was not sent, by walking the `replies`
//! collections of the replies it holds on the servers that host them:
//! public ones are stored, marked as found; followers-only ones are not;
//! the walk keeps to its bounds and never asks a local or private address.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use blog::entities::{
    backfill_job,
    comment::{self, Arrival},
};

use crate::{fediverse::Fediverse, peer::Peer};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A blog that shows replies at once, walking `items` items of a
/// collection and `depth` replies deep, with one post; its URL.
async fn blog(items: u32, depth: u32) -> (Fediverse, reqwest::Client, String) {
    blog_with(|c| {
        c.federation.backfill_items = items;
        c.federation.backfill_depth = depth;
    })
    .await
}

async fn blog_with(
    change: impl FnOnce(&mut blog::config::Config),
) -> (Fediverse, reqwest::Client, String) {
    let (net, admin) =
        Fediverse::with_open_post(&[("peer.test", &["alice", "bob"])], "Hours", change).await;
    let post = net.blog_url("/posts/hours");
    (net, admin, post)
}

/// A note by `user` answering `to`, public or for followers only, whose
/// `replies` collection (served by the peer) lists `answers`; served at
/// its id.
fn note(peer: &Peer, user: &str, to: &str, public: bool, answers: &[&Value]) -> Value {
    let author = peer.user(user).id.to_string();
    let replies = json!({
        "id": peer.note_id(),
        "type": "OrderedCollection",
        "first": {
            "type": "OrderedCollectionPage",
            "orderedItems": answers.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
        },
    });
    peer.publish(&replies);
    let audience = if public {
        json!([PUBLIC])
    } else {
        json!([format!("{author}/followers")])
    };
    let note = json!({
        "id": peer.note_id(),
        "type": "Note",
        "attributedTo": author,
        "inReplyTo": to,
        "content": format!("<p>{user} answers.</p>"),
        "published": "2026-11-20T10:00:00Z",
        "to": audience,
        "replies": replies["id"],
    });
    peer.publish(&note);
    note
}

/// Re-publishes `note` with its `replies` collection listing `answers`.
fn answered_by(peer: &Peer, note: &mut Value, answers: &[&Value]) {
    let replies = json!({
        "id": note["replies"],
        "type": "OrderedCollection",
        "first": {
            "type": "OrderedCollectionPage",
            "orderedItems": answers.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
        },
    });
    peer.publish(&replies);
    peer.publish(note);
}

async fn stored(net: &Fediverse, note: &Value) -> Option<comment::Model> {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(note["id"].as_str().expect("id")))
        .one(&net.blog.db)
        .await
        .expect("query")
}

/// Waits until nothing is left to walk (the positive signal that every
/// collection was read) and `note` is stored.
async fn walked_until(net: &Fediverse, note: &Value) {
    let started = std::time::Instant::now();
    loop {
        let queued = backfill_job::Entity::find()
            .filter(backfill_job::Column::Attempts.lt(5))
            .all(&net.blog.db)
            .await
            .expect("queue");
        if queued.is_empty() && stored(net, note).await.is_some() {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the walk did not end: {queued:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn public_replies_never_sent_to_the_blog_are_found_and_followers_only_ones_are_not() {
    let (net, admin, post) = blog(200, 3).await;
    let peer = &net.peers[0];
    let mut first = note(peer, "alice", &post, true, &[]);
    let first_id = first["id"].as_str().expect("id").to_owned();
    let mut hidden_answer = note(peer, "bob", &first_id, true, &[]);
    let private = note(peer, "bob", &first_id, false, &[]);
    let deeper = note(
        peer,
        "alice",
        hidden_answer["id"].as_str().expect("id"),
        true,
        &[],
    );
    answered_by(peer, &mut hidden_answer, &[&deeper]);
    answered_by(peer, &mut first, &[&private, &hidden_answer]);

    peer.send_activity("alice", "Create", first.clone(), &net.inbox())
        .await;
    walked_until(&net, &deeper).await;

    let received = stored(&net, &first).await.expect("the reply sent");
    let found = stored(&net, &hidden_answer).await.expect("found");
    let found_deeper = stored(&net, &deeper).await.expect("found two deep");
    assert_eq!(received.arrival, Arrival::Inbox);
    assert_eq!(found.arrival, Arrival::Found);
    assert_eq!(
        found.parent_id,
        Some(received.id),
        "threaded where it belongs"
    );
    assert_eq!(found_deeper.parent_id, Some(found.id));
    assert!(
        stored(&net, &private).await.is_none(),
        "a followers-only reply is never taken"
    );
    let (_, page) = net.blog.get_text(&net.blog.client(), "/posts/hours").await;
    assert!(page.contains("bob answers."), "{page}");
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    assert_eq!(
        queue.matches(">found in the conversation</span>").count(),
        2,
        "the admin sees how each reply arrived: {queue}"
    );
}

#[tokio::test]
async fn a_walk_keeps_to_its_item_and_depth_bounds() {
    let (net, _admin, post) = blog(2, 1).await;
    let peer = &net.peers[0];
    let mut first = note(peer, "alice", &post, true, &[]);
    let first_id = first["id"].as_str().expect("id").to_owned();
    let mut answers: Vec<Value> = (0..4)
        .map(|_| note(peer, "bob", &first_id, true, &[]))
        .collect();
    let too_deep = note(
        peer,
        "alice",
        answers[0]["id"].as_str().expect("id"),
        true,
        &[],
    );
    answered_by(peer, &mut answers[0], &[&too_deep]);
    let listed: Vec<&Value> = answers.iter().collect();
    answered_by(peer, &mut first, &listed);

    peer.send_activity("alice", "Create", first.clone(), &net.inbox())
        .await;
    walked_until(&net, &answers[1]).await;

    let mut taken = 0;
    for answer in &answers {
        if stored(&net, answer).await.is_some() {
            taken += 1;
        }
    }
    assert_eq!(taken, 2, "two items of the collection at most");
    assert!(
        stored(&net, &too_deep).await.is_none(),
        "one reply deep at most"
    );
    let queued = backfill_job::Entity::find()
        .all(&net.blog.db)
        .await
        .expect("queue");
    assert!(queued.is_empty(), "{queued:?}");
}

#[tokio::test]
async fn collections_on_local_or_private_addresses_are_never_asked() {
    let app = crate::helpers::TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Hours"), ("body", "x")], "publish")
        .await;
    let urls = [
        "https://localhost/replies",
        "https://10.0.0.7/replies",
        "http://social.example/replies",
    ];
    blog::services::backfill::enqueue(
        &app.db,
        1,
        1,
        urls.iter()
            .map(|u| blog::domain::HttpUrl::parse(u).expect("URL")),
    )
    .await
    .expect("queued");

    let started = std::time::Instant::now();
    let refused = loop {
        let rows = backfill_job::Entity::find()
            .all(&app.db)
            .await
            .expect("queue");
        if rows.len() == urls.len() && rows.iter().all(|r| r.last_error.is_some()) {
            break rows;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    for row in refused {
        let error = row.last_error.expect("why");
        assert!(error.starts_with("refusing "), "{error}");
        assert_eq!(row.attempts, 5, "given up at once: {error}");
    }
}

#[tokio::test]
async fn a_collection_that_could_not_be_read_is_walked_after_a_restart() {
    // Failed walks wait long enough that the restart comes first.
    let (mut net, _admin, post) = blog_with(|c| c.federation.retry_delay_ms = 1500).await;
    let peer = &net.peers[0];
    let mut first = note(peer, "alice", &post, true, &[]);
    let first_id = first["id"].as_str().expect("id").to_owned();
    let answer = note(peer, "bob", &first_id, true, &[]);
    answered_by(peer, &mut first, &[&answer]);
    peer.notes_unavailable(true);
    peer.send_activity("alice", "Create", first.clone(), &net.inbox())
        .await;
    // The walk was tried, and failed: the collection waits in the queue.
    let started = std::time::Instant::now();
    loop {
        let failed = backfill_job::Entity::find()
            .filter(backfill_job::Column::LastError.is_not_null())
            .one(&net.blog.db)
            .await
            .expect("queue");
        if failed.is_some() {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    net.blog = net.blog.restart().await;
    net.peers[0].notes_unavailable(false);

    walked_until(&net, &answer).await;
    let found = stored(&net, &answer)
        .await
        .expect("found after the restart");
    assert_eq!(found.arrival, Arrival::Found);
}

#[tokio::test]
async fn the_periodic_walk_queues_the_collections_of_replies_to_recent_posts_only() {
    use blog::{
        domain::HttpUrl,
        services::comments::{IncomingReply, Received},
    };
    let app =
        crate::helpers::TestApp::spawn_with(|c| c.federation.backfill_every_minutes = 0).await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Recent"), ("body", "x")], "publish")
        .await;
    app.write_post(
        &admin,
        &[
            ("title", "Old"),
            ("body", "x"),
            ("publish_at", "2020-01-01T10:00"),
        ],
        "publish",
    )
    .await;
    let reader = app.reader().await;
    for slug in ["recent", "old"] {
        let reply = IncomingReply {
            replies_url: HttpUrl::parse_opt(&format!(
                "https://social.example/notes/{slug}/replies"
            )),
            context_url: HttpUrl::parse_opt(&format!("https://social.example/contexts/{slug}")),
            ..crate::helpers::reply_to_post(
                &format!("https://social.example/notes/{slug}"),
                slug,
                "<p>Hello</p>",
            )
        };
        let policy = blog::config::ModerationConfig {
            policy: blog::config::ModerationPolicy::Open,
            keywords: vec![],
        };
        let stored = blog::services::comments::receive(&app.db, &reader, reply, &policy)
            .await
            .expect("stored");
        assert!(matches!(stored, Received::Stored(_)), "{stored:?}");
    }

    let since = chrono::Utc::now() - chrono::Duration::days(14);
    let count = blog::services::backfill::sweep(&app.db, since)
        .await
        .expect("swept");

    assert_eq!(count, 1, "the reply to the recent post only");
    let mut queued: Vec<String> = backfill_job::Entity::find()
        .all(&app.db)
        .await
        .expect("queue")
        .into_iter()
        .map(|job| job.url)
        .collect();
    queued.sort();
    assert_eq!(
        queued,
        [
            "https://social.example/contexts/recent",
            "https://social.example/notes/recent/replies"
        ]
    );
}
