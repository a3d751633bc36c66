//! `blog import wordpress FILE.xml`: posts, threads and old addresses from a
//! WordPress export, once, and nothing at all from a broken file.

mod failures;
mod runs;
mod threads;

use blog::{
    entities::{activity, comment, post, post_tag, redirect, tag},
    services::import::{self, Options, Silent, Summary},
};
use chrono::{TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, location};

const EXPORT: &str = include_str!("../fixtures/wordpress/export.xml");

/// A running blog with an admin to own what is imported.
pub async fn blog() -> TestApp {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;
    app
}

pub async fn import_text(
    app: &TestApp,
    name: &str,
    xml: &str,
    federate: bool,
) -> anyhow::Result<Summary> {
    let file = app.store.dir.path().join(name);
    std::fs::write(&file, xml).expect("write the export");
    import::wordpress(&app.db, &file, Options { federate }, &Silent).await
}

pub async fn import_export(app: &TestApp) -> Summary {
    import_text(app, "export.xml", EXPORT, false)
        .await
        .expect("the export imports")
}

/// Rows in every table an import writes to.
pub async fn counts(db: &DatabaseConnection) -> [u64; 6] {
    [
        post::Entity::find().count(db).await.expect("posts"),
        comment::Entity::find().count(db).await.expect("comments"),
        tag::Entity::find().count(db).await.expect("tags"),
        post_tag::Entity::find().count(db).await.expect("post tags"),
        redirect::Entity::find().count(db).await.expect("redirects"),
        activity::Entity::find()
            .count(db)
            .await
            .expect("activities"),
    ]
}

pub async fn post_by_slug(db: &DatabaseConnection, slug: &str) -> post::Model {
    post::Entity::find()
        .filter(post::Column::Slug.eq(slug))
        .one(db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no post {slug}"))
}

/// The line of the first occurrence of `needle` in the export.
pub fn line_of(xml: &str, needle: &str) -> usize {
    let at = xml.find(needle).expect("needle in the export");
    xml[..at].lines().count() + usize::from(xml[..at].ends_with('\n'))
}

#[tokio::test]
async fn a_wordpress_export_becomes_posts_with_their_dates_bylines_tags_and_drafts() {
    let app = blog().await;

    let summary = import_export(&app).await;

    assert_eq!(
        (summary.posts_new, summary.drafts, summary.scheduled),
        (5, 1, 1),
        "{summary:?}"
    );
    assert_eq!(summary.tags, 4, "Recipes, Tea, Baking, Travel: {summary:?}");
    assert_eq!(summary.redirects, 13, "{summary:?}");
    let skipped: Vec<_> = summary
        .skipped
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(
        skipped,
        [("attachment", 1), ("nav menu item", 1), ("page", 1)]
    );
    let service = post_by_slug(&app.db, "customer-service").await;
    assert_eq!(service.status, blog::entities::post::PostStatus::Published);
    assert_eq!(
        service.published_at,
        Some(Utc.with_ymd_and_hms(2014, 5, 1, 9, 30, 0).unwrap())
    );
    assert_eq!(
        service.updated_at,
        Utc.with_ymd_and_hms(2014, 5, 2, 7, 0, 0).unwrap()
    );
    assert_eq!(service.author_name.as_deref(), Some("Ann Example"));
    assert_eq!(
        service.imported_from.as_deref(),
        Some("https://oldblog.example/?p=101")
    );
    // No <p> in WordPress: blank lines are paragraphs, single breaks <br>.
    assert!(
        service
            .body_html
            .contains("<p>The tea shop on the corner answers the phone on the first ring.<br>\nEvery single time.</p>"),
        "{}",
        service.body_html
    );
    assert!(
        service.body_html.contains("<li>Warm scones</li>"),
        "{}",
        service.body_html
    );
    assert!(
        service
            .body_html
            .contains("href=\"https://oldblog.example/2013/01/01/hello-world/\""),
        "relative links point at the old site: {}",
        service.body_html
    );
    assert!(
        service
            .body_markdown
            .starts_with("The tea shop on the corner answers the phone on the first ring.\\\nEvery single time.\n\n"),
        "{}",
        service.body_markdown
    );
    assert!(service.body_markdown.contains("**customer service**"));
    let biscuits = post_by_slug(&app.db, "tea-biscuits").await;
    assert_eq!(biscuits.title, "Tea & Biscuits");
    assert_eq!(biscuits.author_name.as_deref(), Some("Bob Writer"));
    assert_eq!(biscuits.summary, "How long each biscuit survives the dunk.");
    assert!(biscuits.summary_is_custom);
    assert!(
        biscuits
            .body_html
            .contains("<p>Rich Tea lasts four seconds. Digestives last seven.</p>"),
        "{}",
        biscuits.body_html
    );
    let russian = post_by_slug(&app.db, "privet-mir").await;
    assert_eq!(russian.title, "Привет, мир");
    assert!(russian.body_html.contains("<strong>горячий</strong>"));
    let draft = post_by_slug(&app.db, "half-baked-ideas").await;
    assert_eq!(
        (draft.status, draft.published_at),
        (blog::entities::post::PostStatus::Draft, None)
    );
    assert_eq!(
        draft.created_at,
        Utc.with_ymd_and_hms(2017, 2, 3, 12, 0, 0).unwrap()
    );
    let future = post_by_slug(&app.db, "coming-soon").await;
    assert_eq!(future.status, blog::entities::post::PostStatus::Scheduled);
    assert_eq!(
        future.published_at,
        Some(Utc.with_ymd_and_hms(2099, 1, 1, 9, 0, 0).unwrap())
    );
    assert_eq!(
        counts(&app.db).await[0],
        5,
        "the page, attachment and menu item are left out"
    );

    let client = app.client();
    let (status, page) = app.get_text(&client, "/posts/tea-biscuits").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("by <span class=\"p-author\">Bob Writer</span>"),
        "{page}"
    );
    assert!(page.contains("datetime=\"2015-03-02T16:00:00Z\""), "{page}");
    let (_, tea) = app.get_text(&client, "/tags/tea").await;
    assert!(
        tea.contains("Customer Service") && tea.contains("Tea &amp; Biscuits"),
        "{tea}"
    );
    let (_, home) = app.get_text(&client, "/").await;
    assert!(
        !home.contains("Half-baked") && !home.contains("Coming soon"),
        "{home}"
    );
}

