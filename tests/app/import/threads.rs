//! Imported comment threads: on the post page, on a second import, and in
//! the moderation queue.

use super::{EXPORT, blog, import_export, import_text};
use crate::helpers::TestApp;

/// Each comment on the page as (depth, text), in order.
fn thread(page: &str) -> Vec<(usize, String)> {
    page.split("<li class=\"comment depth-")
        .skip(1)
        .map(|li| {
            let depth = li[..1].parse().expect("depth digit");
            let body = li.split("</li>").next().unwrap_or_default();
            (depth, body.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn imported_comments_are_threaded_under_their_post_and_marked_imported() {
    let app = blog().await;
    import_export(&app).await;

    let (status, page) = app.get_text(&app.client(), "/posts/customer-service").await;

    assert_eq!(status, 200);
    assert!(page.contains("4 replies to “Customer Service”"), "{page}");
    let shown = thread(&page);
    let expected = [
        (0, "the scones are the best in town"),
        (1, "Ask for the <em>clotted</em> cream"),
        (2, "three levels deep now"),
        (0, "Lovely post"),
    ];
    assert_eq!(shown.len(), expected.len(), "{page}");
    for ((depth, body), (want_depth, want_text)) in shown.iter().zip(expected) {
        assert_eq!(*depth, want_depth, "{body}");
        assert!(body.contains(want_text), "{want_text} in {body}");
        assert!(body.contains("class=\"imported\""), "{body}");
    }
    assert!(
        shown[0].1.contains("<p>And the milk really is cold.</p>"),
        "{}",
        shown[0].1
    );
    assert!(
        shown[0]
            .1
            .contains("<a class=\"name\" href=\"https://carol.example/\" rel=\"nofollow ugc noopener\">Carol Reader</a>"),
        "{}",
        shown[0].1
    );
    for hidden in [
        "Still waiting",
        "cheap pills",
        "Links of the week",
        "went in the bin",
    ] {
        assert!(!page.contains(hidden), "{hidden} is not shown");
    }
}

#[tokio::test]
async fn hostile_html_in_imported_comments_is_neutralised() {
    let app = blog().await;
    import_export(&app).await;

    let (_, page) = app.get_text(&app.client(), "/posts/customer-service").await;

    let mallory = thread(&page)
        .into_iter()
        .map(|(_, body)| body)
        .find(|body| body.contains("Lovely post"))
        .expect("the comment is shown");
    assert!(
        mallory.contains("<span class=\"name\">Mallory Hacker</span>"),
        "{mallory}"
    );
    for banned in [
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<img",
        "<b>",
    ] {
        assert!(!mallory.contains(banned), "{banned} in {mallory}");
    }
    assert!(
        mallory.contains("<p>Lovely post  <a rel=\"nofollow ugc noopener\">click me</a>"),
        "{mallory}"
    );
}

#[tokio::test]
async fn a_second_import_adds_only_the_comments_that_are_new() {
    let app = blog().await;
    import_export(&app).await;
    let newer = EXPORT.replacen(
        "\t</item>",
        "\t\t<wp:comment>\n\t\t\t<wp:comment_id>19</wp:comment_id>\n\t\t\t<wp:comment_author><![CDATA[Erin Late]]></wp:comment_author>\n\t\t\t<wp:comment_date_gmt><![CDATA[2014-06-01 10:00:00]]></wp:comment_date_gmt>\n\t\t\t<wp:comment_content><![CDATA[Four levels down.]]></wp:comment_content>\n\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>\n\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>\n\t\t\t<wp:comment_parent>13</wp:comment_parent>\n\t\t</wp:comment>\n\t</item>",
        1,
    );

    let summary = import_text(&app, "newer.xml", &newer, false)
        .await
        .expect("imports");

    assert_eq!((summary.posts_new, summary.posts_existing), (0, 5));
    assert_eq!((summary.comments_new, summary.comments_existing), (1, 5));
    let (_, page) = app.get_text(&app.client(), "/posts/customer-service").await;
    let shown = thread(&page);
    assert_eq!(shown.len(), 5, "{page}");
    assert_eq!(shown[3].0, 3, "answers comment 13: {}", shown[3].1);
    assert!(shown[3].1.contains("Four levels down."), "{}", shown[3].1);
}

#[tokio::test]
async fn pending_imported_comments_wait_in_the_queue_without_fediverse_actions() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    import_export(&app).await;

    let (status, queue) = app.get_text(&admin, "/admin/comments?status=pending").await;

    assert_eq!(status, 200);
    assert!(queue.contains("Dave Waiting"), "{queue}");
    assert!(queue.contains("class=\"imported\""), "{queue}");
    assert!(
        !queue.contains("block_author:"),
        "no account to block: {queue}"
    );
    assert!(
        !queue.contains("/reply\">Answer"),
        "no one to notify: {queue}"
    );
    let (_, approved) = app
        .get_text(&admin, "/admin/comments?status=approved")
        .await;
    assert!(approved.contains("https://carol.example/"), "{approved}");
}
