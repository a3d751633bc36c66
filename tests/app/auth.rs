use crate::helpers::{PASSWORD, TestApp, csrf_token, location};

#[tokio::test]
async fn a_new_install_says_on_the_login_page_how_to_make_the_first_admin() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let (status, page) = app.get_text(&client, "/login").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"id="no-admin""#), "{page}");
    assert!(page.contains("blog user add NAME --admin"), "{page}");

    // An author alone cannot make anyone an admin: the hint stays.
    app.add_user("otto", false).await;
    let (_, page) = app.get_text(&client, "/login").await;
    assert!(page.contains(r#"id="no-admin""#), "{page}");

    app.add_user("alice", true).await;
    let (_, page) = app.get_text(&client, "/login").await;
    assert!(!page.contains("no-admin"), "{page}");
    let refused = app
        .submit(
            &client,
            "/login",
            "/login",
            &[("username", "alice"), ("password", "not the password")],
        )
        .await;
    assert_eq!(refused.status(), 401);
    assert!(!refused.text().await.expect("body").contains("no-admin"));
}

#[tokio::test]
async fn the_right_password_logs_in_and_opens_the_admin() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();

    let response = app
        .submit(
            &client,
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin");
    let (status, page) = app.get_text(&client, "/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("Log out (alice)"), "{page}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_admin_stays_closed() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();

    let response = app
        .submit(
            &client,
            "/login",
            "/login",
            &[("username", "alice"), ("password", "not the password")],
        )
        .await;

    assert_eq!(response.status(), 401);
    let page = response.text().await.expect("body");
    assert!(page.contains("Wrong username or password."), "{page}");
    assert!(
        page.contains(r#"value="alice""#),
        "the username is kept: {page}"
    );
    let response = app.get(&client, "/admin").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=%2Fadmin");
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = TestApp::spawn().await;
    let client = app.client();

    let response = app
        .submit(
            &client,
            "/login",
            "/login",
            &[("username", "nobody"), ("password", PASSWORD)],
        )
        .await;

    assert_eq!(response.status(), 401);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Wrong username or password.")
    );
}

#[tokio::test]
async fn a_login_without_the_csrf_token_is_forbidden() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();
    app.get(&client, "/login").await;

    let response = client
        .post(app.url("/login"))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("did not come from this site")
    );
    assert_eq!(
        app.get(&client, "/admin").await.status(),
        303,
        "still logged out"
    );
}

#[tokio::test]
async fn a_csrf_token_from_another_browser_is_forbidden() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let attacker = app.client();
    let (_, page) = app.get_text(&attacker, "/login").await;
    let stolen = csrf_token(&page);
    let victim = app.client();

    let response = victim
        .post(app.url("/login"))
        .form(&[
            ("authenticity_token", stolen.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn state_changing_admin_forms_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = client
        .post(app.url("/admin/posts/new"))
        .form(&[("title", "Sneaky"), ("body", "text"), ("action", "publish")])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 403);
    let (_, home) = app.get_text(&client, "/").await;
    assert!(!home.contains("Sneaky"), "nothing was published");
}

/// The buttons that post a form with no fields of their own (delete a
/// post, end every session) are refused without the form's token, and
/// change nothing; with it, they work.
#[tokio::test]
async fn admin_buttons_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let edit = app
        .write_post(&client, &[("title", "Kept"), ("body", "text")], "publish")
        .await;
    let id = edit
        .trim_start_matches("/admin/posts/")
        .split('/')
        .next()
        .expect("post id")
        .to_owned();
    let delete = format!("/admin/posts/{id}/delete");
    for path in [delete.as_str(), "/admin/account/logout-everywhere"] {
        let response = client
            .post(app.url(path))
            .form(&[("unrelated", "x")])
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status(), 403, "{path}");
    }
    let (status, home) = app.get_text(&client, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Kept"), "the post is still there");
    let (status, _) = app.get_text(&client, "/admin").await;
    assert_eq!(status, 200, "the session still works");

    let response = app.submit(&client, &delete, &delete, &[]).await;
    assert_eq!(response.status(), 303);
    let (_, home) = app.get_text(&client, "/").await;
    assert!(!home.contains("Kept"), "deleted with the token");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();

    let response = app
        .submit(
            &client,
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;

    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("blog_session="))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http has no Secure flag: {cookie}"
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = app.submit(&client, "/admin", "/logout", &[]).await;

    assert_eq!(response.status(), 303);
    assert_eq!(app.get(&client, "/admin").await.status(), 303);
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_down() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();

    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = app
            .submit(
                &client,
                "/login",
                "/login",
                &[("username", "alice"), ("password", "wrong guess")],
            )
            .await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!(retry >= 1);
        }
    }

    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(&statuses[5..], &[429, 429]);
}

