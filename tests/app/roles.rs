//! Two kinds of user: authors write and manage their own posts and images
//! and answer comments on them; admins also moderate, block, manage every
//! post and the followers. Every admin route is tried with each role.

use blog::web::access::{Access, RULES};
use serde_json::json;

use crate::{
    fediverse::Fediverse,
    helpers::{TestApp, csrf_token, location, post_id},
};

/// Every guarded route and the role it needs, decided here a second time:
/// a route added to the server without a rule is refused to everyone, and
/// a rule that differs from this table fails below.
const EXPECTED: &[(&str, &str, Access)] = &[
    ("GET", "/admin", Access::Author),
    ("GET", "/admin/posts/new", Access::Author),
    ("POST", "/admin/posts/new", Access::Author),
    ("GET", "/admin/posts/{id}/edit", Access::Author),
    ("POST", "/admin/posts/{id}/edit", Access::Author),
    ("GET", "/admin/posts/{id}/delete", Access::Author),
    (
        "POST",
        "/admin/posts/{id}/quotes/{quote}/revoke",
        Access::Author,
    ),
    ("GET", "/admin/media", Access::Author),
    ("POST", "/admin/media", Access::Author),
    ("GET", "/admin/account", Access::Author),
    ("POST", "/admin/account/password", Access::Author),
    ("POST", "/admin/account/tokens", Access::Author),
    ("POST", "/admin/account/fediverse", Access::Author),
    ("POST", "/admin/account/tokens/{id}/revoke", Access::Author),
    ("GET", "/admin/comments", Access::Author),
    ("POST", "/admin/comments", Access::Admin),
    ("GET", "/admin/comments/{id}/reply", Access::Author),
    ("POST", "/admin/comments/{id}/reply", Access::Author),
    ("GET", "/admin/blocks", Access::Admin),
    ("POST", "/admin/blocks", Access::Admin),
    ("POST", "/admin/blocks/{id}/delete", Access::Admin),
    ("GET", "/admin/reports", Access::Admin),
    ("POST", "/admin/reports/{id}/resolve", Access::Admin),
    ("GET", "/admin/comments/{id}/report", Access::Admin),
    ("POST", "/admin/comments/{id}/report", Access::Admin),
    ("POST", "/admin/blocks/import", Access::Admin),
    ("POST", "/admin/blocks/import/apply", Access::Admin),
    ("GET", "/admin/blocks/export.csv", Access::Admin),
    ("GET", "/admin/fediverse", Access::Admin),
    ("GET", "/admin/fediverse/followers.csv", Access::Admin),
    ("POST", "/admin/fediverse/aliases", Access::Admin),
    ("POST", "/admin/fediverse/move", Access::Admin),
    ("GET", "/micropub", Access::Token),
    ("POST", "/micropub", Access::Token),
    ("POST", "/micropub/media", Access::Token),
    // These two end what they are asked on: tried last.
    ("POST", "/admin/posts/{id}/delete", Access::Author),
    ("POST", "/admin/account/logout-everywhere", Access::Author),
];

#[test]
fn every_guarded_route_has_the_rule_this_table_expects() {
    let mut server: Vec<_> = RULES.to_vec();
    let mut here: Vec<_> = EXPECTED.to_vec();
    let key = |r: &(&str, &str, Access)| (r.1.to_owned(), r.0.to_owned());
    server.sort_by_key(key);
    here.sort_by_key(key);
    assert_eq!(
        server, here,
        "web::access::RULES and this table must list the same routes with the same roles"
    );
}

/// What one user's requests put in the `{id}` of each path.
struct Ids {
    post: i32,
    doomed_post: i32,
    comment: i32,
    token: i32,
    block: i32,
}