#[tokio::test]
async fn old_permalinks_and_post_numbers_redirect_permanently_to_the_new_posts() {
    let app = blog().await;
    import_export(&app).await;
    let client = app.client();

    for (old, new) in [
        ("/2014/05/01/customer-service/", "/posts/customer-service"),
        ("/2014/05/01/customer-service", "/posts/customer-service"),
        ("/?p=101", "/posts/customer-service"),
        ("/?p=102&utm_source=feed", "/posts/tea-biscuits"),
        (
            "/2016/01/10/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82-%D0%BC%D0%B8%D1%80/",
            "/posts/privet-mir",
        ),
    ] {
        let response = app.get(&client, old).await;
        assert_eq!(response.status(), 301, "{old}");
        assert_eq!(location(&response), new, "{old}");
    }
    let (status, _) = app.get_text(&client, "/posts/privet-mir").await;
    assert_eq!(status, 200);
    // Drafts, scheduled posts and unknown addresses are not revealed.
    for missing in [
        "/?p=104",
        "/2099/01/01/coming-soon/",
        "/2014/05/01/no-such-post/",
        "/?p=9999",
    ] {
        let response = app.get(&client, missing).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
    let (status, _) = app.get_text(&client, "/?page=1").await;
    assert_eq!(status, 200, "the home page is unaffected");
}

#[tokio::test]
async fn a_slug_taken_here_gets_the_next_free_one_and_old_links_follow_it() {
    use blog::services::posts::{self, PostForm, PostStatus};
    let app = blog().await;
    let form = PostForm {
        title: "Customer Service".into(),
        body: "Written here first.".into(),
        ..PostForm::default()
    };
    let valid = form.validate(chrono_tz::Tz::UTC).expect("valid post");
    let alice = blog::services::users::find_by_username(&app.db, "alice")
        .await
        .expect("query")
        .expect("alice");
    posts::create(
        &app.db,
        alice.id,
        valid,
        PostStatus::Published,
        chrono::Utc::now(),
    )
    .await
    .expect("local post");

    import_export(&app).await;

    let imported = post_by_slug(&app.db, "customer-service-2").await;
    assert_eq!(imported.author_name.as_deref(), Some("Ann Example"));
    let response = app.get(&app.client(), "/?p=101").await;
    assert_eq!(location(&response), "/posts/customer-service-2");
}
