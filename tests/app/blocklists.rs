//! Shared domain blocklists: a Mastodon CSV file is previewed, then applied,
//! and ours exports in the same format.

use blog::{
    config::{ModerationConfig, ModerationPolicy},
    services::{blocks, comments},
};
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, csrf_token, location, reply_to_post};

const LIST: &str = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
spam.example,suspend,true,true,\"Spam, and \"\"more\"\"\",false\n\
loud.example,silence,false,false,Too loud,false\n\
old.example,suspend,false,false,,false\n\
ev*l.example,suspend,false,false,,true\n";

/// The value of hidden field `name`, as a browser sends it back.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).expect("hidden field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    let mut text = String::new();
    let mut rest = &html[start..end];
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        let semi = rest[at..].find(';').expect("entity end") + at;
        let entity = &rest[at + 1..semi];
        let ch = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ => {
                let hex = entity.trim_start_matches("#x");
                let code = u32::from_str_radix(hex, 16).expect("numeric entity");
                char::from_u32(code).expect("character")
            }
        };
        text.push(ch);
        rest = &rest[semi + 1..];
    }
    text.push_str(rest);
    text
}

#[tokio::test]
async fn a_blocklist_is_previewed_then_blocks_what_it_lists_with_its_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Hours"), ("body", "Open.")], "publish")
        .await;
    app.add_follower("https://spam.example/users/a", "https://spam.example/inbox")
        .await;
    app.add_follower("https://good.example/users/b", "https://good.example/inbox")
        .await;
    let spammer = app
        .remote_actor("https://spam.example/users/a", "https://spam.example/inbox")
        .await;
    let open = ModerationConfig {
        policy: ModerationPolicy::Open,
        keywords: vec![],
    };
    comments::receive(
        &app.db,
        &spammer,
        reply_to_post("https://spam.example/notes/1", "hours", "<p>Buy!</p>"),
        &open,
    )
    .await
    .expect("reply stored");
    blocks::add(&app.db, blocks::BlockKind::Domain, "old.example", None)
        .await
        .expect("blocked before");

    let (_, page) = app.get_text(&admin, "/admin/blocks").await;
    let form = Form::new()
        .text("authenticity_token", csrf_token(&page))
        .part(
            "file",
            Part::bytes(LIST.as_bytes().to_vec()).file_name("blocklist.csv"),
        );
    let preview = admin
        .post(app.url("/admin/blocks/import"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(preview.status(), 200);
    let preview = preview.text().await.expect("body");

    let new = preview
        .split(r#"id="new-blocks""#)
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the new blocks");
    assert!(new.contains("<td>spam.example</td>"), "{new}");
    assert!(new.contains("Spam, and &quot;more&quot;"), "{new}");
    assert!(
        new.contains(
            r#"<td data-label="Followers removed">1</td><td data-label="Comments hidden">1</td>"#
        ),
        "one follower and one comment go: {new}"
    );
    assert!(!new.contains("old.example") && !new.contains("loud.example"));
    assert!(preview.contains(r#"<p id="already-blocked">old.example</p>"#));
    assert!(preview.contains("a limit (silence)"));
    assert!(preview.contains("the name is obfuscated"));
    assert_eq!(
        blocks::all(&app.db).await.expect("blocks").len(),
        1,
        "a preview blocks nothing"
    );

    let applied = admin
        .post(app.url("/admin/blocks/import/apply"))
        .form(&[
            ("authenticity_token", hidden(&preview, "authenticity_token")),
            ("csv", hidden(&preview, "csv")),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(applied.status(), 303);
    assert_eq!(location(&applied), "/admin/blocks?notice=imported");

    let all = blocks::all(&app.db).await.expect("blocks");
    let spam = all
        .iter()
        .find(|b| b.value == "spam.example")
        .expect("spam.example blocked");
    assert_eq!(spam.reason.as_deref(), Some(r#"Spam, and "more""#));
    assert_eq!(all.len(), 2, "only the suspension was new: {all:?}");
    let followers = blog::services::followers::list(&app.db)
        .await
        .expect("followers");
    let left: Vec<&str> = followers.iter().map(|f| f.ap_id.as_str()).collect();
    assert_eq!(left, ["https://good.example/users/b"]);
    let (_, post) = app.get_text(&app.client(), "/posts/hours").await;
    assert!(!post.contains("Buy!"), "the comment is hidden");

    let export = app.get(&admin, "/admin/blocks/export.csv").await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = export.text().await.expect("body");
    assert_eq!(
        csv,
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         old.example,suspend,true,true,,false\n\
         spam.example,suspend,true,true,\"Spam, and \"\"more\"\"\",false\n"
    );
}

#[tokio::test]
async fn a_blocklist_that_is_not_text_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    let (_, page) = app.get_text(&admin, "/admin/blocks").await;
    let form = Form::new()
        .text("authenticity_token", csrf_token(&page))
        .part(
            "file",
            Part::bytes(vec![0xff, 0xfe, 0x00]).file_name("x.csv"),
        );

    let response = admin
        .post(app.url("/admin/blocks/import"))
        .multipart(form)
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("not a text file")
    );
    assert!(blocks::all(&app.db).await.expect("blocks").is_empty());
}