#[tokio::test]
async fn login_only_redirects_to_local_pages() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();

    let response = app
        .submit(
            &client,
            "/login?next=//evil.example/",
            "/login",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;

    assert_eq!(location(&response), "/admin");
}

fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(|c| {
        c.public_url = "https://blog.example.org".parse().expect("URL");
    })
    .await;
    app.add_user("alice", true).await;
    // No cookie store: a client keeps Secure cookies away from plain http, so
    // this test carries the CSRF cookie by hand.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client.get(app.url("/login")).send().await.expect("GET");
    let csrf_cookie = set_cookie(&form, "blog_csrf");
    let token = csrf_token(&form.text().await.expect("body"));

    let response = client
        .post(app.url("/login"))
        .header("cookie", csrf_cookie.split(';').next().expect("pair"))
        .form(&[
            ("authenticity_token", token.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 303);
    assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    let session = set_cookie(&response, "blog_session");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly"),
        "{session}"
    );
}

#[tokio::test]
async fn changing_the_password_logs_out_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    let laptop = app.logged_in_admin().await;
    let phone = app.client();
    app.submit(
        &phone,
        "/login",
        "/login",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(app.get(&phone, "/admin").await.status(), 200);

    let wrong = app
        .submit(
            &laptop,
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .expect("body")
            .contains("The current password is wrong.")
    );

    let response = app
        .submit(
            &laptop,
            "/admin/account",
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        app.get(&laptop, "/admin").await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        app.get(&phone, "/admin").await.status(),
        303,
        "the other one is over"
    );
    let old = app
        .submit(
            &app.client(),
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .submit(
            &app.client(),
            "/login",
            "/login",
            &[
                ("username", "alice"),
                ("password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(new.status(), 303);
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let laptop = app.logged_in_admin().await;
    let phone = app.client();
    app.submit(
        &phone,
        "/login",
        "/login",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;

    let response = app
        .submit(
            &laptop,
            "/admin/account",
            "/admin/account/logout-everywhere",
            &[],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(app.get(&laptop, "/admin").await.status(), 303);
    assert_eq!(app.get(&phone, "/admin").await.status(), 303);
}

#[tokio::test]
async fn the_session_id_is_renewed_at_every_login() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    let client = app.client();
    let login = || {
        app.submit(
            &client,
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
    };

    let first = set_cookie(&login().await, "blog_session");
    let second = set_cookie(&login().await, "blog_session");

    let id = |cookie: &str| cookie.split(';').next().expect("pair").to_owned();
    assert_ne!(id(&first), id(&second));
}

/// Failed logins from `client` as a proxy reports it; their statuses.
async fn failed_logins_via(app: &TestApp, client: &str, times: usize) -> Vec<u16> {
    let browser = app.client();
    let mut statuses = Vec::new();
    for _ in 0..times {
        let (_, page) = app.get_text(&browser, "/login").await;
        let token = crate::helpers::csrf_token(&page);
        let response = browser
            .post(app.url("/login"))
            // What the client claimed, then the address the proxy saw.
            .header("x-forwarded-for", format!("198.51.100.1, {client}"))
            .form(&[
                ("authenticity_token", token.as_str()),
                ("username", "alice"),
                ("password", "wrong guess"),
            ])
            .send()
            .await
            .expect("POST");
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_real_client_has_its_own_login_limit() {
    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("network")])
            .await;
    app.add_user("alice", true).await;

    let first = failed_logins_via(&app, "203.0.113.1", 6).await;
    let other = failed_logins_via(&app, "203.0.113.2", 1).await;

    // The last hop before the proxy counts, not what the client claimed.
    assert_eq!(first, [401, 401, 401, 401, 401, 429]);
    assert_eq!(other, [401], "another client behind the same proxy");
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarded_addresses_are_ignored() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;

    let mut statuses = Vec::new();
    for n in 1..=6 {
        statuses.extend(failed_logins_via(&app, &format!("203.0.113.{n}"), 1).await);
    }

    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
}
