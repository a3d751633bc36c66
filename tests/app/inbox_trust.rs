//! What the inbox believes, and when: an activity's id counts as received
//! only once it was verified, so a forged copy cannot shadow the real one;
//! a server's allowance is charged only for requests it signed; the
//! signature must cover the request and name this blog as its host; and
//! an object without an author is taken only from its own server.

use std::time::Duration;

use blog::{entities::inbound_activity, services::inbound};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::{
    fediverse::Fediverse,
    inbox_queue::{comments_with, recorded},
};

const ALL_SIGNED: &[&str] = &["(request-target)", "host", "date", "digest"];

/// A blog that shows replies at once, with one published post.
async fn with_post(
    peers: &[(&str, &[&str])],
    change: impl FnOnce(&mut blog::config::Config),
) -> (Fediverse, String) {
    let (net, _) = Fediverse::with_open_post(peers, "Letters", change).await;
    let post = net.blog_url("/posts/letters");
    (net, post)
}

/// `activity` as an attacker sends it: the right digest and date, a
/// signature that cannot verify, from `address` (behind a trusted proxy).
pub(crate) async fn forged(
    net: &Fediverse,
    activity: &serde_json::Value,
    address: &str,
    give_up_after: Option<Duration>,
) -> Option<u16> {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let body = activity.to_string();
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
    let actor = activity["actor"].as_str().expect("actor");
    let mut client = reqwest::Client::builder();
    if let Some(limit) = give_up_after {
        client = client.timeout(limit);
    }
    client
        .build()
        .expect("client")
        .post(net.blog.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header("x-forwarded-for", address)
        .header("date", httpdate::fmt_http_date(std::time::SystemTime::now()))
        .header("digest", format!("SHA-256={digest}"))
        .header(
            "signature",
            format!(
                r#"keyId="{actor}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA""#
            ),
        )
        .body(body)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

#[tokio::test]
async fn a_forged_copy_cut_off_mid_check_does_not_shadow_the_genuine_activity() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |_| {}).await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let note = peer.reply("alice", &post, "<p>My real words</p>");
    // The id a real server will use, guessed by an attacker.
    let genuine = json!({ "id": format!("{alice}/activities/predictable"), "type": "Create", "actor": alice, "object": note });

    // The blog has to fetch alice to check the signature; the attacker
    // hangs up while it does.
    peer.slow_actors(Duration::from_secs(2));
    let cut = forged(
        &net,
        &genuine,
        "203.0.113.5",
        Some(Duration::from_millis(300)),
    )
    .await;
    assert_eq!(cut, None, "the attacker hung up before an answer");
    peer.slow_actors(Duration::ZERO);

    assert_eq!(peer.post_signed(genuine.clone(), &net.inbox()).await, 202);

    let id = note["id"].as_str().expect("id");
    assert_eq!(
        comments_with(&net, id).await,
        1,
        "the genuine reply is stored"
    );
    assert_eq!(
        recorded(&net).await,
        1,
        "only the genuine activity is recorded"
    );
}

#[tokio::test]
async fn ids_and_actors_longer_than_2_kib_are_refused() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |_| {}).await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let note = peer.reply("alice", &post, "<p>Long</p>");
    let long = json!({ "id": format!("{alice}/activities/{}", "x".repeat(2100)), "type": "Create", "actor": alice, "object": note });

    let status = peer.post_signed(long, &net.inbox()).await;

    assert_eq!(status, 400);
    assert_eq!(recorded(&net).await, 0);
}

#[tokio::test]
async fn received_ids_are_forgotten_after_the_configured_window() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |c| {
        c.federation.remember_activities_days = 3;
    })
    .await;
    let peer = &net.peers[0];
    let old = peer.reply("alice", &post, "<p>Old</p>");
    let recent = peer.reply("alice", &post, "<p>Recent</p>");
    let old_id = peer
        .send_activity("alice", "Create", old, &net.inbox())
        .await;
    peer.send_activity("alice", "Create", recent, &net.inbox())
        .await;
    assert_eq!(recorded(&net).await, 2);
    inbound_activity::Entity::update_many()
        .col_expr(
            inbound_activity::Column::ReceivedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - chrono::Duration::days(4)),
        )
        .filter(inbound_activity::Column::ApId.eq(&old_id))
        .exec(&net.blog.db)
        .await
        .expect("age the record");

    // The inbox worker prunes when it starts, then hourly.
    let blog = net.blog.restart().await;

    let started = std::time::Instant::now();
    loop {
        let left: Vec<String> = inbound_activity::Entity::find()
            .all(&blog.db)
            .await
            .expect("rows")
            .into_iter()
            .map(|row| row.ap_id)
            .collect();
        if !left.contains(&old_id) {
            assert_eq!(left.len(), 1, "the recent one is kept: {left:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never pruned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(inbound::waiting(&blog.db).await.expect("waiting"), 0);
}

#[tokio::test]
async fn unsigned_traffic_claiming_a_server_never_uses_up_its_allowance() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |c| {
        c.federation.inbox_rate_per_minute = 5;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("network")];
    })
    .await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;

    // An attacker floods the inbox with copies claiming to be alice.
    let mut answers = Vec::new();
    for n in 0..12 {
        let fake = json!({ "id": format!("{alice}/activities/fake-{n}"), "type": "Create", "actor": alice, "object": peer.reply("alice", &post, "<p>fake</p>") });
        answers.push(forged(&net, &fake, "198.51.100.66", None).await);
    }
    assert!(answers[..5].iter().all(|a| *a == Some(401)), "{answers:?}");
    assert!(answers[5..].iter().all(|a| *a == Some(429)), "{answers:?}");

    // Alice's own server is not held back by any of it.
    for n in 0..4 {
        let note = peer.reply("alice", &post, &format!("<p>real {n}</p>"));
        let status = peer
            .post_signed(
                json!({ "id": format!("{alice}/activities/real-{n}"), "type": "Create", "actor": alice, "object": note }),
                &net.inbox(),
            )
            .await;
        assert_eq!(status, 202, "genuine activity {n}");
    }
}

