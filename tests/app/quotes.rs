//! Quote posts (FEP-044f) between real instances: a `QuoteRequest` is
//! answered by the post's setting (or the blog's) with an `Accept` carrying
//! a `QuoteAuthorization` served at its id, or a `Reject`; accepted quotes
//! are listed under the post until their author deletes or takes them back,
//! or the blog's author revokes them.

use serde_json::{Value, json};

use crate::{fediverse::Fediverse, peer::Received};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A blog whose posts may be quoted by followers unless a post says
/// otherwise, with three posts: quotable by anyone, by the blog's setting,
/// by nobody.
async fn blog() -> (Fediverse, reqwest::Client) {
    let net = Fediverse::start_with(&[("peer.test", &["alice", "bob"])], &[], |c| {
        c.blog.quote_policy = blog::entities::post::QuotePolicy::Followers;
    })
    .await;
    let admin = net.blog.logged_in_admin().await;
    for (title, quotes) in [("Open", "anyone"), ("Default", ""), ("Mine", "nobody")] {
        net.blog
            .write_post(
                &admin,
                &[("title", title), ("body", "x"), ("quotes", quotes)],
                "publish",
            )
            .await;
    }
    (net, admin)
}

/// `user` publishes a note quoting `post` and asks the blog to allow it;
/// the request's id and the note's.
async fn ask(net: &Fediverse, user: &str, post: &str) -> (String, String) {
    let peer = &net.peers[0];
    let note = peer.note_id();
    peer.publish(&json!({
        "id": note,
        "type": "Note",
        "attributedTo": peer.user(user).id,
        "content": "<p>Worth reading.</p>",
        "quote": post,
        "to": [PUBLIC],
    }));
    let request = format!("{}/quote-requests/{}", peer.base, uuid::Uuid::new_v4());
    peer.send(
        user,
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": request,
            "type": "QuoteRequest",
            "actor": peer.user(user).id,
            "object": post,
            "instrument": note,
        }),
        &net.inbox(),
    )
    .await;
    (request, note)
}

