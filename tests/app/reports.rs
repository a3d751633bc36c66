//! Reports: a `Flag` from another server's moderators reaches the admin and
//! is resolved; the admin reports a reply's author to their server.

use blog::{entities::comment, services::blocks};
use serde_json::{Value, json};

use crate::fediverse::Fediverse;

/// A blog with an open post that alice (peer.test) replied to, and the
/// admin's client; returns the reply's id too.
async fn replied() -> (Fediverse, reqwest::Client, String) {
    let (net, admin) =
        Fediverse::with_open_post(&[("peer.test", &["alice", "mod"])], "Opening hours", |_| {})
            .await;
    let peer = &net.peers[0];
    let note = peer.reply(
        "alice",
        &net.blog_url("/posts/opening-hours"),
        "<p>Rude words here.</p>",
    );
    peer.send_activity("alice", "Create", note.clone(), &net.inbox())
        .await;
    let id = note["id"].as_str().expect("id").to_owned();
    (net, admin, id)
}

async fn stored_reply(net: &Fediverse, ap_id: &str) -> comment::Model {
    comment::Entity::find_by_ap_id(ap_id)
        .one(&net.blog.db)
        .await
        .expect("lookup")
        .expect("the reply is stored")
}

/// A Flag from peer.test's moderator about `objects`.
async fn flag(net: &Fediverse, objects: Value, content: &str) -> String {
    let peer = &net.peers[0];
    let id = format!("{}/flags/{}", peer.base, uuid::Uuid::new_v4());
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Flag",
        "actor": peer.user("mod").id,
        "content": content,
        "object": objects,
    });
    peer.send("mod", activity, &net.inbox()).await;
    id
}

async fn reports_page(net: &Fediverse, admin: &reqwest::Client, tab: &str) -> String {
    let (status, page) = net
        .blog
        .get_text(admin, &format!("/admin/reports?tab={tab}"))
        .await;
    assert_eq!(status, 200);
    page
}

/// The id of the first report on the open tab.
fn first_report(page: &str) -> String {
    let start = page.find("/admin/reports/").expect("a report") + "/admin/reports/".len();
    page[start..start + page[start..].find('/').expect("end")].to_owned()
}

async fn resolve(net: &Fediverse, admin: &reqwest::Client, resolution: &str) {
    let page = reports_page(net, admin, "open").await;
    let id = first_report(&page);
    let response = net
        .blog
        .submit(
            admin,
            "/admin/reports",
            &format!("/admin/reports/{id}/resolve"),
            &[("resolution", resolution)],
        )
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_flag_from_a_peer_is_shown_beside_what_it_names_and_blocking_resolves_it() {
    let (net, admin, reply) = replied().await;
    let alice = net.peers[0].user("alice").id.to_string();
    let post = net.blog_url("/posts/opening-hours");

    let flag_id = flag(&net, json!([alice, reply, post]), "Harassment of our users").await;
    // The same report delivered twice is one report.
    let again = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": flag_id,
        "type": "Flag",
        "actor": net.peers[0].user("mod").id,
        "content": "Harassment of our users",
        "object": [alice],
    });
    net.peers[0].send("mod", again, &net.inbox()).await;

    let open = reports_page(&net, &admin, "open").await;
    assert_eq!(open.matches(r#"class="report""#).count(), 1, "{open}");
    assert!(open.contains("Harassment of our users"));
    assert!(
        open.contains("@mod@peer.test"),
        "the reporter is named: {open}"
    );
    assert!(open.contains("Rude words here."), "the comment is shown");
    assert!(open.contains(">Opening hours</a>"), "the post is named");
    let (_, admin_home) = net.blog.get_text(&admin, "/admin").await;
    assert!(
        admin_home.contains(r#"title="open reports">1<"#),
        "{admin_home}"
    );
    let (_, queue) = net
        .blog
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    assert!(
        queue.contains("Reported: “Harassment of our users”"),
        "the comment carries its report in the queue: {queue}"
    );

    resolve(&net, &admin, "blocked").await;

    let all = blocks::all(&net.blog.db).await.expect("blocks");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].value, alice);
    assert_eq!(
        all[0].reason.as_deref(),
        Some("Reported: Harassment of our users")
    );
    assert!(
        !reports_page(&net, &admin, "open")
            .await
            .contains("Harassment")
    );
    let resolved = reports_page(&net, &admin, "resolved").await;
    assert!(resolved.contains("Harassment of our users"));
    assert!(resolved.contains(r#"<span class="badge">blocked</span>"#));
    let (_, shown) = net
        .blog
        .get_text(&net.blog.client(), "/posts/opening-hours")
        .await;
    assert!(
        !shown.contains("Rude words"),
        "a blocked author's reply is hidden"
    );
}

#[tokio::test]
async fn removing_deletes_the_reported_reply_and_dismissing_changes_nothing() {
    let (net, admin, reply) = replied().await;
    let post = net.blog_url("/posts/opening-hours");

    flag(&net, json!(post), "Spam").await;
    resolve(&net, &admin, "dismissed").await;
    let (status, _) = net
        .blog
        .get_text(&net.blog.client(), "/posts/opening-hours")
        .await;
    assert_eq!(status, 200, "a dismissed report leaves the post");

    flag(&net, json!([{ "id": reply, "type": "Note" }]), "Insults").await;
    resolve(&net, &admin, "removed").await;

    let stored = stored_reply(&net, &reply).await;
    assert!(stored.deleted_at.is_some(), "a placeholder stays");
    assert!(blocks::all(&net.blog.db).await.expect("blocks").is_empty());
    let resolved = reports_page(&net, &admin, "resolved").await;
    assert!(resolved.contains(r#"<span class="badge">removed</span>"#));
    assert!(resolved.contains(r#"<span class="badge">dismissed</span>"#));
}

#[tokio::test]
async fn the_admin_reports_a_replys_author_and_their_server_verifies_the_flag() {
    let (net, admin, reply) = replied().await;
    let peer = &net.peers[0];
    let stored = stored_reply(&net, &reply).await;
    let form = format!("/admin/comments/{}/report", stored.id);
    let (status, page) = net.blog.get_text(&admin, &form).await;
    assert_eq!(status, 200);
    assert!(page.contains("Report to peer.test"), "{page}");

    let response = net
        .blog
        .submit(&admin, &form, &form, &[("comment", "Abusive replies")])
        .await;
    assert_eq!(response.status(), 303);

    let flags = peer.wait_for("Flag", 1).await;
    let flag = &flags[0].activity;
    assert_eq!(flag["actor"], net.blog_url("/users/blog"));
    assert_eq!(flag["content"], "Abusive replies");
    assert_eq!(
        flag["object"],
        json!([peer.user("alice").id.to_string(), reply])
    );
    let sent = reports_page(&net, &admin, "sent").await;
    assert!(sent.contains("Abusive replies"));
    assert!(sent.contains("@alice@peer.test"));
    let activity = flag["id"].as_str().expect("id");
    let path = activity
        .split_once("/activities/")
        .map(|(_, uuid)| format!("/activities/{uuid}"))
        .expect("an activity id");
    assert_eq!(
        net.get_json(&path).await.0,
        404,
        "a report is for the moderators alone"
    );
}
