//! Addresses from other servers: only http(s) links are kept and shown;
//! host names are compared in one normal form, so a block holds however
//! the name is written; and visitors are only ever sent to places they
//! chose.

use blog::entities::{actor, block};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::{fediverse::Fediverse, helpers::TestApp};

/// A blog that shows replies at once, with one published post.
async fn with_post(peers: &[(&str, &[&str])]) -> (Fediverse, reqwest::Client) {
    Fediverse::with_open_post(peers, "Links", |_| {}).await
}

#[tokio::test]
async fn script_links_in_a_remote_profile_or_reply_are_dropped_where_they_enter() {
    let (net, admin) = with_post(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    peer.set_actor_fields(
        "alice",
        json!({
            "url": "javascript:alert('profile')",
            "icon": { "type": "Image", "url": "javascript:alert('icon')" },
        }),
    );
    let mut note = peer.reply(
        "alice",
        &net.blog_url("/posts/links"),
        "<p>Look at this</p>",
    );
    note["url"] = json!("javascript:alert('reply')");
    note["attachment"] = json!([
        { "type": "Document", "mediaType": "image/png", "url": "javascript:alert('file')", "name": "A trap" },
        { "type": "Document", "mediaType": "image/png", "url": "data:text/html,<script>alert(1)</script>", "name": "Another" },
        { "type": "Document", "mediaType": "image/png", "url": format!("{}/files/cat.png", peer.base), "name": "A cat" },
    ]);
    note["tag"] =
        json!([{ "type": "Mention", "href": "javascript:alert('mention')", "name": "@blog" }]);

    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;

    let stored = actor::Entity::find()
        .filter(actor::Column::ApId.eq(peer.user("alice").id.as_str()))
        .one(&net.blog.db)
        .await
        .expect("query")
        .expect("alice is known");
    assert_eq!(stored.url, None, "the profile link was dropped");
    assert_eq!(stored.icon_url, None, "the icon was dropped");
    let (_, page) = net.blog.get_text(&net.blog.client(), "/posts/links").await;
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    for html in [&page, &queue] {
        assert!(html.contains("Look at this"), "{html}");
        assert!(
            !html.contains("javascript:") && !html.contains("data:text"),
            "{html}"
        );
    }
    assert!(page.contains("A cat") && !page.contains("A trap"), "{page}");
}

#[tokio::test]
async fn a_stored_link_that_is_not_http_is_never_linked() {
    let (net, admin) = with_post(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    let note = peer.reply("alice", &net.blog_url("/posts/links"), "<p>Hello</p>");
    peer.send_activity("alice", "Create", note, &net.inbox())
        .await;
    // As an older version may have stored them.
    actor::Entity::update_many()
        .col_expr(
            actor::Column::Url,
            sea_orm::sea_query::Expr::value("javascript:alert('old')"),
        )
        .col_expr(
            actor::Column::IconUrl,
            sea_orm::sea_query::Expr::value("javascript:alert('old icon')"),
        )
        .exec(&net.blog.db)
        .await
        .expect("update");
    blog::entities::comment::Entity::update_many()
        .col_expr(
            blog::entities::comment::Column::Url,
            sea_orm::sea_query::Expr::value("javascript:alert('old reply')"),
        )
        .col_expr(
            blog::entities::comment::Column::Attachments,
            sea_orm::sea_query::Expr::value(
                r#"[{"url":"javascript:alert('old file')","media_type":null,"name":"Old trap"},{"url":"https://peer.test/x.png","media_type":null,"name":"Kept"}]"#,
            ),
        )
        .exec(&net.blog.db)
        .await
        .expect("update");

    let (_, page) = net.blog.get_text(&net.blog.client(), "/posts/links").await;
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;

    for html in [&page, &queue] {
        assert!(html.contains("Hello"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
    assert!(
        page.contains("Kept") && !page.contains("Old trap"),
        "{page}"
    );
}

/// The admin blocks `typed` (as a person might type the peer's name);
/// the block is listed as `stored` and refuses the peer's follows.
async fn block_holds(peer: &str, typed: &str, stored: &str) {
    let (net, admin) = with_post(&[(peer, &["alice"])]).await;

    let response = net
        .blog
        .submit(
            &admin,
            "/admin/blocks",
            "/admin/blocks",
            &[("domain", typed)],
        )
        .await;

    assert_eq!(response.status(), 303);
    let (_, blocks) = net.blog.get_text(&admin, "/admin/blocks").await;
    assert!(
        blocks.contains(&format!(">{stored}<")),
        "stored in its normal form: {blocks}"
    );
    assert!(net.refuses_follow_from("alice").await, "{typed}");
}

#[tokio::test]
async fn a_domain_block_holds_with_a_trailing_dot_or_capitals() {
    block_holds("peer.test", "PEER.test.", "peer.test").await;
}

#[tokio::test]
async fn a_block_of_an_international_name_matches_its_ascii_form() {
    block_holds("xn--bcher-kva.test", "Bücher.test", "xn--bcher-kva.test").await;
}

#[tokio::test]
async fn blocks_stored_in_another_form_are_rewritten_and_then_hold() {
    let (net, _) = with_post(&[("peer.test", &["alice"])]).await;
    for value in ["Peer.Test.", "peer.test"] {
        block::Entity::insert(block::ActiveModel {
            kind: Set(blog::entities::block::BlockKind::Domain),
            value: Set(value.into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        })
        .exec(&net.blog.db)
        .await
        .expect("insert");
    }

    crate::helpers::migrate_again_from(&net.blog.db, "m20261205_000009_block_hosts").await;

    let values: Vec<String> = block::Entity::find()
        .all(&net.blog.db)
        .await
        .expect("blocks")
        .into_iter()
        .map(|b| b.value)
        .collect();
    assert_eq!(values, ["peer.test"], "one block, in its normal form");
    let restarted = Fediverse {
        blog: net.blog.restart().await,
        peers: net.peers,
    };
    assert!(restarted.refuses_follow_from("alice").await);
}

#[tokio::test]
async fn the_login_form_only_sends_back_to_a_path_on_this_site() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;

    for (next, kept) in [
        ("/admin/media", true),
        ("/\t/evil.example/", false),
        ("/\n/evil.example/", false),
        ("//evil.example/", false),
        ("/\\evil.example/", false),
        ("https://evil.example/", false),
    ] {
        let query: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let (_, form) = app
            .get_text(&app.client(), &format!("/login?next={query}"))
            .await;
        let field = form
            .split(r#"name="next" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the next field")
            .replace("&#x2f;", "/");
        let expected = if kept { next } else { "/admin" };
        assert_eq!(field, expected, "{next:?}");
    }
    let client = app.client();
    let response = app
        .submit(
            &client,
            "/login",
            "/login",
            &[
                ("username", "alice"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/\t/evil.example/"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(crate::helpers::location(&response), "/admin");
}

#[tokio::test]
async fn a_remote_interaction_only_leads_to_the_handles_own_server() {
    let (net, _) = with_post(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    let port = url::Url::parse(&peer.base)
        .expect("peer URL")
        .port()
        .expect("port");
    let handle = format!("alice@peer.test:{port}");
    let query: String = url::form_urlencoded::byte_serialize(handle.as_bytes()).collect();
    let path = format!("/posts/links/interact?handle={query}");

    let honest = net.blog.get(&net.blog.client(), &path).await;
    assert_eq!(honest.status(), 303);
    assert!(
        crate::helpers::location(&honest)
            .starts_with(&format!("{}/authorize_interaction?uri=", peer.base)),
        "{}",
        crate::helpers::location(&honest)
    );

    for elsewhere in [
        "https://evil.example/authorize?uri={uri}",
        "javascript:alert(1)//{uri}",
        "//evil.example/{uri}",
    ] {
        peer.set_interaction_template(elsewhere);
        let response = net.blog.get(&net.blog.client(), &path).await;
        assert_eq!(response.status(), 422, "{elsewhere}");
        assert!(response.headers().get("location").is_none());
    }
}
