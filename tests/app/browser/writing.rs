//! The author writes a post in the browser, from the login form to the
//! public page. Each step a person takes is one function, in order.

use super::{Browser, literal};
use crate::helpers::TestApp;

const TITLE: &str = "Notes from the Reading Room";
const BODY: &str = "## What we read\n\n\
    Reading *slowly* pays off.\n\n\
    - Moby-Dick\n\
    - Middlemarch\n\n\
    Borrow them from [the library](https://library.example/catalogue).\n";

#[tokio::test]
async fn the_author_logs_in_writes_previews_and_publishes_a_post_that_the_public_sees() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;

    super::run(
        "the_author_logs_in_writes_previews_and_publishes_a_post_that_the_public_sees",
        &app.base,
        async |b: &mut Browser| {
            b.log_in("alice").await;
            open_the_editor(b).await;
            write_in_markdown(b).await;
            add_an_image(b).await;
            preview(b).await;
            publish(b).await;
            view_the_post(b).await;
            log_out(b).await;
            find_the_post_on_the_home_page(b).await;
        },
    )
    .await;
}

async fn open_the_editor(b: &mut Browser) {
    b.step("open the editor").await;
    b.menu("New post").await;
    b.see("//h1[normalize-space()='New post']", "the editor's heading")
        .await;
}

async fn write_in_markdown(b: &mut Browser) {
    b.step("write in Markdown").await;
    b.fill("Title", TITLE).await;
    b.fill("Body", BODY).await;
    b.fill("Tags", "reading, libraries").await;
}

const ALT: &str = "Two armchairs by a sunny window";

/// A photo from disk, described, uploaded from the editor and added to the text.
async fn add_an_image(b: &mut Browser) {
    b.step("add an image").await;
    let photo = b.folder().join("armchairs.jpg");
    image::RgbImage::from_fn(90, 60, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, 120])
    })
    .save(&photo)
    .expect("photo written");
    b.attach("Image", &photo).await;
    b.fill("Description", ALT).await;
    b.click_button("", "Upload and add to the text").await;
    b.see(
        "//p[@role='status'][contains(., 'Image uploaded and added')]",
        "the notice that the image was added",
    )
    .await;
    b.see(
        &format!(
            "//section[contains(@class, 'preview')]//img[@alt={}][contains(@src, '/media/')]",
            literal(ALT)
        ),
        "the image in the preview",
    )
    .await;
    let body = b.value("Body").await;
    assert!(body.starts_with(BODY.trim_end()), "{body}");
    assert!(body.contains(&format!("![{ALT}](")), "{body}");
}

/// The rendered Markdown under `scope`: heading, emphasis, list and link.
async fn see_rendered_markdown(b: &Browser, scope: &str) {
    b.see(
        &format!("{scope}//h2[normalize-space()='What we read']"),
        "the heading",
    )
    .await;
    b.see(
        &format!("{scope}//em[normalize-space()='slowly']"),
        "the emphasis",
    )
    .await;
    b.see(
        &format!("{scope}//ul/li[normalize-space()='Moby-Dick']"),
        "the first list item",
    )
    .await;
    b.see(
        &format!("{scope}//ul/li[normalize-space()='Middlemarch']"),
        "the second list item",
    )
    .await;
    b.see(
        &format!(
            "{scope}//a[@href='https://library.example/catalogue'][normalize-space()='the library']"
        ),
        "the link",
    )
    .await;
}

async fn preview(b: &mut Browser) {
    b.step("preview").await;
    b.click_button("", "Preview").await;
    let preview = "//section[contains(@class, 'preview')]";
    b.see(
        &format!("{preview}//h1[normalize-space()={}]", literal(TITLE)),
        "the preview's title",
    )
    .await;
    see_rendered_markdown(b, preview).await;
    // Nothing is saved yet, and the form keeps what was typed.
    b.see("//h1[normalize-space()='New post']", "the unsaved editor")
        .await;
    assert_eq!(b.value("Title").await, TITLE);
    let body = b.value("Body").await;
    assert!(body.starts_with(BODY.trim_end()), "{body}");
    assert!(
        body.contains(&format!("![{ALT}](")),
        "the image stays: {body}"
    );
}

async fn publish(b: &mut Browser) {
    b.step("publish").await;
    b.click_button("", "Publish").await;
    b.see(
        "//p[@role='status'][contains(., 'Post published.')]",
        "the notice that the post is published",
    )
    .await;
    b.see(
        "//h1[normalize-space()='Edit post']",
        "the editor of the saved post",
    )
    .await;
}

