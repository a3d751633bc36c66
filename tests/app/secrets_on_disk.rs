//! The database holds the actor's private key, the CSRF key and the
//! sessions: it, its WAL, the data folder, backups and exports are readable
//! by their owner only, whether the server or a command made them.

#![cfg(unix)]

use std::{os::unix::fs::PermissionsExt, path::Path};

use crate::helpers::{TestApp, TestDb};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_embedded_database_its_wal_and_folder_are_owner_only() {
    // Embedded SQLite in the data folder, whichever database the suite runs on.
    let app = TestApp::spawn_with(|c| c.database_url = None).await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Secret"), ("body", "x")], "publish")
        .await;
    let data = app.config.data_dir.clone();

    assert_eq!(mode(&data), 0o700, "the data folder");
    for name in ["blog.db", "blog.db-wal", "blog.db-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
}

#[tokio::test]
async fn an_existing_install_is_narrowed_at_start() {
    let store = TestDb::new().await;
    let data = store.data_dir();
    std::fs::create_dir_all(&data).expect("folder");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let db = data.join("blog.db");
    std::fs::write(&db, b"").expect("file");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let config = blog::config::Config {
        data_dir: data.clone(),
        database_url: None,
        ..blog::config::Config::default()
    };
    let conn = blog::app::connect(&config).await.expect("connect");
    blog::app::migrate(&conn).await.expect("migrate");

    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&data.join("blog.db-wal")), 0o600);
}

#[tokio::test]
async fn commands_make_owner_only_databases_backups_and_exports() {
    let store = TestDb::new().await;
    let run = |args: &[&str]| {
        let output = crate::cli::blog(&store)
            .env_remove("BLOG_DATABASE_URL")
            .args(args)
            .output()
            .expect("run blog");
        assert!(
            output.status.success(),
            "blog {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    run(&["migrate"]);
    run(&["backup", "copy.db"]);
    run(&["export", "site.zip"]);

    let dir = store.dir.path();
    assert_eq!(mode(&dir.join("data")), 0o700, "the data folder");
    assert_eq!(mode(&dir.join("data/blog.db")), 0o600, "the database");
    assert_eq!(mode(&dir.join("copy.db")), 0o600, "the backup");
    assert_eq!(mode(&dir.join("site.zip")), 0o600, "the export");
}