impl Ids {
    fn fill(&self, path: &str) -> String {
        let id = match path {
            p if p.starts_with("/admin/posts/") && p.ends_with("/delete") => self.doomed_post,
            p if p.starts_with("/admin/posts/") => self.post,
            p if p.starts_with("/admin/comments/") => self.comment,
            p if p.starts_with("/admin/account/tokens/") => self.token,
            p if p.starts_with("/admin/blocks/") => self.block,
            _ => 0,
        };
        // No quote is there to revoke: a guard that lets the request
        // through is answered 404.
        path.replace("{id}", &id.to_string())
            .replace("{quote}", "0")
    }
}

/// How the server answered one request, as the guard sees it.
#[derive(Debug, PartialEq)]
enum Answer {
    /// Sent to the login form.
    Login,
    Forbidden,
    /// No or a wrong token.
    NoToken,
    /// Let through to the page (whatever it then said).
    Through(u16),
}

async fn try_route(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: Option<&str>,
    bearer: Option<&str>,
    method: &str,
    path: &str,
) -> Answer {
    let url = if path == "/micropub" && method == "GET" {
        app.url("/micropub?q=config")
    } else {
        app.url(path)
    };
    let mut request = match method {
        "GET" => client.get(&url),
        _ => {
            let fields: Vec<(&str, &str)> = csrf
                .map(|token| vec![("authenticity_token", token)])
                .unwrap_or_default();
            client.post(&url).form(&fields)
        }
    };
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let to = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match status {
        303 if to.starts_with("/login?next=") => Answer::Login,
        403 => {
            let body = response.text().await.unwrap_or_default();
            if body.contains("token") && path.starts_with("/micropub") {
                Answer::NoToken
            } else {
                Answer::Forbidden
            }
        }
        401 => Answer::NoToken,
        other => Answer::Through(other),
    }
}

/// A user's own things for the table: posts, a comment on one, a token.
async fn own_things(app: &TestApp, client: &reqwest::Client, name: &str) -> (Ids, String) {
    let title = format!("{name} writes");
    let editor = app
        .write_post(client, &[("title", &title), ("body", "x")], "publish")
        .await;
    let post = post_id(&editor);
    let doomed = post_id(
        &app.write_post(
            client,
            &[("title", &format!("{name} deletes")), ("body", "x")],
            "draft",
        )
        .await,
    );
    let slug = title.replace(' ', "-");
    let actor = app
        .remote_actor(
            &format!("https://social.example/users/reader-of-{name}"),
            "https://social.example/inbox",
        )
        .await;
    let comment = store_reply(app, &actor, &slug).await;
    let token = crate::micropub::token(app, client, &["create", "update", "media"]).await;
    // A second token, the one the revoke route takes away.
    crate::micropub::token(app, client, &["media"]).await;
    let token_id = token_id(app, client).await;
    let ids = Ids {
        post,
        doomed_post: doomed,
        comment,
        token: token_id,
        block: 0,
    };
    (ids, token)
}

async fn store_reply(app: &TestApp, actor: &blog::entities::actor::Model, slug: &str) -> i32 {
    use blog::services::comments::{self, Received};
    let reply = crate::helpers::reply_to_post(
        &format!("{}/notes/{}", actor.ap_id, uuid::Uuid::new_v4()),
        slug,
        "<p>A thought</p>",
    );
    let policy = blog::config::ModerationConfig {
        policy: blog::config::ModerationPolicy::Open,
        ..Default::default()
    };
    match comments::receive(&app.db, actor, reply, &policy)
        .await
        .expect("stored")
    {
        Received::Stored(comment) => comment.id,
        other => panic!("not stored: {other:?}"),
    }
}

/// The id of the newest token on the account page.
async fn token_id(app: &TestApp, client: &reqwest::Client) -> i32 {
    let (_, page) = app.get_text(client, "/admin/account").await;
    let marker = "/admin/account/tokens/";
    let start = page.find(marker).expect("a token on the page") + marker.len();
    let end = page[start..].find('/').expect("end") + start;
    page[start..end].parse().expect("token id")
}

