use serde_json::json;
use url::Url;

use crate::{fediverse::Fediverse, peer::inbox_of};

#[tokio::test]
async fn a_follow_is_stored_and_answered_with_a_signed_accept() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];

    let follow_id = peer.follow("alice", &net.handle()).await;

    // The peer's inbox only records activities whose signature it verified.
    let accepts = peer.wait_for("Accept", 1).await;
    let accept = &accepts[0].activity;
    assert_eq!(accepts[0].inbox, "/users/alice/inbox");
    assert_eq!(accept["actor"], net.blog_url("/users/blog"));
    assert_eq!(accept["object"]["id"], follow_id);
    assert_eq!(accept["object"]["type"], "Follow");
    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 1);
    let admin = net.blog.logged_in_admin().await;
    let (_, page) = net.blog.get_text(&admin, "/admin/fediverse").await;
    assert!(page.contains("1 follower<"), "{page}");
    assert!(page.contains("@alice@peer.test:"), "{page}");
    assert!(page.contains("alice on the peer"), "{page}");
}

#[tokio::test]
async fn a_repeated_follow_is_accepted_again_without_a_second_follower() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];

    peer.follow("alice", &net.handle()).await;
    peer.follow("alice", &net.handle()).await;

    peer.wait_for("Accept", 2).await;
    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 1);
}

#[tokio::test]
async fn undo_of_a_follow_removes_the_follower() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    let follow_id = peer.follow("alice", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let blog = Url::parse(&net.blog_url("/users/blog")).expect("URL");
    let alice = peer.user("alice").id;

    peer.send(
        "alice",
        json!({
            "id": format!("{follow_id}/undo"),
            "type": "Undo",
            "actor": alice,
            "object": { "id": follow_id, "type": "Follow", "actor": alice, "object": blog },
        }),
        &inbox_of(&blog),
    )
    .await;

    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 0);
}

#[tokio::test]
async fn deleting_an_account_removes_it_as_a_follower() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    peer.follow("alice", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let alice = peer.user("alice").id;

    peer.send(
        "alice",
        json!({
            "id": format!("{alice}#delete"),
            "type": "Delete",
            "actor": alice,
            "object": alice,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }),
        &Url::parse(&net.blog_url("/inbox")).expect("URL"),
    )
    .await;

    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 0);
}

#[tokio::test]
async fn an_unsigned_activity_is_refused_with_401_and_changes_nothing() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let alice = net.peers[0].user("alice").id;

    let response = reqwest::Client::new()
        .post(net.blog.url("/users/blog/inbox"))
        .header("content-type", "application/activity+json")
        .body(
            json!({
                "id": format!("{alice}#follow"),
                "type": "Follow",
                "actor": alice,
                "object": net.blog_url("/users/blog"),
            })
            .to_string(),
        )
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 401);
    let (_, _, followers) = net.get_json("/users/blog/followers").await;
    assert_eq!(followers["totalItems"], 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let net = Fediverse::start(&[]).await;

    let response = reqwest::Client::new()
        .post(net.blog.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn the_admin_exports_the_followers_as_a_mastodon_csv() {
    let net = Fediverse::start(&[("peer.test", &["alice", "bob"])]).await;
    let peer = &net.peers[0];
    for user in ["alice", "bob"] {
        peer.follow(user, &net.handle()).await;
    }
    peer.wait_for("Accept", 2).await;
    let admin = net.blog.logged_in_admin().await;

    let response = net.blog.get(&admin, "/admin/fediverse/followers.csv").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .contains("followers.csv")
    );
    let body = response.text().await.expect("body");
    let mut lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines.remove(0),
        "Account address,Show boosts,Notify on new posts,Languages"
    );
    lines.sort_unstable();
    let host = peer.base.trim_start_matches("http://");
    assert_eq!(
        lines,
        [
            format!("alice@{host},true,false,"),
            format!("bob@{host},true,false,")
        ]
    );
}