/// The blog's answer to `request`, once it has arrived.
async fn answer_to(net: &Fediverse, request: &str) -> Value {
    let peer = &net.peers[0];
    let started = std::time::Instant::now();
    loop {
        let found = peer
            .received()
            .into_iter()
            .find(|Received { activity, .. }| {
                activity["object"]["id"] == request || activity["object"] == request
            });
        if let Some(found) = found {
            return found.activity;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no answer to {request}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn page(net: &Fediverse, slug: &str) -> String {
    net.blog
        .get_text(&net.blog.client(), &format!("/posts/{slug}"))
        .await
        .1
}

#[tokio::test]
async fn an_allowed_quote_is_accepted_with_an_authorization_served_at_its_id() {
    let (net, _admin) = blog().await;
    let post = net.blog_url("/posts/open");

    let (request, note) = ask(&net, "alice", &post).await;
    let accept = answer_to(&net, &request).await;

    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["actor"], net.blog_url("/users/blog"));
    assert_eq!(accept["object"]["type"], "QuoteRequest");
    assert_eq!(accept["object"]["instrument"], note.as_str());
    let authorization = accept["result"].as_str().expect("a result");
    let path = authorization.trim_start_matches(&net.blog_url(""));
    let (status, _, document) = net.get_json(path).await;
    assert_eq!(status, 200);
    assert_eq!(document["type"], "QuoteAuthorization");
    assert_eq!(document["id"], authorization);
    assert_eq!(document["attributedTo"], net.blog_url("/users/blog"));
    assert_eq!(document["interactingObject"], note.as_str());
    assert_eq!(document["interactionTarget"], post.as_str());
    assert!(
        document["@context"]
            .to_string()
            .contains("044f#QuoteAuthorization")
    );
    let shown = page(&net, "open").await;
    assert!(shown.contains("Quoted by"), "{shown}");
    assert!(shown.contains(&format!("href=\"{note}\"")), "{shown}");
    let (_, _, article) = net.get_json("/posts/open").await;
    assert_eq!(
        article["interactionPolicy"]["canQuote"]["automaticApproval"],
        json!([PUBLIC, net.blog_url("/users/blog")])
    );
}

#[tokio::test]
async fn quote_requests_are_refused_as_the_post_or_the_blog_says() {
    let (net, _admin) = blog().await;
    let peer = &net.peers[0];
    peer.follow("bob", &net.handle()).await;
    peer.wait_for("Accept", 1).await;

    let (stranger, _) = ask(&net, "alice", &net.blog_url("/posts/default")).await;
    let (follower, _) = ask(&net, "bob", &net.blog_url("/posts/default")).await;
    let (nobody, _) = ask(&net, "bob", &net.blog_url("/posts/mine")).await;

    assert_eq!(answer_to(&net, &stranger).await["type"], "Reject");
    assert_eq!(answer_to(&net, &follower).await["type"], "Accept");
    let refused = answer_to(&net, &nobody).await;
    assert_eq!(refused["type"], "Reject");
    assert!(refused.get("result").is_none());
    let (_, _, default) = net.get_json("/posts/default").await;
    assert_eq!(
        default["interactionPolicy"]["canQuote"]["automaticApproval"],
        json!([
            net.blog_url("/users/blog/followers"),
            net.blog_url("/users/blog")
        ]),
        "the blog's setting, followers"
    );
    let (_, _, mine) = net.get_json("/posts/mine").await;
    assert_eq!(
        mine["interactionPolicy"]["canQuote"]["automaticApproval"],
        json!([net.blog_url("/users/blog")])
    );
    assert!(!page(&net, "mine").await.contains("Quoted by"));
}

#[tokio::test]
async fn quotes_go_when_deleted_taken_back_or_revoked_by_the_author() {
    let (net, admin) = blog().await;
    let peer = &net.peers[0];
    let post = net.blog_url("/posts/open");
    let (deleted_request, deleted) = ask(&net, "alice", &post).await;
    let (undone_request, undone) = ask(&net, "alice", &post).await;
    let (revoked_request, revoked) = ask(&net, "bob", &post).await;
    let mut authorizations = Vec::new();
    for request in [&deleted_request, &undone_request, &revoked_request] {
        let accept = answer_to(&net, request).await;
        authorizations.push(accept["result"].as_str().expect("result").to_owned());
    }
    let listed = page(&net, "open").await;
    for note in [&deleted, &undone, &revoked] {
        assert!(listed.contains(note.as_str()), "{listed}");
    }

    peer.send_activity("alice", "Delete", json!(deleted), &net.inbox())
        .await;
    peer.send_activity(
        "alice",
        "Undo",
        json!({ "id": undone_request, "type": "QuoteRequest" }),
        &net.inbox(),
    )
    .await;
    let (_, editor) = net.blog.get_text(&admin, "/admin/posts/1/edit").await;
    let form = editor
        .split("action=\"/admin/posts/1/quotes/")
        .nth(1)
        .expect("a revoke button");
    let quote_id = form.split('/').next().expect("quote id");
    let revoke = format!("/admin/posts/1/quotes/{quote_id}/revoke");
    let response = net
        .blog
        .submit(&admin, "/admin/posts/1/edit", &revoke, &[])
        .await;
    assert_eq!(response.status(), 303);

    let deletes = peer.wait_for("Delete", 1).await;
    let withdrawn = authorizations.last().expect("bob's");
    assert_eq!(deletes[0].activity["object"], withdrawn.as_str());
    assert_eq!(
        deletes[0].activity["to"],
        json!([peer.user("bob").id.to_string()])
    );
    let path = withdrawn.trim_start_matches(&net.blog_url(""));
    assert_eq!(
        net.get_json(path).await.0,
        404,
        "a revoked authorization is gone"
    );
    let first = authorizations[0].trim_start_matches(&net.blog_url(""));
    assert_eq!(net.get_json(first).await.0, 404, "a deleted quote's too");
    let listed = page(&net, "open").await;
    for note in [&deleted, &undone, &revoked] {
        assert!(
            !listed.contains(note.as_str()),
            "{note} still listed: {listed}"
        );
    }
    assert!(!listed.contains("Quoted by"));
}

#[tokio::test]
async fn a_quote_from_a_server_that_does_not_ask_is_listed_when_the_post_allows_it() {
    let (net, _admin) = blog().await;
    let peer = &net.peers[0];
    let misskey_style = |quoted: &str| {
        json!({
            "id": peer.note_id(),
            "type": "Note",
            "attributedTo": peer.user("alice").id,
            "content": "<p>RE: this</p>",
            "quoteUrl": quoted,
            "_misskey_quote": quoted,
            "to": [PUBLIC],
        })
    };
    let allowed = misskey_style(&net.blog_url("/posts/open"));
    let refused = misskey_style(&net.blog_url("/posts/mine"));

    for note in [&allowed, &refused] {
        peer.send_activity("alice", "Create", note.clone(), &net.inbox())
            .await;
    }

    let open = page(&net, "open").await;
    assert!(open.contains(allowed["id"].as_str().expect("id")), "{open}");
    assert!(open.contains("1 quote"), "{open}");
    let mine = page(&net, "mine").await;
    assert!(!mine.contains("Quoted by"), "nobody may quote it: {mine}");
}

/// A post of alice's on the peer, served at its id.
fn alices_post(net: &Fediverse, text: &str) -> String {
    let peer = &net.peers[0];
    let id = peer.note_id();
    peer.publish(&json!({
        "id": id,
        "type": "Note",
        "attributedTo": peer.user("alice").id,
        "content": format!("<p>{text}</p>"),
        "to": [PUBLIC],
    }));
    id
}

#[tokio::test]
async fn the_author_quotes_a_fediverse_post_and_its_author_is_asked() {
    let (net, admin) = blog().await;
    let peer = &net.peers[0];
    peer.follow("bob", &net.handle()).await;
    peer.wait_for("Accept", 1).await;
    let quoted = alices_post(&net, "Libraries are for everyone.");

    let editor = net
        .blog
        .write_post(
            &admin,
            &[
                ("title", "Agreed"),
                ("body", "So true."),
                ("quote", &quoted),
            ],
            "publish",
        )
        .await;
    let requests = peer.wait_for("QuoteRequest", 1).await;
    let request = &requests[0].activity;

    let post = net.blog_url("/posts/agreed");
    assert_eq!(request["object"], quoted.as_str());
    assert_eq!(request["instrument"], post.as_str());
    assert_eq!(request["actor"], net.blog_url("/users/blog"));
    assert_eq!(request["to"], json!([peer.user("alice").id.to_string()]));
    let (_, _, article) = net.get_json("/posts/agreed").await;
    assert_eq!(article["quote"], quoted.as_str());
    assert_eq!(article["_misskey_quote"], quoted.as_str());
    assert!(article.get("quoteAuthorization").is_none());
    let link = article["tag"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["type"] == "Link")
        .expect("the FEP-e232 link");
    assert_eq!(link["href"], quoted.as_str());
    assert!(
        article["content"]
            .as_str()
            .expect("content")
            .contains(&format!("RE: <a href=\"{quoted}\">")),
        "{article}"
    );
    let shown = page(&net, "agreed").await;
    assert!(shown.contains("Libraries are for everyone."), "{shown}");

    let authorization = format!("{}/authorizations/1", peer.base);
    peer.send(
        "alice",
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/accepts/{}", peer.base, uuid::Uuid::new_v4()),
            "type": "Accept",
            "actor": peer.user("alice").id,
            "object": request.clone(),
            "result": authorization,
        }),
        &net.inbox(),
    )
    .await;

    let updates = peer.wait_for("Update", 1).await;
    assert_eq!(
        updates[0].activity["object"]["quoteAuthorization"],
        authorization.as_str(),
        "followers learn the quote is allowed"
    );
    let (_, _, article) = net.get_json("/posts/agreed").await;
    assert_eq!(article["quoteAuthorization"], authorization.as_str());
    let (_, shown) = net.blog.get_text(&admin, &editor).await;
    assert!(shown.contains("allowed the quote."), "{shown}");
}

