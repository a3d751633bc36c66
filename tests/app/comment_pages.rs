//! Comments a page at a time: threads per page, links between pages, long
//! threads that continue, a comment's own address leading to its page, and
//! the ActivityPub `replies` collection in pages.

use blog::{
    config::{CommentOrder, ModerationConfig, ModerationPolicy},
    domain::sanitize_remote,
    entities::{actor, comment},
    services::comments::{self, IncomingReply, Received, ReplyTarget},
};
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, location};

pub(crate) const SLUG: &str = "long-discussion";

/// A blog showing `per_page` threads per page, in `order`, with one post.
/// Replies are written through the services here, behind the page cache's
/// back, so it is off.
pub(crate) async fn blog(per_page: u64, order: CommentOrder) -> (TestApp, actor::Model) {
    let app = TestApp::spawn_with(|c| {
        c.blog.comments_per_page = per_page;
        c.blog.comments_order = order;
        c.page_cache_mib = 0;
    })
    .await;
    let admin = app.logged_in_admin().await;
    app.write_post(
        &admin,
        &[("title", "Long discussion"), ("body", "Talk to us.")],
        "publish",
    )
    .await;
    let reader = app.reader().await;
    (app, reader)
}

/// Stores reply `n` (published `n` minutes into the day) to the post or to
/// `parent`, approved unless `held`; its id.
pub(crate) async fn reply(
    app: &TestApp,
    author: &actor::Model,
    n: i64,
    parent: Option<i32>,
    held: bool,
) -> comment::Model {
    let target = match parent {
        Some(id) => ReplyTarget::Comment {
            ap_id: comment::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .expect("query")
                .expect("parent")
                .ap_id,
        },
        None => ReplyTarget::Post { slug: SLUG.into() },
    };
    let policy = ModerationConfig {
        policy: if held {
            ModerationPolicy::All
        } else {
            ModerationPolicy::Open
        },
        keywords: vec![],
    };
    let incoming = IncomingReply {
        ap_id: format!("https://social.example/notes/{n}"),
        url: blog::domain::HttpUrl::parse_opt(&format!("https://social.example/@reader/{n}")),
        target,
        content: sanitize_remote(&format!("<p>Reply number {n}.</p>")),
        content_warning: None,
        sensitive: false,
        language: None,
        mentions: vec![],
        hashtags: vec![],
        attachments: vec![],
        published: Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .expect("date")
            + Duration::minutes(n),
        arrival: Default::default(),
        replies_url: None,
        context_url: None,
    };
    match comments::receive(&app.db, author, incoming, &policy)
        .await
        .expect("stored")
    {
        Received::Stored(saved) => *saved,
        other => panic!("not stored: {other:?}"),
    }
}

/// Which replies a page shows, in order.
fn shown(page: &str) -> Vec<i64> {
    page.split("Reply number ")
        .skip(1)
        .filter_map(|rest| rest.split('.').next()?.parse().ok())
        .collect()
}

