//! Files that are cut short, broken or not WordPress exports: refused with
//! the line at fault, and nothing changes.

use super::{EXPORT, blog, counts, import_text, line_of};
use crate::helpers::TestApp;

async fn assert_refused_unchanged(app: &TestApp, name: &str, xml: &str, line: usize, says: &str) {
    let before = counts(&app.db).await;
    let err = import_text(app, name, xml, false)
        .await
        .expect_err("the file is refused");
    let message = format!("{err:#}");
    let path = app.store.dir.path().join(name);
    let prefix = format!("{}:{line}:", path.display());
    assert!(
        message.starts_with(&prefix),
        "expected {prefix} in {message}"
    );
    assert!(message.contains(says), "{says} in {message}");
    assert_eq!(counts(&app.db).await, before, "nothing changed");
}

#[tokio::test]
async fn a_file_cut_short_is_refused_with_its_line_and_nothing_is_imported() {
    let app = blog().await;
    let cut_at = EXPORT.find("Чай в Москве").expect("text");
    let truncated = &EXPORT[..cut_at];

    assert_refused_unchanged(
        &app,
        "truncated.xml",
        truncated,
        line_of(EXPORT, "<content:encoded><![CDATA[<!-- wp:paragraph -->"),
        "CDATA not closed",
    )
    .await;
    let mid_tag = &EXPORT[..EXPORT.find("</wp:post_name>").expect("tag") + 4];
    assert_refused_unchanged(
        &app,
        "mid-tag.xml",
        mid_tag,
        line_of(EXPORT, "</wp:post_name>"),
        "not closed",
    )
    .await;
    let mid_item = &EXPORT[..EXPORT.find("<wp:post_id>103").expect("item")];
    assert_refused_unchanged(
        &app,
        "mid-item.xml",
        mid_item,
        mid_item.lines().count(),
        "cut short",
    )
    .await;
}

#[tokio::test]
async fn a_broken_tag_is_refused_with_its_line_and_nothing_is_imported() {
    let app = blog().await;
    let broken_tag = EXPORT.replacen(
        "<wp:post_name><![CDATA[coming-soon]]></wp:post_name>",
        "<wp:post_name><![CDATA[coming-soon]]></wp:post_nme>",
        1,
    );
    let bad_date = EXPORT.replacen(
        "<wp:post_date_gmt><![CDATA[2099-01-01 09:00:00]]>",
        "<wp:post_date_gmt><![CDATA[2099-13-45 09:00:00]]>",
        1,
    );

    assert_refused_unchanged(
        &app,
        "broken.xml",
        &broken_tag,
        line_of(&broken_tag, "</wp:post_nme>"),
        "expected `</wp:post_name>`",
    )
    .await;
    // Found while converting the last posts, after the first ones were read.
    assert_refused_unchanged(
        &app,
        "bad-date.xml",
        &bad_date,
        line_of(&bad_date, "<title><![CDATA[Coming soon]]>") - 1,
        "is not a date",
    )
    .await;
}

#[tokio::test]
async fn a_file_that_is_not_a_wordpress_export_is_refused_clearly() {
    let app = blog().await;
    let feed = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>A feed</title></channel></rss>\n";

    assert_refused_unchanged(&app, "feed.xml", feed, 1, "not a WordPress export (WXR)").await;
    assert_refused_unchanged(
        &app,
        "page.html",
        "<html>\n<body></body></html>",
        1,
        "not a WordPress export",
    )
    .await;
}
