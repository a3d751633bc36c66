//! Running the import again, with and without `--federate`, and as the
//! `blog` binary.

use std::process::{Command, Stdio};

use blog::entities::{activity, delivery};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::{EXPORT, blog, counts, import_export, import_text};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_second_import_of_the_same_file_adds_nothing() {
    let app = blog().await;
    let first = import_export(&app).await;
    let before = counts(&app.db).await;

    let second = import_export(&app).await;

    assert_eq!(counts(&app.db).await, before);
    assert_eq!((first.comments_new, first.comments_pending), (5, 1));
    assert_eq!((first.comments_spam, first.comments_notices), (2, 1));
    assert_eq!(
        (second.posts_new, second.posts_existing),
        (0, 5),
        "{second:?}"
    );
    assert_eq!((second.comments_new, second.comments_existing), (0, 5));
    assert_eq!((second.redirects, second.tags), (0, 0));
    assert!(second.is_nothing_new());
    assert!(second.to_string().contains("Nothing new"), "{second}");
}

async fn create_deliveries(db: &DatabaseConnection) -> (u64, u64) {
    let creates = activity::Entity::find()
        .filter(activity::Column::Kind.eq("create"))
        .all(db)
        .await
        .expect("activities");
    let ids: Vec<i32> = creates.iter().map(|a| a.id).collect();
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::ActivityId.is_in(ids))
        .count(db)
        .await
        .expect("deliveries");
    (creates.len() as u64, deliveries)
}

async fn followed_blog() -> TestApp {
    let app = blog().await;
    app.add_follower(
        "https://social.example/users/reader",
        "https://social.example/inbox",
    )
    .await;
    app
}

#[tokio::test]
async fn imported_posts_reach_followers_only_with_federate() {
    let quiet = followed_blog().await;
    let summary = import_text(&quiet, "export.xml", EXPORT, false)
        .await
        .expect("imports");
    assert_eq!(create_deliveries(&quiet.db).await, (0, 0));
    assert!(summary.to_string().contains("not told"), "{summary}");

    let loud = followed_blog().await;
    let summary = import_text(&loud, "export.xml", EXPORT, true)
        .await
        .expect("imports");

    // The three published posts; not the draft, not the scheduled one.
    assert_eq!(summary.announced, 3);
    assert_eq!(create_deliveries(&loud.db).await, (3, 3));
}

fn blog_command(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blog"));
    command
        .current_dir(app.store.dir.path())
        .env_remove("RUST_LOG")
        .env("BLOG_DATABASE_URL", &app.store.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[tokio::test]
async fn blog_import_wordpress_prints_a_summary_and_a_second_run_imports_nothing() {
    let app = blog().await;
    std::fs::write(app.store.dir.path().join("export.xml"), EXPORT).expect("write");
    let client = app.client();
    let (_, home) = app.get_text(&client, "/").await;
    assert!(!home.contains("Customer Service"));

    let first = blog_command(&app)
        .args(["import", "wordpress", "export.xml"])
        .output()
        .expect("run blog import");

    let stdout = String::from_utf8_lossy(&first.stdout);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Imported Ann's Kitchen Notes from export.xml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("posts:     5 new (3 published, 1 draft, 1 scheduled), 0 already here"),
        "{stdout}"
    );
    assert!(
        stdout.contains("comments:  5 new (1 waiting for approval)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("redirects: 13 old addresses added"),
        "{stdout}"
    );
    assert!(stdout.contains("1 page"), "{stdout}");
    assert!(
        !stderr.contains("Writing"),
        "no progress bar off a terminal: {stderr}"
    );
    if app.store.is_postgres() {
        // The running server was told to drop the home page it had cached.
        let mut fresh = false;
        for _ in 0..50 {
            let (_, home) = app.get_text(&client, "/").await;
            if home.contains("Customer Service") {
                fresh = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(fresh, "the home page shows the imported posts");
    } else {
        assert!(
            stdout.contains("after its next change or restart"),
            "{stdout}"
        );
    }

    let second = blog_command(&app)
        .args(["import", "wordpress", "export.xml"])
        .output()
        .expect("run blog import");
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success());
    assert!(
        stdout.contains("0 new") && stdout.contains("5 already here"),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing new"), "{stdout}");

    std::fs::write(
        app.store.dir.path().join("broken.xml"),
        &EXPORT[..EXPORT.len() / 2],
    )
    .expect("write");
    let broken = blog_command(&app)
        .args(["import", "wordpress", "broken.xml"])
        .output()
        .expect("run blog import");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(!broken.status.success());
    assert!(stderr.starts_with("error: broken.xml:"), "{stderr}");
    assert!(stderr.contains("Nothing was imported"), "{stderr}");
}
