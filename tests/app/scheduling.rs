//! Scheduled posts: hidden until their time, then public and federated,
//! also when the server was down at that moment.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use blog::clock::Clock;

use crate::{fediverse::Fediverse, helpers::post_id};

/// The blog with a follower, going by a clock the test moves.
async fn followed() -> (Fediverse, reqwest::Client, Clock) {
    use chrono::Timelike;
    let now = Utc::now().with_nanosecond(0).expect("whole second");
    let clock = Clock::manual(now);
    let net =
        Fediverse::start_with_clock(&[("peer.test", &["alice"])], &[], clock.clone(), |_| {}).await;
    net.peers[0].follow("alice", &net.handle()).await;
    net.peers[0].wait_for("Accept", 1).await;
    let admin = net.blog.logged_in_admin().await;
    (net, admin, clock)
}

/// A moment an hour from the clock's now, and the editor's
/// `datetime-local` value for it (UTC, the default zone).
fn in_an_hour(clock: &Clock) -> (DateTime<Utc>, String) {
    let at = clock.now() + chrono::Duration::hours(1);
    (at, at.format("%Y-%m-%dT%H:%M:%S").to_string())
}

async fn creates_sent(net: &Fediverse) -> usize {
    net.peers[0]
        .received()
        .iter()
        .filter(|r| r.activity["type"] == "Create")
        .count()
}

/// Schedules a post titled `Marker` at `at`: once its `Create` arrives,
/// the scheduler has made a pass at that time, so anything else due by
/// then would have gone out with it.
async fn marker(net: &Fediverse, admin: &reqwest::Client, at: DateTime<Utc>) {
    let field = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let editor = net
        .blog
        .write_post(
            admin,
            &[("title", "Marker"), ("body", "x"), ("publish_at", &field)],
            "publish",
        )
        .await;
    assert!(editor.ends_with("notice=scheduled"), "{editor}");
}