/// The address of the link with `rel` on the page, if any.
fn link(page: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn replies_break_into_pages_of_whole_threads_with_links_between_them() {
    let (app, reader) = blog(3, CommentOrder::OldestFirst).await;
    let mut tops = Vec::new();
    for n in 0..7 {
        tops.push(reply(&app, &reader, n * 10, None, false).await);
    }
    // Answers, also an answer to an answer, stay with their thread.
    let answer = reply(&app, &reader, 11, Some(tops[1].id), false).await;
    reply(&app, &reader, 12, Some(answer.id), false).await;
    reply(&app, &reader, 41, Some(tops[4].id), false).await;
    // Held replies are not shown and take no room.
    reply(&app, &reader, 5, None, true).await;
    let client = app.client();

    let (status, first) = app.get_text(&client, &format!("/posts/{SLUG}")).await;
    assert_eq!(status, 200);
    assert_eq!(shown(&first), [0, 10, 11, 12, 20]);
    assert!(first.contains("10 replies to"), "every shown reply counts");
    assert!(link(&first, "prev").is_none());
    let next = link(&first, "next").expect("a link to the next page");
    let (_, second) = app.get_text(&client, &next).await;
    assert_eq!(shown(&second), [30, 40, 41, 50]);
    assert!(second.contains("noindex"), "later pages are not indexed");
    let last = link(&second, "next").expect("a third page");
    let (_, third) = app.get_text(&client, &last).await;
    assert_eq!(shown(&third), [60]);
    assert!(link(&third, "next").is_none());
    let back = link(&third, "prev").expect("a link back");
    assert_eq!(app.get_text(&client, &back).await.1, second);
    let (_, from_second) = app
        .get_text(&client, &link(&second, "prev").expect("back to the first"))
        .await;
    assert_eq!(shown(&from_second), shown(&first));
    assert!(
        first.contains("Newest replies"),
        "the first page links to the last"
    );
    // The answer nested two deep is indented under what it answers.
    assert!(first.contains(&format!(
        "class=\"comment depth-2\" id=\"comment-{}\"",
        answer.id + 1
    )));
}

#[tokio::test]
async fn newest_first_starts_with_the_latest_threads_and_keeps_answers_in_order() {
    let (app, reader) = blog(2, CommentOrder::NewestFirst).await;
    let mut tops = Vec::new();
    for n in 0..5 {
        tops.push(reply(&app, &reader, n * 10, None, false).await);
    }
    reply(&app, &reader, 42, Some(tops[4].id), false).await;
    reply(&app, &reader, 41, Some(tops[4].id), false).await;
    let client = app.client();

    let (_, first) = app.get_text(&client, &format!("/posts/{SLUG}")).await;
    let (_, second) = app
        .get_text(&client, &link(&first, "next").expect("next"))
        .await;
    let (_, third) = app
        .get_text(&client, &link(&second, "next").expect("next"))
        .await;

    assert_eq!(shown(&first), [40, 41, 42, 30]);
    assert_eq!(shown(&second), [20, 10]);
    assert_eq!(shown(&third), [0]);
    assert!(first.contains("Older replies"), "{first}");
}

#[tokio::test]
async fn a_thread_too_long_for_one_page_continues_on_the_next() {
    // Two threads a page leave room for eight answers.
    let (app, reader) = blog(2, CommentOrder::OldestFirst).await;
    let top = reply(&app, &reader, 0, None, false).await;
    for n in 1..=11 {
        reply(&app, &reader, n, Some(top.id), false).await;
    }
    reply(&app, &reader, 100, None, false).await;
    let client = app.client();

    let (_, first) = app.get_text(&client, &format!("/posts/{SLUG}")).await;
    let next = link(&first, "next").expect("the thread continues");
    let (_, second) = app.get_text(&client, &next).await;

    assert_eq!(shown(&first), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(next.contains("after="), "{next}");
    assert_eq!(shown(&second), [0, 9, 10, 11, 100]);
    assert!(second.contains("Continuing a long thread"), "{second}");
    assert!(link(&second, "next").is_none());
}

#[tokio::test]
async fn a_comments_own_address_leads_a_browser_to_its_page_and_anchor() {
    let (app, reader) = blog(2, CommentOrder::OldestFirst).await;
    let mut tops = Vec::new();
    for n in 0..5 {
        tops.push(reply(&app, &reader, n * 10, None, false).await);
    }
    let late_answer = reply(&app, &reader, 31, Some(tops[3].id), false).await;
    let held = reply(&app, &reader, 45, None, true).await;
    let client = app.client();

    let on_first = app
        .get(&client, &format!("/comments/{}", tops[1].uuid))
        .await;
    let on_later = app
        .get(&client, &format!("/comments/{}", late_answer.uuid))
        .await;
    let not_shown = app.get(&client, &format!("/comments/{}", held.uuid)).await;

    assert_eq!(on_first.status(), 303);
    assert_eq!(
        location(&on_first),
        format!("/posts/{SLUG}#comment-{}", tops[1].id)
    );
    assert_eq!(on_later.status(), 303);
    let target = location(&on_later);
    assert_eq!(
        target,
        format!(
            "/posts/{SLUG}?from={}#comment-{}",
            tops[3].id, late_answer.id
        )
    );
    let (_, page) = app.get_text(&client, &target).await;
    assert!(page.contains(&format!("id=\"comment-{}\"", late_answer.id)));
    assert_eq!(shown(&page), [30, 31, 40]);
    assert_eq!(not_shown.status(), 404);
    let (status, _) = app
        .get_text(&client, &format!("/posts/{SLUG}?from=999999"))
        .await;
    assert_eq!(status, 404, "a page from a comment that is not there");
}

#[tokio::test]
async fn a_long_threads_answer_is_found_where_it_continues() {
    let (app, reader) = blog(1, CommentOrder::OldestFirst).await;
    let top = reply(&app, &reader, 0, None, false).await;
    let mut answers = Vec::new();
    for n in 1..=10 {
        answers.push(reply(&app, &reader, n, Some(top.id), false).await);
    }
    let client = app.client();

    let response = app
        .get(&client, &format!("/comments/{}", answers[8].uuid))
        .await;
    let (_, page) = app.get_text(&client, &location(&response)).await;

    // Four answers a page: the ninth is read on from the eighth.
    assert!(shown(&page).contains(&9), "{:?}", shown(&page));
    assert!(page.contains(&format!("id=\"comment-{}\"", answers[8].id)));
}

#[tokio::test]
async fn counts_follow_moderation_deletion_and_blocks() {
    let (app, reader) = blog(50, CommentOrder::OldestFirst).await;
    let other = app
        .remote_actor(
            "https://other.example/users/troll",
            "https://other.example/inbox",
        )
        .await;
    let first = reply(&app, &reader, 0, None, false).await;
    let held = reply(&app, &reader, 1, None, true).await;
    reply(&app, &other, 2, Some(first.id), false).await;
    let count = || async {
        let post = blog::entities::post::Entity::find()
            .filter(blog::entities::post::Column::Slug.eq(SLUG))
            .one(&app.db)
            .await
            .expect("query")
            .expect("post");
        post.reply_count
    };
    assert_eq!(count().await, 2);

    comments::set_status(&app.db, &[held.id], comments::CommentStatus::Approved)
        .await
        .expect("approved");
    assert_eq!(count().await, 3);
    blog::services::blocks::add(
        &app.db,
        blog::services::blocks::BlockKind::Domain,
        "other.example",
        None,
    )
    .await
    .expect("blocked");
    assert_eq!(count().await, 2);
    let (_, page) = app.get_text(&app.client(), &format!("/posts/{SLUG}")).await;
    assert_eq!(shown(&page), [0, 1]);
    comments::delete(&app.db, &[first.id])
        .await
        .expect("deleted");
    assert_eq!(count().await, 1);
    let (_, page) = app.get_text(&app.client(), &format!("/posts/{SLUG}")).await;
    assert_eq!(
        shown(&page),
        [1],
        "a deleted reply with nothing shown under it goes"
    );
    let block = blog::services::blocks::all(&app.db).await.expect("blocks")[0].id;
    blog::services::blocks::remove(&app.db, block)
        .await
        .expect("unblocked");
    assert_eq!(count().await, 2);
    let (_, page) = app.get_text(&app.client(), &format!("/posts/{SLUG}")).await;
    assert_eq!(
        shown(&page),
        [2, 1],
        "the answer stands under its deleted reply"
    );
    assert!(page.contains("This reply was deleted."));
}

#[tokio::test]
async fn the_replies_collection_comes_in_pages() {
    let (app, reader) = blog(50, CommentOrder::OldestFirst).await;
    let mut ids = Vec::new();
    for n in 0..60 {
        ids.push(reply(&app, &reader, n, None, false).await.ap_id);
    }
    reply(&app, &reader, 99, None, true).await;
    let client = app.client();
    let get = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            client
                .get(url)
                .header("accept", "application/activity+json")
                .send()
                .await
                .expect("GET")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        }
    };

    let collection = get(format!("/posts/{SLUG}/replies")).await;
    let next = collection["first"]["next"].as_str().expect("a next page");
    let path = next.trim_start_matches(&app.base).to_owned();
    let second = get(path).await;

    assert_eq!(collection["type"], "OrderedCollection");
    assert_eq!(collection["totalItems"], 60);
    assert_eq!(collection["first"]["type"], "OrderedCollectionPage");
    let first_items = collection["first"]["orderedItems"]
        .as_array()
        .expect("items");
    assert_eq!(first_items.len(), 50);
    assert_eq!(first_items[0], ids[0].as_str());
    assert_eq!(second["partOf"], collection["id"]);
    let second_items = second["orderedItems"].as_array().expect("items");
    assert_eq!(second_items.len(), 10);
    assert_eq!(second_items[9], ids[59].as_str());
    assert!(second.get("next").is_none());
    let article = get(format!("/posts/{SLUG}")).await;
    assert_eq!(article["replies"]["id"], collection["id"]);
    assert_eq!(
        article["replies"]["first"],
        format!("{}/replies?page=true", app.url(&format!("/posts/{SLUG}")))
    );
}

