//! The whole conversation as ActivityPub collections: each post's and each
//! comment's direct `replies`, and the post's `context` (FEP-7888) listing
//! every object of the thread, all of them paged and showing only approved
//! replies.

use blog::{config::CommentOrder, entities::comment};
use sea_orm::EntityTrait;

use crate::comment_pages::{SLUG, blog, reply};

/// The ids on the first page of a collection, which must be embedded.
fn first_items(collection: &serde_json::Value) -> Vec<String> {
    collection["first"]["orderedItems"]
        .as_array()
        .unwrap_or_else(|| panic!("no first page embedded: {collection}"))
        .iter()
        .map(|item| item.as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn every_post_and_comment_lists_its_own_replies_and_the_post_the_whole_thread() {
    let (app, reader) = blog(50, CommentOrder::OldestFirst).await;
    let top = reply(&app, &reader, 1, None, false).await;
    let nested = reply(&app, &reader, 2, Some(top.id), false).await;
    let held = reply(&app, &reader, 3, Some(top.id), true).await;
    let admin = app.logged_in("editor", true).await;
    let path = format!("/admin/comments/{}/reply", nested.id);
    let response = app
        .submit(&admin, &path, &path, &[("body", "Thank you both.")])
        .await;
    assert_eq!(response.status(), 303);
    let answer = comment::Entity::find()
        .all(&app.db)
        .await
        .expect("comments")
        .into_iter()
        .find(|c| c.local_author_id.is_some())
        .expect("the author's answer is stored");
    let post_id = app.url(&format!("/posts/{SLUG}"));

    let (status, post_replies) = app.get_activity(&format!("/posts/{SLUG}/replies")).await;
    let (_, context) = app.get_activity(&format!("/posts/{SLUG}/context")).await;
    let (_, top_replies) = app
        .get_activity(&format!("/comments/{}/replies", top.uuid))
        .await;
    let (_, nested_replies) = app
        .get_activity(&format!("/comments/{}/replies", nested.uuid))
        .await;
    let (held_status, _) = app
        .get_activity(&format!("/comments/{}/replies", held.uuid))
        .await;
    let (_, article) = app.get_activity(&format!("/posts/{SLUG}")).await;
    let (_, note) = app
        .get_activity(&format!("/comments/{}", answer.uuid))
        .await;

    assert_eq!(status, 200);
    assert_eq!(post_replies["totalItems"], 1, "{post_replies}");
    assert_eq!(first_items(&post_replies), [top.ap_id.as_str()]);
    assert_eq!(context["type"], "OrderedCollection");
    assert_eq!(context["attributedTo"], app.url("/users/blog"));
    assert_eq!(context["totalItems"], 4, "{context}");
    assert_eq!(
        first_items(&context),
        [
            post_id.clone(),
            top.ap_id.clone(),
            nested.ap_id.clone(),
            answer.ap_id.clone()
        ],
        "the post, then every shown comment however deep; the held one is not there"
    );
    assert_eq!(first_items(&top_replies), [nested.ap_id.as_str()]);
    assert_eq!(top_replies["totalItems"], 1);
    assert_eq!(first_items(&nested_replies), [answer.ap_id.as_str()]);
    assert_eq!(held_status, 404, "a held reply has no public collection");

    assert_eq!(article["context"], context["id"]);
    assert_eq!(article["replies"]["id"], post_replies["id"]);
    assert_eq!(
        article["replies"]["first"], post_replies["first"]["id"],
        "the Article names the first page it embeds"
    );
    assert_eq!(note["type"], "Note");
    assert_eq!(note["context"], context["id"]);
    assert_eq!(
        note["replies"]["id"],
        app.url(&format!("/comments/{}/replies", answer.uuid))
    );
    let (_, answer_replies) = app
        .get_activity(&format!("/comments/{}/replies", answer.uuid))
        .await;
    assert_eq!(answer_replies["totalItems"], 0);
    assert_eq!(first_items(&answer_replies), Vec::<String>::new());
}

#[tokio::test]
async fn a_long_conversation_comes_in_pages_that_lead_to_each_other() {
    let (app, reader) = blog(50, CommentOrder::OldestFirst).await;
    let top = reply(&app, &reader, 0, None, false).await;
    let mut ids = vec![app.url(&format!("/posts/{SLUG}")), top.ap_id.clone()];
    for n in 1..60 {
        ids.push(reply(&app, &reader, n, Some(top.id), false).await.ap_id);
    }

    let (_, context) = app.get_activity(&format!("/posts/{SLUG}/context")).await;
    let next = context["first"]["next"].as_str().expect("a second page");
    let (_, second) = app.get_activity(next.trim_start_matches(&app.base)).await;
    let (_, top_replies) = app
        .get_activity(&format!("/comments/{}/replies", top.uuid))
        .await;

    assert_eq!(context["totalItems"], 61);
    let mut seen = first_items(&context);
    assert_eq!(
        seen.len(),
        51,
        "the post leads the first page of 50 comments"
    );
    assert_eq!(second["type"], "OrderedCollectionPage");
    assert_eq!(second["partOf"], context["id"]);
    assert!(second.get("next").is_none(), "{second}");
    seen.extend(
        second["orderedItems"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item.as_str().expect("an id").to_owned()),
    );
    assert_eq!(seen, ids, "every object once, in order");
    assert_eq!(top_replies["totalItems"], 59);
    assert!(top_replies["first"]["next"].is_string(), "{top_replies}");
}

#[tokio::test]
async fn a_browser_asking_for_a_collection_is_sent_to_the_page_that_shows_it() {
    let (app, reader) = blog(50, CommentOrder::OldestFirst).await;
    let top = reply(&app, &reader, 1, None, false).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    for (path, page) in [
        (format!("/posts/{SLUG}/context"), format!("/posts/{SLUG}")),
        (format!("/posts/{SLUG}/replies"), format!("/posts/{SLUG}")),
        (
            format!("/comments/{}/replies", top.uuid),
            format!("/comments/{}", top.uuid),
        ),
    ] {
        let response = browser
            .get(app.url(&path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], page.as_str(), "{path}");
        assert_eq!(response.headers()["vary"], "Accept", "{path}");
    }
}