/// Waits for the marker's `Create`; returns the names of every post sent.
async fn sent_by_the_marker(net: &Fediverse) -> Vec<String> {
    let started = std::time::Instant::now();
    loop {
        let names: Vec<String> = net.peers[0]
            .received()
            .iter()
            .filter(|r| r.activity["type"] == "Create")
            .filter_map(|r| r.activity["object"]["name"].as_str().map(str::to_owned))
            .collect();
        if names.iter().any(|n| n == "Marker") {
            return names;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the marker never went out: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_scheduled_post_stays_hidden_until_its_time_then_appears_and_federates() {
    let (net, admin, clock) = followed().await;
    let client = net.blog.client();
    // Rendered (and cached) before the post exists.
    let (_, index) = net.blog.get_text(&client, "/").await;
    assert!(!index.contains("Opening Hours"));
    let (due, field) = in_an_hour(&clock);

    let editor = net
        .blog
        .write_post(
            &admin,
            &[
                ("title", "Opening Hours"),
                ("body", "We open at *nine*."),
                ("publish_at", &field),
            ],
            "publish",
        )
        .await;

    assert!(editor.ends_with("notice=scheduled"), "{editor}");
    let (_, page) = net.blog.get_text(&admin, &editor).await;
    assert!(page.contains("Scheduled for"), "{page}");
    assert!(
        page.contains(&field[..16]),
        "the field keeps the time: {page}"
    );
    let (_, list) = net.blog.get_text(&admin, "/admin").await;
    assert!(list.contains("Goes public"), "{list}");
    for path in ["/posts/opening-hours", "/"] {
        let (status, body) = net.blog.get_text(&client, path).await;
        assert!(
            status == 404 || !body.contains("Opening Hours"),
            "{path} shows the post early"
        );
    }
    let (_, feed) = net.blog.get_text(&client, "/feed.atom").await;
    assert!(!feed.contains("Opening Hours"));
    let (status, _, _) = net.get_json("/posts/opening-hours").await;
    assert_eq!(status, 404, "the Article is not served before its time");
    assert_eq!(creates_sent(&net).await, 0);

    marker(&net, &admin, due - chrono::Duration::minutes(1)).await;
    clock.advance(chrono::Duration::minutes(59));
    let sent = sent_by_the_marker(&net).await;
    assert_eq!(sent, ["Marker"], "nothing goes out a minute early");
    clock.advance(chrono::Duration::minutes(1));
    let creates: Vec<_> = net.peers[0]
        .wait_for("Create", 2)
        .await
        .into_iter()
        .filter(|c| c.activity["object"]["name"] != "Marker")
        .collect();

    assert_eq!(creates[0].activity["object"]["name"], "Opening Hours");
    let published = creates[0].activity["object"]["published"]
        .as_str()
        .expect("published");
    assert_eq!(published, due.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let (status, page) = net.blog.get_text(&client, "/posts/opening-hours").await;
    assert_eq!(status, 200);
    assert!(page.contains("<em>nine</em>"));
    let (_, index) = net.blog.get_text(&client, "/").await;
    assert!(
        index.contains("Opening Hours"),
        "the cached index was renewed"
    );
    let (_, feed) = net.blog.get_text(&client, "/feed.atom").await;
    assert!(feed.contains("Opening Hours"));
}

#[tokio::test]
async fn a_post_due_while_the_server_was_down_goes_out_at_the_next_start() {
    let (mut net, admin, clock) = followed().await;
    let (_, field) = in_an_hour(&clock);
    net.blog
        .write_post(
            &admin,
            &[
                ("title", "While You Were Out"),
                ("body", "Posted in the dark."),
                ("publish_at", &field),
            ],
            "publish",
        )
        .await;
    net.blog.shutdown().await;
    assert_eq!(creates_sent(&net).await, 0, "nothing went out early");

    clock.advance(chrono::Duration::hours(2));
    net.blog = net.blog.restart().await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    assert_eq!(creates[0].activity["object"]["name"], "While You Were Out");
    let (status, _) = net
        .blog
        .get_text(&net.blog.client(), "/posts/while-you-were-out")
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn saving_a_scheduled_post_as_a_draft_cancels_it() {
    let (net, admin, clock) = followed().await;
    let (_, field) = in_an_hour(&clock);
    let editor = net
        .blog
        .write_post(
            &admin,
            &[
                ("title", "Never Mind"),
                ("body", "Changed my mind."),
                ("publish_at", &field),
            ],
            "publish",
        )
        .await;
    let id = post_id(&editor);
    let edit = format!("/admin/posts/{id}/edit");

    let response = net
        .blog
        .submit(
            &admin,
            &edit,
            &edit,
            &[
                ("title", "Never Mind"),
                ("body", "Changed my mind."),
                ("publish_at", &field),
                ("action", "draft"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    marker(&net, &admin, clock.now() + chrono::Duration::minutes(90)).await;
    clock.advance(chrono::Duration::hours(2));
    let sent = sent_by_the_marker(&net).await;
    assert_eq!(sent, ["Marker"], "the draft was not sent");
    let (status, _) = net
        .blog
        .get_text(&net.blog.client(), "/posts/never-mind")
        .await;
    assert_eq!(status, 404, "the draft stayed private");
    let (_, page) = net.blog.get_text(&admin, &edit).await;
    assert!(!page.contains("Scheduled for"));
}

#[tokio::test]
async fn a_publish_time_gone_by_backdates_the_post_and_sends_it_at_once() {
    let (net, admin, _) = followed().await;
    let started = Instant::now();

    net.blog
        .write_post(
            &admin,
            &[
                ("title", "From the Archive"),
                ("body", "Written long ago."),
                ("publish_at", "2014-05-01T10:00"),
            ],
            "publish",
        )
        .await;

    let creates = net.peers[0].wait_for("Create", 1).await;
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        creates[0].activity["object"]["published"],
        "2014-05-01T10:00:00Z"
    );
    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/from-the-archive")
        .await;
    assert!(page.contains("1 May 2014"), "{page}");
}

#[tokio::test]
async fn publish_times_are_read_in_the_configured_time_zone() {
    let app = crate::helpers::TestApp::spawn_with(|c| {
        c.blog.timezone = "Asia/Tokyo".parse().expect("time zone")
    })
    .await;
    let admin = app.logged_in_admin().await;

    let editor = app
        .write_post(
            &admin,
            &[
                ("title", "Far Future"),
                ("body", "Later."),
                ("publish_at", "2099-01-01T09:00"),
            ],
            "publish",
        )
        .await;

    let (_, page) = app.get_text(&admin, &editor).await;
    // 09:00 in Tokyo is midnight UTC.
    assert!(
        page.contains(r#"datetime="2099-01-01T00:00:00Z""#),
        "{page}"
    );
    assert!(page.contains("1 January 2099, 09:00 JST"), "{page}");
    assert!(page.contains(r#"value="2099-01-01T09:00""#), "{page}");
    let bad = app
        .submit(
            &admin,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "Bad"),
                ("body", "x"),
                ("publish_at", "soon"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.expect("body").contains("2026-12-01T09:30"));
}

/// Several processes (here: the server's scheduler and eight more callers on
/// the same database) publishing at once announce each post exactly once.
#[tokio::test]
async fn racing_publishers_announce_each_scheduled_post_exactly_once() {
    use blog::{
        entities::{activity, post},
        services::posts::{self, PostForm, PostStatus},
    };
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let app = crate::helpers::TestApp::spawn().await;
    app.add_user("alice", true).await;
    app.add_follower(
        "https://social.example/users/reader",
        "https://social.example/inbox",
    )
    .await;
    let now = Utc::now();
    let due = now + chrono::Duration::hours(1);
    for n in 0..5 {
        let form = PostForm {
            title: format!("Timed {n}"),
            body: "Later.".into(),
            ..Default::default()
        };
        let mut valid = form.validate(chrono_tz::Tz::UTC).expect("valid post");
        valid.publish_at = Some(due);
        let saved = posts::create(&app.db, 1, valid, PostStatus::Published, now)
            .await
            .expect("scheduled");
        assert_eq!(saved.status, blog::entities::post::PostStatus::Scheduled);
    }

    // Eight callers find them due at once (the server's own scheduler,
    // going by the real clock, finds nothing yet).
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move { posts::publish_due(&db, due).await })
        })
        .collect();
    let mut claimed = Vec::new();
    for racer in racers {
        claimed.extend(racer.await.expect("task").expect("published"));
    }

    let mut unique = claimed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), claimed.len(), "a post was claimed twice");
    let scheduled = post::Entity::find()
        .filter(post::Column::Status.eq(PostStatus::Scheduled))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(scheduled, 0, "every post went public");
    let creates = activity::Entity::find()
        .filter(activity::Column::Kind.eq(activity::ActivityKind::Create))
        .all(&app.db)
        .await
        .expect("activities");
    let mut announced: Vec<Option<i32>> = creates.iter().map(|a| a.post_id).collect();
    announced.sort();
    assert_eq!(announced.len(), 5, "{announced:?}");
    announced.dedup();
    assert_eq!(announced.len(), 5, "one Create per post");
}