/// A blog from before threads were kept: the upgrade threads its replies,
/// hides blocked authors' and counts what pages show.
#[tokio::test]
async fn upgrading_threads_and_counts_the_replies_already_there() {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let store = crate::helpers::TestDb::new().await;
    let config = blog::config::Config {
        database_url: Some(store.url.clone()),
        ..Default::default()
    };
    let db = blog::app::connect(&config).await.expect("connect");
    migration::Migrator::up(&db, Some(5))
        .await
        .expect("old schema");
    let at = "'2026-11-01T10:00:00+00:00'";
    let rows = [
        format!(
            "INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (1, 'alice', 'x', TRUE, {at})"
        ),
        format!(
            "INSERT INTO posts (id, slug, title, body_markdown, body_html, summary, summary_is_custom, status, author_id, published_at, created_at, updated_at) VALUES (1, 'old', 'Old', 'x', '<p>x</p>', 'x', FALSE, 'published', 1, {at}, {at}, {at})"
        ),
        format!(
            "INSERT INTO actors (id, ap_id, inbox, public_key_pem, preferred_username, host, fetched_at) VALUES (1, 'https://a.example/u/1', 'https://a.example/inbox', 'k', 'one', 'a.example', {at})"
        ),
        format!(
            "INSERT INTO actors (id, ap_id, inbox, public_key_pem, preferred_username, host, fetched_at) VALUES (2, 'https://spam.example/u/2', 'https://spam.example/inbox', 'k', 'two', 'spam.example', {at})"
        ),
        format!(
            "INSERT INTO blocks (kind, value, created_at) VALUES ('domain', 'spam.example', {at})"
        ),
        format!(
            "INSERT INTO reactions (post_id, actor_id, kind, activity_ap_id, created_at) VALUES (1, 1, 'like', 'l1', {at})"
        ),
        format!(
            "INSERT INTO reactions (post_id, actor_id, kind, activity_ap_id, created_at) VALUES (1, 2, 'announce', 'b1', {at})"
        ),
    ];
    let comment = |id: i32, parent: &str, actor: i32, status: &str| {
        format!(
            "INSERT INTO comments (id, uuid, post_id, parent_id, ap_id, actor_id, content_html, \
             sensitive, mentions, hashtags, attachments, status, published_at, created_at) VALUES \
             ({id}, 'u{id}', 1, {parent}, 'https://x.example/{id}', {actor}, '<p>{id}</p>', FALSE, \
             '[]', '[]', '[]', '{status}', {at}, {at})"
        )
    };
    let comments = [
        comment(1, "NULL", 1, "approved"),
        comment(2, "1", 1, "approved"),
        comment(3, "2", 1, "approved"),
        comment(4, "NULL", 2, "approved"),
        comment(5, "NULL", 1, "pending"),
        comment(6, "5", 1, "approved"),
    ];
    for sql in rows.iter().chain(comments.iter()) {
        db.execute_unprepared(sql).await.expect(sql);
    }
    if store.is_postgres() {
        // Rows were given their ids; the sequences must move past them.
        for table in ["users", "posts", "actors", "comments"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)"
            ))
            .await
            .expect("sequence");
        }
    }

    blog::app::migrate(&db).await.expect("upgrade");

    let all = comment::Entity::find().all(&db).await.expect("comments");
    let by_id = |id: i32| all.iter().find(|c| c.id == id).expect("comment").clone();
    assert_eq!(by_id(3).thread_id, Some(1), "threads however deep");
    assert_eq!(by_id(6).thread_id, Some(5));
    assert!(by_id(4).hidden && !by_id(4).visible && !by_id(4).listed);
    assert!(by_id(1).listed && by_id(1).thread_size == 2);
    assert!(
        by_id(5).listed && !by_id(5).visible,
        "a held top with a shown answer"
    );
    let post = blog::entities::post::Entity::find_by_id(1)
        .one(&db)
        .await
        .expect("query")
        .expect("post");
    assert_eq!(
        (post.reply_count, post.like_count, post.boost_count),
        (4, 1, 1)
    );
}
