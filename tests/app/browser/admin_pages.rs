//! Every admin page at a laptop's width and a phone's: a screenshot of
//! each (kept as an artefact), a header that stays on one line where there
//! is room, checkboxes beside their labels, labelled columns, and nothing
//! wider than the screen.

use std::path::PathBuf;

use blog::config::{ModerationConfig, ModerationPolicy};

use super::Browser;
use crate::helpers::TestApp;

const PAGES: [(&str, &str); 8] = [
    ("posts", "/admin"),
    ("editor", "/admin/posts/new"),
    ("comments", "/admin/comments"),
    ("reports", "/admin/reports"),
    ("blocks", "/admin/blocks"),
    ("fediverse", "/admin/fediverse"),
    ("images", "/admin/media"),
    ("account", "/admin/account"),
];

/// Where the pictures are kept: `<target>/tmp/admin-screenshots/`.
fn artefacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("admin-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn number(b: &Browser, script: &str) -> f64 {
    b.client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|err| panic!("{script}: {err}"))
        .as_f64()
        .unwrap_or_else(|| panic!("{script} is not a number"))
}

async fn check_page(b: &mut Browser, name: &str, path: &str, width: u32) {
    b.step(&format!("{name} at {width} px")).await;
    b.client
        .set_window_size(width, 900)
        .await
        .expect("window size");
    b.visit(path).await;
    b.see("//nav[@aria-label='Admin']", "the admin menu").await;
    let png = b.client.screenshot().await.expect("screenshot");
    std::fs::write(artefacts().join(format!("{name}-{width}.png")), png).expect("screenshot kept");

    let overflow = number(
        b,
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
    )
    .await;
    assert!(
        overflow <= 1.0,
        "{name} at {width} px is {overflow} px too wide"
    );
    if width < 600 {
        // On a phone the menu folds behind one "Menu" button, and opens.
        let folded = number(
            b,
            "const menu = document.querySelector('.admin-menu > summary'); \
             const row = document.querySelector('.admin-row'); \
             return menu.offsetParent !== null && row.offsetParent === null \
               ? menu.getBoundingClientRect().height : -1;",
        )
        .await;
        assert!(
            folded > 0.0 && folded < 60.0,
            "the admin menu is not folded into one button on {name} at {width} px ({folded})"
        );
        b.click(
            "//details[contains(@class, 'admin-menu')]/summary",
            "the Menu button",
        )
        .await;
        b.see(
            "//details[@open]/nav[@aria-label='Admin']//a[normalize-space()='Account']",
            "the opened menu",
        )
        .await;
        if name == "posts" {
            let png = b.client.screenshot().await.expect("screenshot");
            std::fs::write(artefacts().join(format!("menu-{width}.png")), png)
                .expect("screenshot kept");
        }
    }
    let logout = number(
        b,
        "const b = [...document.querySelectorAll('nav[aria-label=Admin] form button')] \
           .find(b => b.offsetParent !== null); \
         return b.getBoundingClientRect().height / parseFloat(getComputedStyle(b).lineHeight || 20);",
    )
    .await;
    assert!(
        logout < 2.5,
        "the log-out button wraps on {name} at {width} px"
    );
    if width >= 1280 {
        let lines = number(
            b,
            "const items = [...document.querySelectorAll('nav.admin-row > *')]; \
             return new Set(items.map(i => Math.round(i.getBoundingClientRect().top / 8))).size;",
        )
        .await;
        assert_eq!(lines, 1.0, "the admin menu wraps on {name} at {width} px");
    }
    let unlabelled = number(
        b,
        "return [...document.querySelectorAll('table.admin-list th')] \
         .filter(th => th.textContent.trim() === '').length;",
    )
    .await;
    assert_eq!(unlabelled, 0.0, "an unlabelled column on {name}");
    // Where the headers are hidden (a phone), each cell after a row's first
    // names its column, but for the actions.
    let unnamed = number(
        b,
        "return [...document.querySelectorAll('table.admin-list')] \
         .filter(t => t.tHead && getComputedStyle(t.tHead).display === 'none') \
         .flatMap(t => [...t.tBodies[0].rows].flatMap(r => [...r.cells].slice(1))) \
         .filter(td => !td.classList.contains('actions') && td.textContent.trim() !== '' \
           && ['none', 'normal'].includes(getComputedStyle(td, '::before').content)).length;",
    )
    .await;
    assert_eq!(
        unnamed, 0.0,
        "a cell without its column's name on {name} at {width} px"
    );
    let floating = number(
        b,
        "return [...document.querySelectorAll('input[type=checkbox]')] \
         .filter(c => c.closest('label') && c.offsetParent !== null) \
         .filter(c => { const box = c.getBoundingClientRect(); \
           const label = c.closest('label').getBoundingClientRect(); \
           return box.width > 40 || box.bottom < label.top + 2 || box.top > label.top + label.height / 2; }).length;",
    )
    .await;
    assert_eq!(
        floating, 0.0,
        "a checkbox sits apart from its label on {name} at {width} px"
    );
}

#[tokio::test]
async fn every_admin_page_fits_a_laptop_and_a_phone() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("alice", true).await;
    app.write_post(
        &admin,
        &[
            ("title", "Opening hours over the winter holidays"),
            ("body", "We close early on the 24th."),
        ],
        "publish",
    )
    .await;
    app.write_post(
        &admin,
        &[
            ("title", "A draft with a rather long title indeed"),
            ("body", "Soon."),
        ],
        "draft",
    )
    .await;
    let reader = app.reader().await;
    let held = ModerationConfig {
        policy: ModerationPolicy::All,
        keywords: vec![],
    };
    blog::services::comments::receive(
        &app.db,
        &reader,
        crate::helpers::reply_to_post(
            "https://social.example/notes/1",
            "opening-hours-over-the-winter-holidays",
            "<p>Will you open on the 27th?</p>",
        ),
        &held,
    )
    .await
    .expect("reply stored");
    blog::services::reports::receive(
        &app.db,
        &reader,
        blog::services::reports::IncomingReport {
            ap_id: "https://social.example/reports/1".to_owned(),
            content: "This reply links to a shop selling fake tickets.".to_owned(),
            objects: vec![(
                "https://social.example/notes/1".to_owned(),
                blog::services::reports::Reported::Other,
            )],
        },
    )
    .await
    .expect("report stored");
    let made = app
        .submit(
            &admin,
            "/admin/account",
            "/admin/account/tokens",
            &[("name", "Phone"), ("scope", "create")],
        )
        .await;
    assert_eq!(made.status(), 200);
    let blocked = app
        .submit(
            &admin,
            "/admin/blocks",
            "/admin/blocks",
            &[("domain", "spam.example"), ("reason", "Spam")],
        )
        .await;
    assert_eq!(blocked.status(), 303);

    super::run(
        "every_admin_page_fits_a_laptop_and_a_phone",
        &app.base,
        async |b: &mut Browser| {
            b.log_in("alice").await;
            for width in [1280, 390] {
                for (name, path) in PAGES {
                    check_page(b, name, path, width).await;
                }
            }
        },
    )
    .await;
}
