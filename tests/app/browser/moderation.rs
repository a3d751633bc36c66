//! The admin moderates and answers a reply from another server, in the
//! browser, while a real peer sends the reply and receives the answer.

use serde_json::Value;

use super::{Browser, literal};
use crate::{fediverse::Fediverse, peer::Peer};

const POST: &str = "/posts/opening-hours";
const QUESTION: &str = "Do you lend first editions?";
const ANSWER: &str = "We do, on *Saturdays*.";

#[tokio::test]
async fn the_admin_approves_a_held_reply_and_answers_it() {
    let net = Fediverse::start(&[("peer.test", &["bob"])]).await;
    let author = net.blog.logged_in_admin().await;
    let fields = [("title", "Opening Hours"), ("body", "From nine to five.")];
    net.blog.write_post(&author, &fields, "publish").await;
    let peer = &net.peers[0];
    let question = peer.reply("bob", &net.blog_url(POST), &format!("<p>{QUESTION}</p>"));
    // Bob's first reply: held for the admin (the default policy).
    peer.send_activity("bob", "Create", question.clone(), &net.inbox())
        .await;

    super::run(
        "the_admin_approves_a_held_reply_and_answers_it",
        &net.blog_url(""),
        async |b: &mut Browser| {
            b.log_in("alice").await;
            see_the_held_reply(b).await;
            approve_it(b).await;
            see_it_under_the_post(b).await;
            answer_it(b).await;
            see_the_answer_under_the_post(b).await;
            bob_receives_the_answer(b, peer, &question).await;
        },
    )
    .await;
}

/// The comment, in the moderation list or under the post, that says `text`.
fn comment(text: &str) -> String {
    format!(
        "//li[contains(@class, 'comment')]\
         [.//div[contains(@class, 'comment-body')][contains(., {})]]",
        literal(text)
    )
}

/// The moderation page's tabs: Pending (1), Approved (0), ...
const TABS: &str = "//nav[contains(@class, 'tabs')]";

async fn see_the_held_reply(b: &mut Browser) {
    b.step("see the held reply").await;
    b.menu("Comments").await;
    b.see(
        &format!("{TABS}//a[@aria-current='page'][normalize-space()='Pending (1)']"),
        "the pending tab, with one comment",
    )
    .await;
    b.see(
        &format!("{}//a[contains(., 'bob@peer.test')]", comment(QUESTION)),
        "bob's reply, with his handle",
    )
    .await;
}

async fn approve_it(b: &mut Browser) {
    b.step("approve it").await;
    b.click_button(&comment(QUESTION), "Approve").await;
    b.see(
        "//p[@role='status'][normalize-space()='Done.']",
        "the notice",
    )
    .await;
    b.see(
        &format!("{TABS}//a[normalize-space()='Approved (1)']"),
        "the approved tab, with one comment",
    )
    .await;
}

async fn see_it_under_the_post(b: &mut Browser) {
    b.step("see it under the post").await;
    b.click_link(TABS, "Approved (1)").await;
    b.click_link(&comment(QUESTION), "Opening Hours").await;
    b.see(
        "//h2[normalize-space()='1 reply to “Opening Hours”']",
        "the reply count",
    )
    .await;
    b.see(&comment(QUESTION), "bob's reply under the post")
        .await;
}

async fn answer_it(b: &mut Browser) {
    b.step("answer it").await;
    b.visit("/admin/comments").await;
    b.click_link(TABS, "Approved (1)").await;
    b.click_link(&comment(QUESTION), "Answer").await;
    b.fill("Your answer", ANSWER).await;
    b.click_button("", "Publish answer").await;
    b.see(
        "//p[@role='status'][contains(., 'Your answer is published')]",
        "the notice that the answer is on its way",
    )
    .await;
}

async fn see_the_answer_under_the_post(b: &mut Browser) {
    b.step("see the answer under the post").await;
    b.visit(POST).await;
    b.see(
        "//h2[normalize-space()='2 replies to “Opening Hours”']",
        "the reply count",
    )
    .await;
    b.see(
        &format!(
            "{}[contains(@class, 'by-author')]//em[normalize-space()='Saturdays']",
            comment("We do, on")
        ),
        "the answer, marked as the author's",
    )
    .await;
}

