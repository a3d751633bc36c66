use crate::helpers::{TestApp, location, post_id};

#[tokio::test]
async fn publishing_a_post_shows_it_on_the_home_page_and_its_permalink() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let editor = app
        .write_post(
            &client,
            &[
                ("title", "Customer Service"),
                ("body", "We *answer* every letter.\n\nSecond paragraph."),
                ("tags", "Library, Letters"),
            ],
            "publish",
        )
        .await;

    assert!(editor.ends_with("/edit?notice=published"), "{editor}");
    let (status, home) = app.get_text(&app.client(), "/").await;
    assert_eq!(status, 200);
    assert!(
        home.contains(r#"<a href="/posts/customer-service">Customer Service</a>"#),
        "{home}"
    );
    assert!(
        home.contains("We answer every letter."),
        "derived summary: {home}"
    );
    let (status, page) = app.get_text(&app.client(), "/posts/customer-service").await;
    assert_eq!(status, 200);
    assert!(page.contains("<em>answer</em>"), "{page}");
    assert!(page.contains(r#"href="/tags/library""#), "{page}");
    assert!(page.contains("No replies yet"), "{page}");
}

#[tokio::test]
async fn a_draft_stays_private_until_published() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let editor = app
        .write_post(
            &client,
            &[("title", "Work in progress"), ("body", "Not ready.")],
            "draft",
        )
        .await;

    let reader = app.client();
    let (_, home) = app.get_text(&reader, "/").await;
    assert!(!home.contains("Work in progress"));
    assert_eq!(
        app.get(&reader, "/posts/work-in-progress").await.status(),
        404
    );
    let (_, feed) = app.get_text(&reader, "/feed.atom").await;
    assert!(!feed.contains("Work in progress"));
    let (_, admin) = app.get_text(&client, "/admin").await;
    assert!(
        admin.contains("Work in progress") && admin.contains("Draft"),
        "{admin}"
    );

    let id = post_id(&editor);
    let path = format!("/admin/posts/{id}/edit");
    let response = app
        .submit(
            &client,
            &path,
            &path,
            &[
                ("title", "Work in progress"),
                ("body", "Ready now."),
                ("action", "publish"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    let (status, page) = app.get_text(&reader, "/posts/work-in-progress").await;
    assert_eq!(status, 200);
    assert!(page.contains("Ready now."));
}

#[tokio::test]
async fn editing_a_published_post_changes_it_but_keeps_its_permalink() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let editor = app
        .write_post(
            &client,
            &[("title", "Opening hours"), ("body", "Nine to five.")],
            "publish",
        )
        .await;
    let path = format!("/admin/posts/{}/edit", post_id(&editor));

    let response = app
        .submit(
            &client,
            &path,
            &path,
            &[
                ("title", "New opening hours"),
                ("body", "Eight to six."),
                ("slug", "new-opening-hours"),
                ("action", "publish"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    let (status, page) = app.get_text(&app.client(), "/posts/opening-hours").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("New opening hours") && page.contains("Eight to six."),
        "{page}"
    );
    assert_eq!(
        app.get(&app.client(), "/posts/new-opening-hours")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_editor_shows_the_saved_fields_again() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let editor = app
        .write_post(
            &client,
            &[
                ("title", "Tagged"),
                ("body", "Body text"),
                ("summary", "A custom teaser"),
                ("tags", "one, Two"),
            ],
            "draft",
        )
        .await;

    let (status, page) = app.get_text(&client, &editor).await;

    assert_eq!(status, 200);
    assert!(page.contains("Draft saved."), "{page}");
    assert!(page.contains(r#"value="Tagged""#), "{page}");
    assert!(page.contains(">Body text</textarea>"), "{page}");
    assert!(page.contains(">A custom teaser</textarea>"), "{page}");
    assert!(page.contains(r#"value="one, Two""#), "{page}");
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_the_input_and_a_message_per_field() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = app
        .submit(
            &client,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", ""),
                ("body", "My long **careful** text"),
                ("slug", "Bad Slug!"),
                ("action", "publish"),
            ],
        )
        .await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(
        page.contains("My long **careful** text</textarea>"),
        "input kept: {page}"
    );
    assert!(
        page.contains(r#"id="title-error">Give the post a title.</p>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="slug-error">A slug may only use"#),
        "{page}"
    );
    assert!(page.contains(r#"value="Bad Slug!""#), "{page}");
}

#[tokio::test]
async fn publishing_an_empty_body_is_refused_but_a_draft_may_be_empty() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = app
        .submit(
            &client,
            "/admin/posts/new",
            "/admin/posts/new",
            &[("title", "Empty"), ("body", " "), ("action", "publish")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Write something before publishing")
    );

    app.write_post(&client, &[("title", "Empty"), ("body", "")], "draft")
        .await;
}

#[tokio::test]
async fn derived_slugs_are_made_unique_and_typed_duplicates_are_refused() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    for _ in 0..3 {
        app.write_post(
            &client,
            &[("title", "Customer Service"), ("body", "Text")],
            "publish",
        )
        .await;
    }

    for slug in [
        "customer-service",
        "customer-service-2",
        "customer-service-3",
    ] {
        assert_eq!(
            app.get(&app.client(), &format!("/posts/{slug}"))
                .await
                .status(),
            200,
            "{slug}"
        );
    }
    let response = app
        .submit(
            &client,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "Other"),
                ("body", "Text"),
                ("slug", "customer-service-2"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Another post already uses this slug")
    );
}

#[tokio::test]
async fn a_typed_slug_is_used_as_the_permalink() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    app.write_post(
        &client,
        &[
            ("title", "Long title here"),
            ("body", "Text"),
            ("slug", "short"),
        ],
        "publish",
    )
    .await;

    assert_eq!(app.get(&app.client(), "/posts/short").await.status(), 200);
}

#[tokio::test]
async fn preview_renders_the_markdown_without_saving() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = app
        .submit(
            &client,
            "/admin/posts/new",
            "/admin/posts/new",
            &[
                ("title", "Preview me"),
                (
                    "body",
                    "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>x</script>",
                ),
                ("action", "preview"),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("body");
    assert!(page.contains("<td>1</td>"), "{page}");
    assert!(!page.contains("<script>x"), "{page}");
    let (_, admin) = app.get_text(&client, "/admin").await;
    assert!(!admin.contains("Preview me"), "preview saves nothing");
}

#[tokio::test]
async fn deleting_asks_first_then_removes_the_post_and_its_permalink_says_gone() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let editor = app
        .write_post(
            &client,
            &[
                ("title", "Short lived"),
                ("body", "Soon gone."),
                ("tags", "ephemeral"),
            ],
            "publish",
        )
        .await;
    let id = post_id(&editor);
    let confirm = format!("/admin/posts/{id}/delete");

    let (status, page) = app.get_text(&client, &confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("Delete “Short lived”?"), "{page}");
    assert_eq!(
        app.get(&app.client(), "/posts/short-lived").await.status(),
        200,
        "not deleted yet"
    );

    let response = app.submit(&client, &confirm, &confirm, &[]).await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin?notice=deleted");
    let (status, page) = app.get_text(&app.client(), "/posts/short-lived").await;
    assert_eq!(status, 410);
    assert!(page.contains("This post was deleted."), "{page}");
    let (_, home) = app.get_text(&app.client(), "/").await;
    assert!(!home.contains("Short lived"));
    assert_eq!(
        app.get(&app.client(), "/tags/ephemeral").await.status(),
        404
    );
    assert_eq!(
        app.get(&client, &format!("/admin/posts/{id}/edit"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn admin_pages_send_visitors_to_the_login_form() {
    let app = TestApp::spawn().await;
    let client = app.client();

    for path in [
        "/admin",
        "/admin/posts/new",
        "/admin/posts/1/edit",
        "/admin/posts/1/delete",
    ] {
        let response = app.get(&client, path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/login?next="), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_editor_action_is_a_clear_bad_request() {
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;

    let response = app
        .submit(
            &client,
            "/admin/posts/new",
            "/admin/posts/new",
            &[("title", "x"), ("body", "y"), ("action", "explode")],
        )
        .await;

    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("unknown editor action")
    );
}

#[tokio::test]
async fn posts_saved_at_the_same_moment_are_all_kept() {
    // Each save reads (is the slug free?) and then writes; on SQLite a
    // transaction that read first used to fail with "database is locked"
    // when another save committed in between.
    let app = TestApp::spawn().await;
    let client = app.logged_in_admin().await;
    let saves = (0..24).map(|n| {
        let (app, client) = (&app, &client);
        async move {
            let body = format!("Letter number {n}.");
            app.write_post(
                client,
                &[("title", "The same title"), ("body", &body)],
                "publish",
            )
            .await
        }
    });

    let editors = futures_util::future::join_all(saves).await;

    let ids: std::collections::BTreeSet<i32> = editors.iter().map(|e| post_id(e)).collect();
    assert_eq!(ids.len(), 24, "{editors:?}");
    for slug in ["the-same-title", "the-same-title-2", "the-same-title-24"] {
        let (status, _) = app.get_text(&app.client(), &format!("/posts/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
    }
}