#[tokio::test]
async fn every_admin_route_admits_exactly_the_roles_it_names() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("ada", true).await;
    let author = app.logged_in("otto", false).await;
    let (mut admin_ids, admin_token) = own_things(&app, &admin, "ada").await;
    let (author_ids, author_token) = own_things(&app, &author, "otto").await;
    let response = app
        .submit(
            &admin,
            "/admin/blocks",
            "/admin/blocks",
            &[("domain", "spam.example")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, blocks) = app.get_text(&admin, "/admin/blocks").await;
    let start = blocks.find("/admin/blocks/").expect("the block") + "/admin/blocks/".len();
    admin_ids.block = blocks[start..start + blocks[start..].find('/').expect("end")]
        .parse()
        .expect("block id");
    let author_ids = Ids {
        block: admin_ids.block,
        ..author_ids
    };
    let anonymous = app.client();
    let csrf = |page: String| csrf_token(&page);
    let admin_csrf = csrf(app.get_text(&admin, "/admin/account").await.1);
    let author_csrf = csrf(app.get_text(&author, "/admin/account").await.1);

    for (method, pattern, access) in EXPECTED {
        let anon = try_route(
            &app,
            &anonymous,
            None,
            None,
            method,
            &admin_ids.fill(pattern),
        )
        .await;
        let expected_anon = match access {
            Access::Token => Answer::NoToken,
            _ => Answer::Login,
        };
        assert_eq!(anon, expected_anon, "anonymous {method} {pattern}");

        for (who, client, csrf, token, ids, is_admin) in [
            (
                "author",
                &author,
                &author_csrf,
                &author_token,
                &author_ids,
                false,
            ),
            ("admin", &admin, &admin_csrf, &admin_token, &admin_ids, true),
        ] {
            let bearer = (*access == Access::Token).then_some(token.as_str());
            let answer =
                try_route(&app, client, Some(csrf), bearer, method, &ids.fill(pattern)).await;
            let allowed = is_admin || *access != Access::Admin;
            if allowed {
                assert!(
                    matches!(answer, Answer::Through(_)),
                    "{who} {method} {pattern} should be let through: {answer:?}"
                );
            } else {
                assert_eq!(answer, Answer::Forbidden, "{who} {method} {pattern}");
            }
        }
    }
}

