use crate::helpers::TestApp;

#[tokio::test]
async fn posts_and_logins_survive_a_restart() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    app.write_post(
        &client,
        &[
            ("title", "Still here"),
            ("body", "After the restart."),
            ("tags", "durable"),
        ],
        "publish",
    )
    .await;
    app.write_post(
        &client,
        &[("title", "Half written"), ("body", "Draft.")],
        "draft",
    )
    .await;
    let cookies = app.get(&client, "/admin").await;
    assert_eq!(cookies.status(), 200);

    let app = app.restart().await;

    let (status, page) = app.get_text(&app.client(), "/posts/still-here").await;
    assert_eq!(status, 200);
    assert!(page.contains("After the restart."));
    assert_eq!(app.get(&app.client(), "/tags/durable").await.status(), 200);
    // The session lives in the database, so the author stays logged in; the
    // cookie jar is keyed by host, which a restart on another port keeps.
    let (status, admin) = app.get_text(&client, "/admin").await;
    assert_eq!(status, 200, "{admin}");
    assert!(admin.contains("Half written"));
}

#[tokio::test]
async fn a_form_loaded_before_a_restart_can_be_submitted_after_it() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let (_, page) = app.get_text(&client, "/admin/posts/new").await;
    let token = crate::helpers::csrf_token(&page);

    let app = app.restart().await;
    let response = client
        .post(app.url("/admin/posts/new"))
        .form(&[
            ("authenticity_token", token.as_str()),
            ("title", "Typed before"),
            ("body", "x"),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 303, "{:?}", response.text().await);
}