async fn view_the_post(b: &mut Browser) {
    b.step("view the post").await;
    b.click_link("//p[@role='status']", "View post").await;
    let article = "//article[contains(@class, 'h-entry')]";
    b.see(
        &format!("{article}//h1[normalize-space()={}]", literal(TITLE)),
        "the post's title",
    )
    .await;
    see_rendered_markdown(b, &format!("{article}//div[contains(@class, 'e-content')]")).await;
    b.see(
        &format!(
            "{article}//div[contains(@class, 'e-content')]//img[@alt={}][contains(@src, '/media/')]",
            literal(ALT)
        ),
        "the image in the post",
    )
    .await;
    b.see(
        &format!("{article}//a[@rel='tag'][normalize-space()='reading']"),
        "the tag",
    )
    .await;
}

async fn log_out(b: &mut Browser) {
    b.step("log out").await;
    b.visit("/admin").await;
    b.click_button("//nav[@aria-label='Admin']", "Log out (alice)")
        .await;
    b.see("//nav[@aria-label='Site']", "the public menu").await;
    b.visit("/admin").await;
    b.see(
        "//h1[normalize-space()='Log in']",
        "the login form, as admin pages need one",
    )
    .await;
}

async fn find_the_post_on_the_home_page(b: &mut Browser) {
    b.step("find the post on the home page").await;
    b.visit("/").await;
    b.click_link("//article[contains(@class, 'post-card')]//h2", TITLE)
        .await;
    let content = "//article[contains(@class, 'h-entry')]//div[contains(@class, 'e-content')]";
    see_rendered_markdown(b, content).await;
}

#[tokio::test]
async fn enter_in_the_title_previews_and_brings_the_preview_into_view() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;

    super::run(
        "enter_in_the_title_previews_and_brings_the_preview_into_view",
        &app.base,
        async |b: &mut Browser| {
            b.log_in("alice").await;
            open_the_editor(b).await;
            b.step("press Enter in the title").await;
            b.fill("Body", BODY).await;
            b.fill("Title", &format!("{TITLE}\u{E007}")).await;
            let preview = "//section[@id='preview']";
            b.see(
                &format!("{preview}//h1[normalize-space()={}]", literal(TITLE)),
                "the preview, not an upload",
            )
            .await;
            let page = b.client.source().await.expect("page source");
            assert!(!page.contains("Choose an image"), "no upload was tried");
            assert!(!page.contains("Please correct"), "nothing to correct");
            assert!(
                b.url().await.ends_with("#preview"),
                "the page opens at the preview: {}",
                b.url().await
            );
            let top = b
                .client
                .execute(
                    "return document.getElementById('preview').getBoundingClientRect().top;",
                    vec![],
                )
                .await
                .expect("script");
            let height = b
                .client
                .execute("return window.innerHeight;", vec![])
                .await
                .expect("script");
            let (top, height) = (
                top.as_f64().expect("a number"),
                height.as_f64().expect("a number"),
            );
            assert!(
                (0.0..height).contains(&top),
                "the preview is in view: top {top} of {height}"
            );
            assert_eq!(b.value("Title").await, TITLE, "the form keeps the title");
            b.see(
                "//p[@id='word-count'][starts-with(normalize-space(), '17 words')]",
                "the word count",
            )
            .await;
            let beside = b
                .client
                .execute(
                    "return document.getElementById('preview').getBoundingClientRect().left \
                     - document.querySelector('form.editor').getBoundingClientRect().right;",
                    vec![],
                )
                .await
                .expect("script")
                .as_f64()
                .expect("a number");
            assert!(
                beside >= 0.0,
                "the preview is beside the text at 1280 px ({beside})"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn leaving_the_editor_with_unsaved_changes_asks_first() {
    let app = TestApp::spawn().await;
    app.add_user("alice", true).await;

    super::run(
        "leaving_the_editor_with_unsaved_changes_asks_first",
        &app.base,
        async |b: &mut Browser| {
            b.log_in("alice").await;
            open_the_editor(b).await;
            b.step("type, then leave").await;
            b.fill("Body", "Three short words").await;
            b.see(
                "//p[@id='live-word-count'][normalize-space()='3 words']",
                "the word count as the text is typed",
            )
            .await;
            // The browser asks before leaving when the page cancels
            // `beforeunload`; the driver answers such prompts itself, so
            // the event is sent here as a navigation sends it.
            let leaving = "const e = new Event('beforeunload', { cancelable: true }); \
                           window.dispatchEvent(e); return e.defaultPrevented;";
            let asks = b.client.execute(leaving, vec![]).await.expect("script");
            assert_eq!(
                asks,
                serde_json::json!(true),
                "unsaved text makes the browser ask"
            );
            b.fill("Body", "").await;
            let asks = b.client.execute(leaving, vec![]).await.expect("script");
            assert_eq!(
                asks,
                serde_json::json!(false),
                "nothing to lose, nothing asked"
            );
        },
    )
    .await;
}
