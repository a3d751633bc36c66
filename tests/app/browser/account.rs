//! An author on their Account page: a token for a publishing app, with the
//! scopes ticked by their labels, and an account of their own turned on.

use super::{Browser, literal};
use crate::helpers::TestApp;

/// Whether the checkbox labelled `text` is ticked.
async fn ticked(b: &Browser, text: &str) -> bool {
    let xpath = format!("//label[normalize-space()={}]/input", literal(text));
    b.find(&xpath, text)
        .await
        .prop("checked")
        .await
        .expect("checked")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn an_author_makes_an_app_token_and_an_account_of_their_own() {
    let app = TestApp::spawn().await;
    app.add_user("otto", false).await;

    super::run(
        "an_author_makes_an_app_token_and_an_account_of_their_own",
        &app.base,
        async |b: &mut Browser| {
            b.log_in("otto").await;
            b.step("make a token for an app").await;
            b.menu("Account").await;
            b.fill("App name", "Quill").await;
            assert!(!ticked(b, "delete posts").await, "deleting is off at first");
            assert!(ticked(b, "upload images").await, "uploading is on at first");
            // A scope is ticked by a click on its words.
            b.click("//label[normalize-space()='delete posts']", "delete posts")
                .await;
            b.click("//label[normalize-space()='upload images']", "upload images")
                .await;
            assert!(ticked(b, "delete posts").await);
            assert!(!ticked(b, "upload images").await);
            b.click_button("", "Make a token").await;
            b.see(
                "//div[@role='status']//strong[normalize-space()='Quill']",
                "the new token's notice",
            )
            .await;
            let token = b
                .find("//input[@aria-label='New token']", "the new token")
                .await
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default();
            assert!(token.len() >= 32, "a token to copy: {token:?}");
            b.see(
                "//table//tr[td[normalize-space()='Quill']]/td[@data-label='May'][normalize-space()='create, update, delete']",
                "the token listed with what it may do",
            )
            .await;

            b.step("turn on an account of my own").await;
            b.click(
                "//label[normalize-space()='Have an account of my own on the fediverse']",
                "the own-account box",
            )
            .await;
            b.click("//section[@id='own-account']//button[normalize-space()='Save']", "Save")
                .await;
            b.see(
                "//section[@id='own-account']//p[starts-with(normalize-space(), 'Your account is on')]",
                "the account on",
            )
            .await;
            b.click_link("//section[@id='own-account']", "Your page").await;
            b.see(
                "//h1[normalize-space()='otto']",
                "the author's own page",
            )
            .await;
            b.click_link("//header[@class='author-profile']", "follow from your account")
                .await;
            b.see(
                "//h1[normalize-space()='Follow otto']",
                "the author's follow page",
            )
            .await;
        },
    )
    .await;
}
