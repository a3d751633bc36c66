use serde_json::Value;

use crate::fediverse::Fediverse;

#[tokio::test]
async fn webfinger_finds_the_blog_and_the_round_trip_holds() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let handle = net.handle();

    let response = reqwest::get(
        net.blog
            .url(&format!("/.well-known/webfinger?resource=acct:{handle}")),
    )
    .await
    .expect("GET");

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/jrd+json");
    let jrd: Value = response.json().await.expect("JSON");
    let actor = net.blog_url("/users/blog");
    assert_eq!(jrd["subject"], format!("acct:{handle}"));
    assert!(
        jrd["aliases"]
            .as_array()
            .expect("aliases")
            .contains(&Value::from(actor.clone()))
    );
    let links = jrd["links"].as_array().expect("links");
    assert!(links.iter().any(|l| l["rel"] == "self"
        && l["type"] == "application/activity+json"
        && l["href"] == actor));
    assert!(
        links.iter().any(
            |l| l["rel"] == "http://webfinger.net/rel/profile-page" && l["type"] == "text/html"
        )
    );
    // What Mastodon checks: the actor's preferredUsername@host resolves back to it.
    let (_, _, person) = net.get_json("/users/blog").await;
    let round_trip = format!(
        "{}@{}",
        person["preferredUsername"].as_str().expect("name"),
        handle.split('@').nth(1).expect("host")
    );
    assert_eq!(net.peers[0].webfinger(&round_trip).await.as_str(), actor);
}