async fn bob_receives_the_answer(b: &mut Browser, peer: &Peer, question: &Value) {
    b.step("bob receives the answer").await;
    let creates = peer.wait_for("Create", 1).await;
    let answer = &creates[0].activity["object"];
    assert_eq!(answer["type"], "Note", "{answer:#}");
    assert_eq!(answer["inReplyTo"], question["id"], "{answer:#}");
    let content = answer["content"].as_str().expect("the answer's HTML");
    assert!(content.contains("<em>Saturdays</em>"), "{content}");
}

/// A published post with two replies from a peer, both held.
async fn two_held_replies() -> Fediverse {
    let net = Fediverse::start(&[("peer.test", &["bob", "carol"])]).await;
    let author = net.blog.logged_in_admin().await;
    let fields = [("title", "Opening Hours"), ("body", "From nine to five.")];
    net.blog.write_post(&author, &fields, "publish").await;
    let peer = &net.peers[0];
    for (user, text) in [("bob", "Cheap pills"), ("carol", "Cheap watches")] {
        let reply = peer.reply(user, &net.blog_url(POST), &format!("<p>{text}</p>"));
        peer.send_activity(user, "Create", reply, &net.inbox())
            .await;
    }
    net
}

/// Applies the bulk `action` with the button `apply`, and sees both held
/// replies land in the tab `tab`.
async fn apply_to_both(b: &Browser, action: &str, apply: &str, tab: &str) {
    let select = b
        .find("//select[@id='bulk-action']", "the bulk action")
        .await;
    select.select_by_value(action).await.expect("action chosen");
    b.click_button("", apply).await;
    b.see(
        &format!("{TABS}//a[normalize-space()='{tab} (2)']"),
        &format!("both in {tab}"),
    )
    .await;
    b.see(
        &format!("{TABS}//a[normalize-space()='Pending (0)']"),
        "none left waiting",
    )
    .await;
}

#[tokio::test]
async fn the_admin_selects_every_held_reply_with_one_box_and_rejects_them() {
    let net = two_held_replies().await;
    super::run(
        "the_admin_selects_every_held_reply_with_one_box_and_rejects_them",
        &net.blog_url(""),
        async |b: &mut Browser| {
            b.log_in("alice").await;
            b.step("select all, then reject").await;
            b.menu("Comments").await;
            let ticked = "return [...document.querySelectorAll('input[name=ids]')] \
                          .filter(c => c.checked).length;";
            b.click("//label[normalize-space()='Select all']", "Select all")
                .await;
            let count = b.client.execute(ticked, vec![]).await.expect("script");
            assert_eq!(count, serde_json::json!(2), "both replies ticked");
            b.click(
                "(//input[@name='ids'])[1]",
                "the first reply's checkbox",
            )
            .await;
            let all = b.find("//input[@id='select-all']", "Select all").await;
            let state = b
                .client
                .execute(
                    "const a = document.getElementById('select-all'); return [a.checked, a.indeterminate];",
                    vec![],
                )
                .await
                .expect("script");
            assert_eq!(state, serde_json::json!([false, true]), "one of two left ticked");
            all.click().await.expect("Select all again");
            let count = b.client.execute(ticked, vec![]).await.expect("script");
            assert_eq!(count, serde_json::json!(2), "both ticked again");
            apply_to_both(b, "reject", "Apply to selected", "Rejected").await;
        },
    )
    .await;
}

#[tokio::test]
async fn the_admin_marks_every_held_reply_as_spam_at_once() {
    let net = two_held_replies().await;
    super::run(
        "the_admin_marks_every_held_reply_as_spam_at_once",
        &net.blog_url(""),
        async |b: &mut Browser| {
            b.log_in("alice").await;
            b.step("mark every held reply as spam").await;
            b.menu("Comments").await;
            b.see(
                &format!("{TABS}//a[normalize-space()='Pending (2)']"),
                "two held replies",
            )
            .await;
            apply_to_both(b, "spam", "Apply to all 2 shown", "Spam").await;
        },
    )
    .await;
}
