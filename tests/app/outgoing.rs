//! Whatever makes the blog fetch from another server (a visitor's handle
//! lookup, an activity naming an unknown actor), the fetch is bounded: a
//! declared body over the cap is refused unread, a body that keeps coming
//! is cut off at the cap, a server that drips is cut off at the deadline,
//! and only so many fetches are under way at once.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{
    fediverse::Fediverse,
    remote::{Behaviour, Remote},
};

/// The blog, with a published post, resolving `host` to a hostile remote.
async fn blog_beside(
    host: &str,
    remote: &Remote,
    change: impl FnOnce(&mut blog::config::Config),
) -> Fediverse {
    let net = Fediverse::start_with(&[], &[(host, remote.addr)], change).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Viral"), ("body", "x")], "publish")
        .await;
    net
}

/// Asks the blog to look a visitor's handle up, as the form under a post does.
async fn look_up(net: &Fediverse, handle: &str) -> (u16, Duration) {
    let started = Instant::now();
    let query: String = url::form_urlencoded::byte_serialize(handle.as_bytes()).collect();
    let response = net
        .blog
        .get(
            &net.blog.client(),
            &format!("/posts/viral/interact?handle={query}"),
        )
        .await;
    (response.status().as_u16(), started.elapsed())
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_lookup_on_a_server_that_answers_without_end_reads_only_up_to_the_cap() {
    let remote = Remote::start(Behaviour::Endless).await;
    let net = blog_beside("endless.test", &remote, |_| {}).await;
    let handle = format!("me@endless.test:{}", remote.addr.port());

    let (first, took) = look_up(&net, &handle).await;
    let (second, _) = look_up(&net, &handle).await;

    assert_eq!(first, 422, "the visitor is told the lookup failed");
    assert_eq!(second, 422);
    assert!(took < Duration::from_secs(8), "answered in {took:?}");
    remote.wait_closed(2).await;
    let written = remote.written();
    assert!(
        written < 4 * MIB,
        "two lookups made the remote send {written} bytes before the blog hung up"
    );
}

#[tokio::test]
async fn a_declared_body_over_the_cap_is_refused_before_it_is_read() {
    let remote = Remote::start(Behaviour::DeclaresHuge).await;
    let net = blog_beside("huge.test", &remote, |_| {}).await;

    let (status, took) = look_up(&net, &format!("me@huge.test:{}", remote.addr.port())).await;

    assert_eq!(status, 422);
    assert!(took < Duration::from_secs(5), "answered in {took:?}");
    remote.wait_closed(1).await;
    assert!(
        remote.written() < MIB / 2,
        "{} bytes of a 300 MB body were sent before the blog hung up",
        remote.written()
    );
}

#[tokio::test]
async fn a_server_that_drips_its_answer_is_cut_off_at_the_deadline() {
    let remote = Remote::start(Behaviour::Drips).await;
    let net = blog_beside("drip.test", &remote, |c| {
        c.federation.fetch_timeout_secs = 2;
    })
    .await;

    let (status, took) = look_up(&net, &format!("me@drip.test:{}", remote.addr.port())).await;

    assert_eq!(status, 422);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(6),
        "the lookup took {took:?} with a deadline of 2 s"
    );
    remote.wait_closed(1).await;
}

#[tokio::test]
async fn no_more_fetches_than_the_limit_are_under_way_at_once() {
    let remote = Remote::start(Behaviour::Holds(Duration::from_millis(700))).await;
    let net = blog_beside("slow.test", &remote, |c| {
        c.federation.fetch_concurrency = 2;
    })
    .await;
    let handle = format!("me@slow.test:{}", remote.addr.port());

    let lookups: Vec<_> = (0..6).map(|_| look_up(&net, &handle)).collect();
    let answers = futures_util::future::join_all(lookups).await;

    for (status, _) in &answers {
        assert_eq!(*status, 422, "each lookup ends with a clear answer");
    }
    assert_eq!(remote.requests(), 6, "every lookup was made in the end");
    assert!(
        remote.most_open() <= 2,
        "{} fetches were under way at once, the limit is 2",
        remote.most_open()
    );
}

#[tokio::test]
async fn an_activity_naming_an_endless_actor_costs_at_most_the_cap() {
    let remote = Remote::start(Behaviour::Endless).await;
    let net = blog_beside("endless.test", &remote, |_| {}).await;
    let actor = format!("http://endless.test:{}/users/mallory", remote.addr.port());
    let activity = json!({
        "id": format!("{actor}/follows/1"),
        "type": "Follow",
        "actor": actor,
        "object": net.blog_url("/users/blog"),
    });

    let started = Instant::now();
    let status = crate::inbox_trust::forged(&net, &activity, "192.0.2.1", None)
        .await
        .expect("an answer");

    assert!((400..600).contains(&status), "{status}");
    assert!(started.elapsed() < Duration::from_secs(12));
    remote.wait_closed(1).await;
    assert!(
        remote.written() < 4 * MIB,
        "fetching the actor made the remote send {} bytes",
        remote.written()
    );
}
