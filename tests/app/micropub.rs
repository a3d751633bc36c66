//! Publishing from apps through Micropub, with tokens from the account page.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{fediverse::Fediverse, helpers::TestApp};

/// Makes a token on the account page and reads it off the page.
pub(crate) async fn token(app: &TestApp, admin: &reqwest::Client, scopes: &[&str]) -> String {
    let mut fields = vec![("name", "Writing app")];
    fields.extend(scopes.iter().map(|s| ("scope", *s)));
    let response = app
        .submit(admin, "/admin/account", "/admin/account/tokens", &fields)
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("page");
    let start = page.find("value=\"blog_").expect("the new token") + 7;
    let end = page[start..].find('"').expect("end") + start;
    page[start..end].to_owned()
}

fn endpoint(app: &TestApp) -> String {
    app.url("/micropub")
}

async fn create_form(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .post(endpoint(app))
        .bearer_auth(token)
        .form(fields)
        .send()
        .await
        .expect("POST")
}

async fn send_json(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(endpoint(app))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST")
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON error"))
}

/// The post path in a `Location` that names this blog.
fn path_of(app: &TestApp, response: &reqwest::Response) -> String {
    let location = crate::helpers::location(response);
    location
        .strip_prefix(&blog::urls::Urls::new(&app.config).absolute(""))
        .expect("a post on this blog")
        .to_owned()
}

