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

#[tokio::test]
async fn shutting_down_finishes_a_request_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut app = TestApp::spawn().await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let body = "username=alice&password=unfinished";
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    stream
        .write_all(&body.as_bytes()[..10])
        .await
        .expect("half the body");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    app.signal_shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stream
        .write_all(&body.as_bytes()[10..])
        .await
        .expect("the rest");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");

    // Without the CSRF token the answer is 403, but it is an answer.
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    app.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "the server has stopped"
    );
}

#[tokio::test]
async fn a_post_and_its_deliveries_are_saved_together_or_not_at_all() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    app.add_follower(
        "https://social.example/users/reader",
        "https://social.example/inbox",
    )
    .await;
    // Make writing any delivery fail, as a full disk or a lost connection would.
    let statements: &[&str] = if app.store.is_postgres() {
        &[
            "CREATE FUNCTION refuse_delivery() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_delivery BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION refuse_delivery()",
        ]
    } else {
        &[
            "CREATE TRIGGER refuse_delivery BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ]
    };
    for sql in statements {
        app.db.execute_unprepared(sql).await.expect("trigger");
    }
    let admin = app.logged_in_admin().await;
    let posts_before = blog::entities::post::Entity::find()
        .count(&app.db)
        .await
        .expect("count");

    let response = app
        .submit(
            &admin,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "All or nothing"),
                ("body", "x"),
                ("action", "publish"),
            ],
        )
        .await;

    assert_eq!(response.status(), 500);
    let posts_after = blog::entities::post::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(
        posts_after, posts_before,
        "the post was not saved without its deliveries"
    );
    assert_eq!(
        app.get(&app.client(), "/posts/all-or-nothing")
            .await
            .status(),
        404
    );
}