#[tokio::test]
async fn webfinger_answers_404_for_others_and_400_without_a_resource() {
    let net = Fediverse::start(&[]).await;

    let other = reqwest::get(
        net.blog
            .url("/.well-known/webfinger?resource=acct:someone@blog.test"),
    )
    .await
    .expect("GET");
    let elsewhere = reqwest::get(
        net.blog
            .url("/.well-known/webfinger?resource=acct:blog@elsewhere.example"),
    )
    .await
    .expect("GET");
    let missing = reqwest::get(net.blog.url("/.well-known/webfinger"))
        .await
        .expect("GET");

    assert_eq!(other.status(), 404);
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn the_actor_document_carries_everything_mastodon_needs() {
    let net = Fediverse::start(&[]).await;

    let (status, headers, person) = net.get_json("/users/blog").await;

    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/activity+json");
    assert_eq!(headers["vary"], "Accept");
    let context = person["@context"].as_array().expect("context list");
    assert!(context.contains(&Value::from("https://www.w3.org/ns/activitystreams")));
    assert!(context.contains(&Value::from("https://w3id.org/security/v1")));
    let actor = net.blog_url("/users/blog");
    assert_eq!(person["id"], actor);
    assert_eq!(person["type"], "Person");
    assert_eq!(person["preferredUsername"], "blog");
    assert_eq!(person["name"], "The Reading Room");
    assert_eq!(person["url"], net.blog_url("/"));
    assert_eq!(person["inbox"], format!("{actor}/inbox"));
    assert_eq!(person["outbox"], format!("{actor}/outbox"));
    assert_eq!(person["followers"], format!("{actor}/followers"));
    assert_eq!(person["following"], format!("{actor}/following"));
    assert_eq!(person["endpoints"]["sharedInbox"], net.blog_url("/inbox"));
    assert_eq!(person["publicKey"]["id"], format!("{actor}#main-key"));
    assert_eq!(person["publicKey"]["owner"], actor);
    assert!(
        person["publicKey"]["publicKeyPem"]
            .as_str()
            .expect("pem")
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(person["manuallyApprovesFollowers"], false);
    assert_eq!(person["discoverable"], true);
    assert_eq!(person["indexable"], true);
    assert!(person["published"].as_str().is_some());
    assert_eq!(person["icon"]["url"], net.blog_url("/avatar.png"));
    let avatar = reqwest::get(net.blog.url("/avatar.png"))
        .await
        .expect("GET");
    assert_eq!(avatar.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn the_key_pair_is_generated_once_and_kept() {
    let net = Fediverse::start(&[]).await;
    let (_, _, before) = net.get_json("/users/blog").await;

    let blog = net.blog.restart().await;
    let response = reqwest::Client::new()
        .get(blog.url("/users/blog"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET");
    let after: Value = response.json().await.expect("JSON");

    assert_eq!(
        before["publicKey"]["publicKeyPem"],
        after["publicKey"]["publicKeyPem"]
    );
}

#[tokio::test]
async fn browsers_asking_for_the_actor_are_sent_to_the_home_page() {
    let net = Fediverse::start(&[]).await;

    let response = net.blog.get(&net.blog.client(), "/users/blog").await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    assert_eq!(response.headers()["vary"], "Accept");
    let (_, home) = net.blog.get_text(&net.blog.client(), "/").await;
    assert!(
        home.contains(r#"<link rel="alternate" type="application/activity+json""#),
        "{home}"
    );
}

#[tokio::test]
async fn nodeinfo_describes_the_server_and_counts_posts() {
    let net = Fediverse::start(&[]).await;
    let client = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&client, &[("title", "One"), ("body", "x")], "publish")
        .await;
    net.blog
        .write_post(&client, &[("title", "Two"), ("body", "x")], "draft")
        .await;

    let links: Value = reqwest::get(net.blog.url("/.well-known/nodeinfo"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let href = links["links"][0]["href"].as_str().expect("href");
    assert_eq!(
        links["links"][0]["rel"],
        "http://nodeinfo.diaspora.software/ns/schema/2.1"
    );
    let path = href
        .split_once(":")
        .and_then(|(_, rest)| rest.find("/nodeinfo").map(|i| rest[i..].to_owned()))
        .expect("path");
    let doc: Value = reqwest::get(net.blog.url(&path))
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");

    assert_eq!(doc["version"], "2.1");
    assert_eq!(doc["software"]["name"], "blog");
    assert_eq!(doc["software"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["protocols"], serde_json::json!(["activitypub"]));
    assert_eq!(doc["usage"]["users"]["total"], 1);
    assert_eq!(doc["usage"]["localPosts"], 1);
    assert_eq!(doc["openRegistrations"], false);
}

#[tokio::test]
async fn host_meta_points_to_webfinger_in_xml_and_json() {
    let net = Fediverse::start(&[]).await;

    let xml = reqwest::get(net.blog.url("/.well-known/host-meta"))
        .await
        .expect("GET");
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/xrd+xml")
    );
    let xml = xml.text().await.expect("body");
    let json: Value = reqwest::get(net.blog.url("/.well-known/host-meta.json"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");

    let template = net.blog_url("/.well-known/webfinger?resource={uri}");
    assert!(
        xml.contains(&format!(r#"<Link rel="lrdd" template="{template}"/>"#)),
        "{xml}"
    );
    assert_eq!(json["links"][0]["template"], template);
}

#[tokio::test]
async fn the_outbox_pages_through_every_public_post_as_creates() {
    let net = Fediverse::start(&[]).await;
    let client = net.blog.logged_in_admin().await;
    for n in 1..=3 {
        net.blog
            .write_post(
                &client,
                &[("title", &format!("Letter {n}")), ("body", "x")],
                "publish",
            )
            .await;
    }
    net.blog
        .write_post(&client, &[("title", "Draft"), ("body", "x")], "draft")
        .await;

    let (status, headers, outbox) = net.get_json("/users/blog/outbox").await;
    let (_, _, page) = net.get_json("/users/blog/outbox?page=1").await;

    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/activity+json");
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 3);
    assert_eq!(outbox["first"], net.blog_url("/users/blog/outbox?page=1"));
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["partOf"], net.blog_url("/users/blog/outbox"));
    let items = page["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["type"] == "Create" && i["object"]["type"] == "Article")
    );
    assert_eq!(items[0]["object"]["name"], "Letter 3");
    let (missing, _, _) = net.get_json("/users/blog/outbox?page=2").await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn a_post_url_serves_html_to_browsers_with_vary_and_an_alternate_link() {
    let net = Fediverse::start(&[]).await;
    let client = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&client, &[("title", "Both ways"), ("body", "x")], "publish")
        .await;

    let response = net.blog.get(&net.blog.client(), "/posts/both-ways").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert_eq!(response.headers()["vary"], "Accept");
    let page = response.text().await.expect("body");
    assert!(
        page.contains(r#"<link rel="alternate" type="application/activity+json""#),
        "{page}"
    );
}