#[tokio::test]
async fn one_ipv6_network_counts_as_one_client() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |c| {
        c.federation.inbox_rate_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("network")];
    })
    .await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let fake = json!({ "id": format!("{alice}/activities/fake"), "type": "Create", "actor": alice, "object": peer.reply("alice", &post, "<p>fake</p>") });

    let mut answers = Vec::new();
    for n in 1..=5 {
        answers.push(forged(&net, &fake, &format!("2001:db8:aa:bb::{n:x}"), None).await);
    }
    let elsewhere = forged(&net, &fake, "2001:db8:aa:cc::1", None).await;

    assert_eq!(answers[3], Some(429), "{answers:?}");
    assert_eq!(answers[4], Some(429), "{answers:?}");
    assert_eq!(elsewhere, Some(401), "another /64 has its own allowance");
}

#[tokio::test]
async fn a_request_signed_for_another_host_is_refused() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |_| {}).await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &post, "<p>Meant for someone else</p>");
    let alice = peer.user("alice").id;
    let activity = json!({ "id": format!("{alice}/activities/elsewhere"), "type": "Create", "actor": alice, "object": note });

    let replayed = peer
        .post_signed_over(
            "alice",
            &activity,
            &net.inbox(),
            ALL_SIGNED,
            Some("other-blog.example"),
        )
        .await;

    assert_eq!(replayed.status(), 401);
    let reason = replayed.text().await.expect("body");
    assert!(reason.contains("signed for other-blog.example"), "{reason}");
    assert_eq!(recorded(&net).await, 0);
    let honest = peer
        .post_signed_over("alice", &activity, &net.inbox(), ALL_SIGNED, None)
        .await;
    assert_eq!(honest.status(), 202);
}

#[tokio::test]
async fn a_signature_must_cover_the_target_host_date_and_digest() {
    let (net, post) = with_post(&[("peer.test", &["alice"])], |_| {}).await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;

    for left_out in ALL_SIGNED {
        let note = peer.reply("alice", &post, "<p>Partly signed</p>");
        let activity = json!({ "id": format!("{alice}/activities/{}", uuid::Uuid::new_v4()), "type": "Create", "actor": alice, "object": note });
        let signed: Vec<&str> = ALL_SIGNED
            .iter()
            .copied()
            .filter(|h| h != left_out)
            .chain(std::iter::once("content-type"))
            .collect();
        let response = peer
            .post_signed_over("alice", &activity, &net.inbox(), &signed, None)
            .await;
        assert_eq!(response.status(), 401, "a signature without {left_out}");
    }
    assert_eq!(recorded(&net).await, 0);
}

#[tokio::test]
async fn an_object_without_an_author_is_taken_only_from_its_own_server() {
    let (net, post) = with_post(
        &[("peer.test", &["alice"]), ("other.test", &["bob"])],
        |_| {},
    )
    .await;
    let peer = &net.peers[0];
    let other = &net.peers[1];
    let alice = peer.user("alice").id;
    let unsigned_note = |id: String, words: &str| json!({ "id": id, "type": "Note", "inReplyTo": post, "content": words, "to": ["https://www.w3.org/ns/activitystreams#Public"] });

    let foreign = unsigned_note(other.note_id(), "<p>Said to be from other.test</p>");
    let refused = peer
        .post_signed(
            json!({ "id": format!("{alice}/activities/foreign"), "type": "Create", "actor": alice, "object": foreign }),
            &net.inbox(),
        )
        .await;
    let own = unsigned_note(peer.note_id(), "<p>From alice's own server</p>");
    let accepted = peer
        .post_signed(
            json!({ "id": format!("{alice}/activities/own"), "type": "Create", "actor": alice, "object": own.clone() }),
            &net.inbox(),
        )
        .await;

    assert!((400..500).contains(&refused), "{refused}");
    assert_eq!(
        comments_with(&net, foreign["id"].as_str().expect("id")).await,
        0
    );
    assert_eq!(accepted, 202);
    assert_eq!(
        comments_with(&net, own["id"].as_str().expect("id")).await,
        1
    );
}