#[tokio::test]
async fn tokens_are_shown_once_used_by_apps_and_revoked_on_the_account_page() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let (_, home) = app.get_text(&app.client(), "/").await;
    assert!(home.contains(&format!(
        r#"<link rel="micropub" href="{}">"#,
        blog::urls::Urls::new(&app.config).absolute("/micropub")
    )));

    let secret = token(&app, &admin, &["create", "update"]).await;

    let (_, account) = app.get_text(&admin, "/admin/account").await;
    assert!(account.contains("Writing app") && account.contains("create, update"));
    assert!(!account.contains(&secret), "shown only once");
    let config = reqwest::Client::new()
        .get(app.url("/micropub?q=config"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("GET");
    assert_eq!(config.status(), 200);
    assert_eq!(config.headers()["cache-control"], "no-store");
    let config: Value = config.json().await.expect("JSON");
    assert_eq!(config["media-endpoint"], app.url("/micropub/media"));
    let (_, account) = app.get_text(&admin, "/admin/account").await;
    assert!(!account.contains(">never<"), "last use is shown");

    let id = {
        let start = account.find("/admin/account/tokens/").expect("revoke form") + 22;
        account[start..].split('/').next().expect("id").to_owned()
    };
    let revoke = format!("/admin/account/tokens/{id}/revoke");
    let response = app.submit(&admin, "/admin/account", &revoke, &[]).await;
    assert_eq!(response.status(), 303);

    let (status, error) = error_of(
        reqwest::Client::new()
            .get(app.url("/micropub?q=config"))
            .bearer_auth(&secret)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!((status, error["error"].as_str()), (403, Some("forbidden")));
    let refused = app
        .submit(
            &admin,
            "/admin/account",
            "/admin/account/tokens",
            &[("name", "Nothing allowed")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("page").contains("at least one"));
}

#[tokio::test]
async fn a_post_from_an_app_is_published_and_federated_like_one_from_the_editor() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    net.peers[0].follow("alice", &net.handle()).await;
    net.peers[0].wait_for("Accept", 1).await;
    let admin = net.blog.logged_in_admin().await;
    let secret = token(&net.blog, &admin, &["create"]).await;

    let response = create_form(
        &net.blog,
        &secret,
        &[
            ("h", "entry"),
            ("name", "Written on the Train"),
            ("content", "Typed on a *phone*."),
            ("category[]", "travel"),
            ("category[]", "writing"),
            ("mp-slug", "train"),
        ],
    )
    .await;

    assert_eq!(response.status(), 201);
    let path = path_of(&net.blog, &response);
    assert_eq!(path, "/posts/train");
    let (status, page) = net.blog.get_text(&net.blog.client(), &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("<em>phone</em>"));
    let creates = net.peers[0].wait_for("Create", 1).await;
    let article = &creates[0].activity["object"];
    assert_eq!(article["name"], "Written on the Train");
    let tags: Vec<&str> = article["tag"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, ["#travel", "#writing"]);
}

#[tokio::test]
async fn json_drafts_with_html_and_photos_are_edited_published_and_read_back() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let secret = token(&app, &admin, &["create", "update"]).await;

    let response = send_json(
        &app,
        &secret,
        json!({
            "type": ["h-entry"],
            "properties": {
                "name": ["Autumn Reading"],
                "content": [{"html": "<p>Three <strong>good</strong> books.</p><ul><li>One</li></ul>"}],
                "post-status": ["draft"],
                "photo": [{"value": "https://images.example/leaves.jpg", "alt": "Red leaves"}]
            }
        }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let path = path_of(&app, &response);
    let url = blog::urls::Urls::new(&app.config).absolute(&path);
    assert_eq!(app.get_text(&app.client(), &path).await.0, 404, "a draft");
    let source = |properties: &'static str| {
        let url = url.clone();
        let secret = secret.clone();
        let app_url = app.url("/micropub");
        async move {
            let mut address = url::Url::parse(&app_url).expect("URL");
            address
                .query_pairs_mut()
                .append_pair("q", "source")
                .append_pair("url", &url);
            for property in properties.split(',').filter(|p| !p.is_empty()) {
                address
                    .query_pairs_mut()
                    .append_pair("properties[]", property);
            }
            reqwest::Client::new()
                .get(address)
                .bearer_auth(secret)
                .send()
                .await
                .expect("GET")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    let read = source("").await;
    assert_eq!(read["type"][0], "h-entry");
    let content = read["properties"]["content"][0].as_str().expect("Markdown");
    assert!(content.contains("**good**"), "{content}");
    assert!(
        content.contains("![Red leaves](https://images.example/leaves.jpg)"),
        "{content}"
    );
    assert_eq!(read["properties"]["post-status"][0], "draft");

    let updated = send_json(
        &app,
        &secret,
        json!({
            "action": "update",
            "url": url,
            "replace": {
                "post-status": ["published"],
                "name": ["Autumn Reading List"],
                "published": ["2025-10-01T08:00:00+02:00"]
            },
            "add": {"category": ["books"]}
        }),
    )
    .await;

    assert_eq!(updated.status(), 204);
    let (status, page) = app.get_text(&app.client(), &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Autumn Reading List"));
    assert!(page.contains("<strong>good</strong>"));
    assert!(page.contains(r#"alt="Red leaves""#));
    assert!(page.contains("1 October 2025"), "backdated: {page}");
    let picked = source("name,category").await;
    assert_eq!(
        picked,
        json!({"properties": {"name": ["Autumn Reading List"], "category": ["books"]}})
    );
}

#[tokio::test]
async fn requests_without_the_right_token_or_scope_or_with_mistakes_are_refused_with_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let create_only = token(&app, &admin, &["create"]).await;
    let everything = token(&app, &admin, &["create", "update", "delete", "media"]).await;
    let made = create_form(&app, &create_only, &[("content", "A note without a name.")]).await;
    assert_eq!(made.status(), 201);
    let url = crate::helpers::location(&made);
    let path = path_of(&app, &made);
    let (_, page) = app.get_text(&app.client(), &path).await;
    assert!(
        page.contains("A note without a name"),
        "titled by its words"
    );

    let anonymous = reqwest::Client::new()
        .post(endpoint(&app))
        .form(&[("content", "x")])
        .send()
        .await
        .expect("POST");
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let cases: Vec<(reqwest::Response, u16, &str, &str)> = vec![
        (anonymous, 401, "unauthorized", "Bearer"),
        (
            create_form(&app, "blog_forged", &[("content", "x")]).await,
            403,
            "forbidden",
            "not valid",
        ),
        (
            send_json(&app, &create_only, json!({"action": "delete", "url": url})).await,
            401,
            "insufficient_scope",
            "may not delete",
        ),
        (
            reqwest::Client::new()
                .post(endpoint(&app))
                .bearer_auth(&everything)
                .header("content-type", "application/json")
                .body("{\"type\": [")
                .send()
                .await
                .expect("POST"),
            400,
            "invalid_request",
            "JSON",
        ),
        (
            create_form(
                &app,
                &everything,
                &[("content", "x"), ("photo", "https://i.example/a.jpg")],
            )
            .await,
            400,
            "invalid_request",
            "alt",
        ),
        (
            create_form(
                &app,
                &everything,
                &[("content", "x"), ("published", "yesterday")],
            )
            .await,
            400,
            "invalid_request",
            "ISO 8601",
        ),
        (
            send_json(
                &app,
                &everything,
                json!({"action": "update", "url": "https://elsewhere.example/posts/x"}),
            )
            .await,
            400,
            "invalid_request",
            "not a post on this blog",
        ),
    ];
    for (response, status, code, words) in cases {
        let (got, body) = error_of(response).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        let description = body["error_description"].as_str().expect("description");
        assert!(description.contains(words), "{description}");
    }

    let deleted = send_json(&app, &everything, json!({"action": "delete", "url": url})).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get_text(&app.client(), &path).await.0, 410);
}

fn jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        48,
        32,
        image::Rgb([10, 120, 40]),
    ))
    .write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .expect("encode");
    out
}

#[tokio::test]
async fn photos_sent_as_files_or_to_the_media_endpoint_are_stored_like_uploads() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let secret = token(&app, &admin, &["create", "media"]).await;

    let form = Form::new()
        .text("h", "entry")
        .text("name", "Green")
        .text("content", "A green square.")
        .text("mp-photo-alt", "A green square")
        .part("photo", Part::bytes(jpeg()).file_name("green.jpg"));
    let made = reqwest::Client::new()
        .post(endpoint(&app))
        .bearer_auth(&secret)
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(made.status(), 201);
    let (_, page) = app.get_text(&app.client(), &path_of(&app, &made)).await;
    assert!(page.contains(r#"alt="A green square""#), "{page}");
    assert!(page.contains("-48x32.jpg"));

    let uploaded = reqwest::Client::new()
        .post(app.url("/micropub/media"))
        .bearer_auth(&secret)
        .multipart(Form::new().part("file", Part::bytes(jpeg()).file_name("g.jpg")))
        .send()
        .await
        .expect("POST");
    assert_eq!(uploaded.status(), 201);
    let image_url = crate::helpers::location(&uploaded);
    assert!(image_url.starts_with(&blog::urls::Urls::new(&app.config).absolute("/media/")));
    let fetched = reqwest::get(&image_url).await.expect("GET");
    assert_eq!(fetched.headers()["content-type"], "image/jpeg");

    let without_alt = reqwest::Client::new()
        .post(endpoint(&app))
        .bearer_auth(&secret)
        .multipart(
            Form::new()
                .text("content", "x")
                .part("photo", Part::bytes(jpeg()).file_name("g.jpg")),
        )
        .send()
        .await
        .expect("POST");
    let (status, error) = error_of(without_alt).await;
    assert_eq!(status, 400);
    assert!(
        error["error_description"]
            .as_str()
            .expect("text")
            .contains("mp-photo-alt")
    );
}
