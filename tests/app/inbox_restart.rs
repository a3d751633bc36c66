//! The inbox queue across processes: what a server answered 202 survives
//! its `kill -9`, and several processes sharing a PostgreSQL database apply
//! each activity once.

use std::time::{Duration, Instant};

use blog::entities::{comment, inbound_activity};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use url::Url;

use crate::{
    helpers::TestDb,
    peer::Peer,
    processes::{PUBLIC_URL, admin, open, publish, serve_with, wait_until_up},
};

/// Replies are shown at once; a fetch that failed is tried again soon.
const SETTINGS: [(&str, &str); 2] = [
    ("BLOG_FEDERATION__RETRY_DELAY_MS", "200"),
    ("BLOG_MODERATION__POLICY", "open"),
];

/// A peer on `localhost`, a name the blog's own client resolves.
async fn peer() -> Peer {
    let mut peer = Peer::bind("localhost", &["alice", "bob"]).await;
    peer.start(reqwest::Client::new()).await;
    peer
}

async fn stored(db: &sea_orm::DatabaseConnection) -> u64 {
    comment::Entity::find().count(db).await.expect("count")
}

async fn wait_for_comments(db: &sea_orm::DatabaseConnection, count: u64, within: Duration) {
    let started = Instant::now();
    while stored(db).await < count {
        assert!(
            started.elapsed() < within,
            "only {} of {count} replies were stored",
            stored(db).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Posts `activity` signed for the blog's public host to one process, as a
/// proxy in front of the processes passes it on.
async fn signed_for_the_blog(
    peer: &crate::peer::Peer,
    activity: serde_json::Value,
    inbox: &Url,
) -> u16 {
    let host = PUBLIC_URL.trim_start_matches("http://");
    peer.post_signed_at(
        activity,
        inbox,
        std::time::SystemTime::now(),
        &[("host", host)],
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn activities_answered_202_survive_a_kill_of_the_server() {
    let store = TestDb::new().await;
    let first = serve_with(&store, 2, &SETTINGS);
    wait_until_up(first.port).await;
    let db = open(&store).await;
    publish(&db, admin(&db).await, "Kept").await;
    let peer = peer().await;
    let inbox = Url::parse(&format!("http://127.0.0.1:{}/inbox", first.port)).expect("URL");
    let post = format!("{PUBLIC_URL}/posts/kept");
    let alice = peer.user("alice").id;
    // The notes' server is busy: the blog records them but cannot apply them.
    peer.notes_unavailable(true);
    let mut notes = Vec::new();
    for n in 0..20 {
        let note = peer.reply("alice", &post, &format!("<p>Reply {n}</p>"));
        peer.publish(&note);
        let create = json!({ "id": format!("{alice}/creates/{n}"), "type": "Create", "actor": alice, "object": note["id"] });
        assert_eq!(signed_for_the_blog(&peer, create, &inbox).await, 202);
        notes.push(note["id"].as_str().expect("id").to_owned());
    }
    let started = Instant::now();
    while peer.note_fetches() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "never fetched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stored(&db).await, 0);

    drop(first); // SIGKILL: no chance to finish anything
    peer.notes_unavailable(false);
    let second = serve_with(&store, 2, &SETTINGS);
    wait_until_up(second.port).await;

    wait_for_comments(&db, 20, Duration::from_secs(30)).await;
    for note in &notes {
        let copies = comment::Entity::find()
            .filter(comment::Column::ApId.eq(note.as_str()))
            .count(&db)
            .await
            .expect("count");
        assert_eq!(copies, 1, "{note}");
    }
}

#[tokio::test]
async fn processes_sharing_a_database_apply_each_activity_once() {
    let Some(store) =
        TestDb::postgres("processes_sharing_a_database_apply_each_activity_once").await
    else {
        return;
    };
    let first = serve_with(&store, 5, &SETTINGS);
    let second = serve_with(&store, 5, &SETTINGS);
    wait_until_up(first.port).await;
    wait_until_up(second.port).await;
    let db = open(&store).await;
    publish(&db, admin(&db).await, "Shared").await;
    let peer = peer().await;
    let inboxes = [first.port, second.port]
        .map(|port| Url::parse(&format!("http://127.0.0.1:{port}/inbox")).expect("URL"));
    let post = format!("{PUBLIC_URL}/posts/shared");

    let alice = peer.user("alice").id;
    for n in 0..40 {
        let note = peer.reply("alice", &post, &format!("<p>Reply {n}</p>"));
        let create = json!({ "id": format!("{alice}/creates/{n}"), "type": "Create", "actor": alice, "object": note });
        // Sent to both processes, as a retrying sender might.
        for inbox in &inboxes {
            assert_eq!(signed_for_the_blog(&peer, create.clone(), inbox).await, 202);
        }
    }

    wait_for_comments(&db, 40, Duration::from_secs(30)).await;
    // Every recorded activity applied: a copy would have been by now.
    crate::helpers::settled(&db).await;
    assert_eq!(stored(&db).await, 40, "each reply once");
    let records = inbound_activity::Entity::find()
        .count(&db)
        .await
        .expect("count");
    assert_eq!(records, 40, "each activity recorded once");
}