#[tokio::test]
async fn the_fediverse_page_says_when_followers_cannot_reach_the_blog_yet() {
    let local = crate::helpers::TestApp::spawn().await;
    let admin = local.logged_in_admin().await;
    let (_, page) = local.get_text(&admin, "/admin/fediverse").await;
    assert!(
        page.contains("Followers cannot reach this blog yet"),
        "{page}"
    );
    assert!(
        page.contains("<code>public_url</code>"),
        "names the setting"
    );
    assert!(!page.contains("Search for @blog@"), "{page}");

    let public = crate::helpers::TestApp::spawn_with(|c| {
        c.public_url = "https://reading-room.example.net".parse().expect("URL");
    })
    .await;
    let admin = public.logged_in_admin().await;
    let (_, page) = public.get_text(&admin, "/admin/fediverse").await;
    assert!(!page.contains("cannot reach"), "{page}");
    assert!(
        page.contains(r#"value="@blog@reading-room.example.net""#),
        "{page}"
    );
    assert!(
        page.contains(r#"value="https://reading-room.example.net/follow""#),
        "the follow link: {page}"
    );
}

/// The port of a peer's address, for handles on it.
fn port_of(base: &str) -> u16 {
    Url::parse(base).expect("URL").port().expect("port")
}

/// The `uri` a remote-interaction redirect hands to the reader's server.
fn handed_over(location: &str) -> String {
    let location = Url::parse(location).expect("an absolute redirect");
    location
        .query_pairs()
        .find(|(key, _)| key == "uri")
        .map(|(_, uri)| uri.into_owned())
        .unwrap_or_else(|| panic!("no uri in {location}"))
}

#[tokio::test]
async fn the_follow_page_sends_each_reader_to_their_own_servers_follow_button() {
    let net = Fediverse::start(&[("peer.test", &["alice"]), ("other.test", &["bob"])]).await;
    let visitor = net.blog.client();
    let (_, home) = net.blog.get_text(&visitor, "/").await;
    assert!(home.contains(r#"<a href="/follow">Follow</a>"#), "{home}");
    let (status, page) = net.blog.get_text(&visitor, "/follow").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("@{}", net.handle())), "{page}");

    let mut alice = String::new();
    for (peer, user) in net.peers.iter().zip(["alice", "bob"]) {
        let host = Url::parse(&peer.base).expect("URL");
        let handle = format!(
            "{user}@{}:{}",
            host.host_str().expect("host"),
            port_of(&peer.base)
        );
        let query: String = url::form_urlencoded::byte_serialize(handle.as_bytes()).collect();
        let path = format!("/follow?handle={query}");
        let response = net.blog.get(&visitor, &path).await;
        if alice.is_empty() {
            alice = path;
        }
        assert_eq!(response.status(), 303, "{handle}");
        let location = crate::helpers::location(&response);
        assert!(
            location.starts_with(&format!("{}/authorize_interaction?uri=", peer.base)),
            "{location}"
        );
        let actor = handed_over(&location);
        assert_eq!(actor, net.blog_url("/users/blog"));
        let (status, _, document) = net.get_json("/users/blog").await;
        assert_eq!(status, 200);
        assert_eq!(document["id"], actor, "the uri is the blog's actor");
    }

    // Asked again, the answer is the reader's server's of now, not a copy
    // kept from before (only pages are kept); and it never leads off that
    // server.
    net.peers[0].set_interaction_template("https://evil.example/authorize?uri={uri}");
    let response = net.blog.get(&visitor, &alice).await;
    assert_eq!(response.status(), 422);
    assert!(response.headers().get("location").is_none());

    let response = net
        .blog
        .get(&visitor, "/follow?handle=ghost@nowhere.invalid")
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("Could not reach nowhere.invalid"), "{page}");
    assert!(page.contains(r#"value="ghost@nowhere.invalid""#), "{page}");
}

#[tokio::test]
async fn an_author_with_an_account_of_their_own_has_a_follow_page_too() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let peer = &net.peers[0];
    let visitor = net.blog.client();
    let otto = net.blog.logged_in("otto", false).await;
    let handle = format!("alice@peer.test:{}", port_of(&peer.base));
    let path = format!("/authors/otto/follow?handle={handle}");

    assert_eq!(net.blog.get(&visitor, &path).await.status(), 404);
    net.blog.set_own_account(&otto, true).await;

    let (_, profile) = net.blog.get_text(&visitor, "/authors/otto").await;
    assert!(
        profile.contains(r#"href="/authors/otto/follow""#),
        "{profile}"
    );
    let (status, page) = net.blog.get_text(&visitor, "/authors/otto/follow").await;
    assert_eq!(status, 200);
    assert!(page.contains("@otto@blog.test:"), "{page}");
    let response = net.blog.get(&visitor, &path).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        handed_over(&crate::helpers::location(&response)),
        net.blog_url("/users/otto")
    );

    net.blog.set_own_account(&otto, false).await;
    let (status, _) = net.blog.get_text(&visitor, "/authors/otto/follow").await;
    assert_eq!(status, 404, "no account, nothing to follow");
}
