//! App tokens do only what their scopes say, and end when the password
//! changes or the user logs out everywhere; the page that shows a new one
//! is never kept by a cache.

use crate::{helpers::TestApp, micropub::token};

/// The status of a Micropub query made with `token`.
async fn query_status(app: &TestApp, token: &str, query: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url(&format!("/micropub?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .status()
        .as_u16()
}

async fn source_of(app: &TestApp, token: &str, path: &str) -> u16 {
    let url: String = url::form_urlencoded::byte_serialize(
        blog::urls::Urls::new(&app.config).absolute(path).as_bytes(),
    )
    .collect();
    query_status(app, token, &format!("q=source&url={url}")).await
}

async fn config_status(app: &TestApp, token: &str) -> u16 {
    query_status(app, token, "q=config").await
}

#[tokio::test]
async fn a_token_that_may_only_upload_images_cannot_read_drafts() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(
        &admin,
        &[("title", "Private plans"), ("body", "Secret")],
        "draft",
    )
    .await;
    let media_only = token(&app, &admin, &["media"]).await;
    let delete_only = token(&app, &admin, &["delete"]).await;
    let writer = token(&app, &admin, &["update"]).await;

    assert_eq!(
        source_of(&app, &media_only, "/posts/private-plans").await,
        401
    );
    assert_eq!(
        source_of(&app, &delete_only, "/posts/private-plans").await,
        401
    );
    assert_eq!(source_of(&app, &writer, "/posts/private-plans").await, 200);
}

#[tokio::test]
async fn changing_the_password_revokes_every_app_token() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let secret = token(&app, &admin, &["create"]).await;
    assert_eq!(config_status(&app, &secret).await, 200);

    let changed = app
        .submit(
            &admin,
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", crate::helpers::PASSWORD),
                ("new_password", "another long password"),
                ("confirm_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);

    assert_eq!(config_status(&app, &secret).await, 403);
    let (_, account) = app
        .get_text(&admin, &crate::helpers::location(&changed))
        .await;
    assert!(account.contains("app tokens revoked"), "{account}");
    assert!(
        !account.contains("Writing app"),
        "no token is listed any more"
    );
}

#[tokio::test]
async fn logging_out_everywhere_revokes_every_app_token() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let secret = token(&app, &admin, &["create"]).await;

    let response = app
        .submit(
            &admin,
            "/admin/account",
            "/admin/account/logout-everywhere",
            &[],
        )
        .await;
    assert_eq!(response.status(), 303);

    assert_eq!(config_status(&app, &secret).await, 403);
}

#[tokio::test]
async fn the_page_showing_a_new_token_is_never_cached() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;

    let response = app
        .submit(
            &admin,
            "/admin/account",
            "/admin/account/tokens",
            &[("name", "Phone"), ("scope", "create")],
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response
            .text()
            .await
            .expect("page")
            .contains("value=\"blog_")
    );
}