#[tokio::test]
async fn an_author_manages_only_their_own_posts_images_and_comments() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("ada", true).await;
    let author = app.logged_in("otto", false).await;
    let (admin_ids, _) = own_things(&app, &admin, "ada").await;
    let (author_ids, _) = own_things(&app, &author, "otto").await;

    // The list shows only the author's posts; the admin's all.
    let (_, mine) = app.get_text(&author, "/admin").await;
    assert!(
        mine.contains("otto writes") && !mine.contains("ada writes"),
        "{mine}"
    );
    let (_, all) = app.get_text(&admin, "/admin").await;
    assert!(
        all.contains("otto writes") && all.contains("ada writes"),
        "{all}"
    );

    // Someone else's post cannot be opened, changed or deleted.
    for path in [
        format!("/admin/posts/{}/edit", admin_ids.post),
        format!("/admin/posts/{}/delete", admin_ids.post),
    ] {
        assert_eq!(app.get(&author, &path).await.status(), 403, "{path}");
    }
    let changed = app
        .submit(
            &author,
            "/admin/account",
            &format!("/admin/posts/{}/edit", admin_ids.post),
            &[
                ("title", "Taken over"),
                ("body", "x"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 403);
    let deleted = app
        .submit(
            &author,
            "/admin/account",
            &format!("/admin/posts/{}/delete", admin_ids.post),
            &[],
        )
        .await;
    assert_eq!(deleted.status(), 403);
    let (status, page) = app.get_text(&app.client(), "/posts/ada-writes").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Taken over"));

    // Comments: the author sees and answers those on their own posts only.
    let (_, comments) = app.get_text(&author, "/admin/comments").await;
    assert!(comments.contains("otto writes") && !comments.contains("ada writes"));
    assert!(
        !comments.contains("name=\"action\""),
        "no moderation for authors"
    );
    let foreign = format!("/admin/comments/{}/reply", admin_ids.comment);
    assert_eq!(app.get(&author, &foreign).await.status(), 403);
    let answered = app
        .submit(
            &author,
            &format!("/admin/comments/{}/reply", author_ids.comment),
            &format!("/admin/comments/{}/reply", author_ids.comment),
            &[("body", "Thank you for reading")],
        )
        .await;
    assert_eq!(answered.status(), 303);
    let (_, post) = app.get_text(&app.client(), "/posts/otto-writes").await;
    assert!(post.contains("Thank you for reading"), "{post}");

    // The admin may still change the author's post.
    let edited = app
        .submit(
            &admin,
            &format!("/admin/posts/{}/edit", author_ids.post),
            &format!("/admin/posts/{}/edit", author_ids.post),
            &[
                ("title", "otto writes"),
                ("body", "Edited by the admin"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);
    let moderated = app
        .submit(
            &author,
            "/admin/account",
            "/admin/comments",
            &[
                ("action", "delete"),
                ("ids", &author_ids.comment.to_string()),
            ],
        )
        .await;
    assert_eq!(moderated.status(), 403, "authors do not moderate");
}

#[tokio::test]
async fn an_author_sees_only_their_own_images() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("ada", true).await;
    let author = app.logged_in("otto", false).await;
    let upload = |client: reqwest::Client, alt: &'static str| {
        let app = &app;
        async move {
            let (_, page) = app.get_text(&client, "/admin/media").await;
            let form = reqwest::multipart::Form::new()
                .text("authenticity_token", csrf_token(&page))
                .text("image_alt", alt)
                .part(
                    "image",
                    reqwest::multipart::Part::bytes(crate::media::png_with_transparency())
                        .file_name("x.png")
                        .mime_str("image/png")
                        .expect("mime"),
                );
            let response = client
                .post(app.url("/admin/media"))
                .multipart(form)
                .send()
                .await
                .expect("upload");
            assert_eq!(response.status(), 303, "{alt}");
        }
    };
    upload(admin.clone(), "Picture by the admin").await;
    upload(author.clone(), "Picture by the author").await;

    let (_, mine) = app.get_text(&author, "/admin/media").await;
    let (_, all) = app.get_text(&admin, "/admin/media").await;

    assert!(mine.contains("Picture by the author") && !mine.contains("Picture by the admin"));
    assert!(all.contains("Picture by the author") && all.contains("Picture by the admin"));
}

#[tokio::test]
async fn an_authors_app_token_changes_only_the_authors_posts() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("ada", true).await;
    let author = app.logged_in("otto", false).await;
    app.write_post(&admin, &[("title", "Policy"), ("body", "Rules")], "draft")
        .await;
    let token = crate::micropub::token(&app, &author, &["create", "update", "delete"]).await;
    let policy = blog::urls::Urls::new(&app.config).absolute("/posts/policy");
    let send = |body: serde_json::Value| {
        reqwest::Client::new()
            .post(app.url("/micropub"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let created = send(
        json!({ "type": ["h-entry"], "properties": { "name": ["Mine"], "content": ["Words"] } }),
    )
    .await
    .expect("POST");
    let update = send(
        json!({ "action": "update", "url": policy, "replace": { "content": ["Vandalised"] } }),
    )
    .await
    .expect("POST");
    let delete = send(json!({ "action": "delete", "url": policy }))
        .await
        .expect("POST");
    let encoded: String = url::form_urlencoded::byte_serialize(policy.as_bytes()).collect();
    let source = reqwest::Client::new()
        .get(app.url(&format!("/micropub?q=source&url={encoded}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");

    assert_eq!(created.status(), 201);
    assert_eq!(update.status(), 403);
    assert_eq!(delete.status(), 403);
    assert_eq!(source.status(), 403, "not even its draft can be read");
    let (_, list) = app.get_text(&admin, "/admin").await;
    assert!(list.contains("Policy"));
    let editor = app
        .get_text(
            &admin,
            &format!("/admin/posts/{}/edit", post_id_of(&list, "Policy")),
        )
        .await
        .1;
    assert!(editor.contains("Rules") && !editor.contains("Vandalised"));
}

/// The id of the post titled `title` in the admin list.
fn post_id_of(list: &str, title: &str) -> i32 {
    let at = list.find(title).expect("post in the list");
    let before = &list[..at];
    let marker = "/admin/posts/";
    let start = before.rfind(marker).expect("its link") + marker.len();
    let end = before[start..].find('/').expect("end") + start;
    before[start..end].parse().expect("id")
}

#[tokio::test]
async fn the_fediverse_page_and_blocks_are_for_admins() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let author = net.blog.logged_in("otto", false).await;

    let (status, page) = net.blog.get_text(&author, "/admin/fediverse").await;
    assert_eq!(status, 403);
    assert!(page.contains("This page is for the blog"), "{page}");
    let (_, nav) = net.blog.get_text(&author, "/admin").await;
    assert!(
        !nav.contains("href=\"/admin/fediverse\""),
        "not offered to authors"
    );
    let blocked = net
        .blog
        .submit(
            &author,
            "/admin/account",
            "/admin/blocks",
            &[("domain", "peer.test")],
        )
        .await;
    assert_eq!(blocked.status(), 403);
    let follow = net.peers[0].follow("alice", &net.handle()).await;
    assert!(!follow.is_empty());
    let (_, _, body) = net.get_json("/users/blog/followers").await;
    assert_eq!(body["totalItems"], 1, "the author's block did nothing");
}

#[tokio::test]
async fn the_command_line_says_which_role_it_made_and_changes_it() {
    use std::io::Write;
    let db = crate::helpers::TestDb::new().await;
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = crate::cli::blog(&db).args(args).spawn().expect("run blog");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write");
        }
        let output = child.wait_with_output().expect("blog finishes");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    let (ok, out, err) = run(
        &["user", "add", "ada", "--admin"],
        Some("a long enough password\n"),
    );
    assert!(ok && out.contains("created admin ada"), "{out}{err}");
    let (ok, out, err) = run(&["user", "add", "otto"], Some("a long enough password\n"));
    assert!(ok && out.contains("created author otto"), "{out}{err}");

    let (ok, out, err) = run(&["user", "role", "otto", "admin"], None);
    assert!(ok && out.contains("otto is now an admin"), "{out}{err}");
    let (ok, out, _) = run(&["user", "role", "ada", "author"], None);
    assert!(ok && out.contains("ada is now an author"), "{out}");
    let (ok, _, err) = run(&["user", "role", "otto", "author"], None);
    assert!(
        !ok && err.contains("only admin"),
        "the last admin stays: {err}"
    );
    let (ok, _, err) = run(&["user", "role", "otto", "owner"], None);
    assert!(!ok && err.contains("use admin or author"), "{err}");
    let (ok, _, err) = run(&["user", "role", "nobody", "admin"], None);
    assert!(!ok && err.contains("no user called nobody"), "{err}");

    let conn = blog::app::connect(&crate::cli::config_for(&db))
        .await
        .expect("connect");
    let otto = blog::services::users::find_by_username(&conn, "otto")
        .await
        .expect("query")
        .expect("otto");
    let ada = blog::services::users::find_by_username(&conn, "ada")
        .await
        .expect("query")
        .expect("ada");
    assert!(otto.is_admin && !ada.is_admin);
}

#[tokio::test]
async fn the_login_redirect_keeps_where_the_user_was_going() {
    let app = TestApp::spawn().await;
    let response = app.get(&app.client(), "/admin/comments?status=spam").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/login?next=%2Fadmin%2Fcomments%3Fstatus%3Dspam"
    );
}