#[tokio::test]
async fn a_refused_quote_stays_a_link_and_only_the_author_asked_may_answer() {
    let (net, admin) = blog().await;
    let peer = &net.peers[0];
    let quoted = alices_post(&net, "Not for quoting.");
    let editor = net
        .blog
        .write_post(
            &admin,
            &[("title", "Hmm"), ("body", "Well."), ("quote", &quoted)],
            "publish",
        )
        .await;
    let request = peer.wait_for("QuoteRequest", 1).await[0].activity["id"].clone();
    let answer = |user: &str, kind: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/answers/{}", peer.base, uuid::Uuid::new_v4()),
            "type": kind,
            "actor": peer.user(user).id,
            "object": request,
            "result": format!("{}/authorizations/forged", peer.base),
        })
    };

    peer.send("bob", answer("bob", "Accept"), &net.inbox())
        .await;
    let (_, _, article) = net.get_json("/posts/hmm").await;
    assert!(
        article.get("quoteAuthorization").is_none(),
        "bob was not asked"
    );
    peer.send("alice", answer("alice", "Reject"), &net.inbox())
        .await;

    let (_, shown) = net.blog.get_text(&admin, &editor).await;
    assert!(shown.contains("did not allow the quote"), "{shown}");
    let (_, _, article) = net.get_json("/posts/hmm").await;
    assert!(article.get("quote").is_none(), "{article}");
    assert!(
        article["content"]
            .as_str()
            .expect("content")
            .contains(&format!("RE: <a href=\"{quoted}\">"))
    );
}
