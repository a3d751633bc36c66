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
