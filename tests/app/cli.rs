//! The `blog` binary as a user runs it.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::helpers::TestDb;

pub(crate) fn blog(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blog"));
    command
        .current_dir(db.dir.path())
        .env_remove("RUST_LOG")
        .env("BLOG_DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn add_user(db: &TestDb, args: &[&str], password: &str) -> std::process::Output {
    let mut child = blog(db)
        .args(["user", "add"])
        .args(args)
        .spawn()
        .expect("run blog");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    child.wait_with_output().expect("blog finishes")
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_it_logs_in() {
    let db = TestDb::new().await;

    let output = add_user(&db, &["librarian", "--admin"], "a long enough password");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin librarian"));
    let conn = blog::app::connect(&config_for(&db)).await.expect("connect");
    let user = blog::services::users::verify_login(&conn, "librarian", "a long enough password")
        .await
        .expect("query")
        .expect("password matches");
    assert!(user.is_admin);
}

#[tokio::test]
async fn user_add_refuses_a_short_password_with_a_clear_message() {
    let db = TestDb::new().await;

    let output = add_user(&db, &["librarian"], "short");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the password is too short: use at least 10 characters"),
        "{stderr}"
    );
}

#[tokio::test]
async fn user_add_refuses_a_name_that_exists() {
    let db = TestDb::new().await;
    assert!(
        add_user(&db, &["librarian"], "a long enough password")
            .status
            .success()
    );

    let output = add_user(&db, &["librarian"], "another long password");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a user called librarian already exists"),
        "{stderr}"
    );
    assert!(
        stderr.contains("blog user passwd librarian"),
        "says what to do instead: {stderr}"
    );
}

/// Runs `blog user ARGS` with `input` on standard input.
fn user_command(db: &TestDb, args: &[&str], input: &str) -> std::process::Output {
    let mut child = blog(db).arg("user").args(args).spawn().expect("run blog");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("blog finishes")
}

#[tokio::test]
async fn user_passwd_gives_a_new_password_and_the_old_one_stops_working() {
    let db = TestDb::new().await;
    assert!(
        add_user(&db, &["librarian"], "the first long password")
            .status
            .success()
    );

    let output = user_command(&db, &["passwd", "librarian"], "a brand new password\n");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("librarian has a new password"));
    let conn = blog::app::connect(&config_for(&db)).await.expect("connect");
    let login = |password: &'static str| {
        let conn = conn.clone();
        async move {
            blog::services::users::verify_login(&conn, "librarian", password)
                .await
                .expect("query")
                .is_some()
        }
    };
    assert!(login("a brand new password").await);
    assert!(!login("the first long password").await);

    let nobody = user_command(&db, &["passwd", "nobody"], "a brand new password\n");
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("there is no user called nobody"));
    let short = user_command(&db, &["passwd", "librarian"], "short\n");
    assert!(!short.status.success());
    assert!(
        login("a brand new password").await,
        "a refused password changes nothing"
    );
}

#[tokio::test]
async fn user_list_shows_names_roles_creation_and_last_login() {
    let db = TestDb::new().await;
    let empty = user_command(&db, &["list"], "");
    assert!(String::from_utf8_lossy(&empty.stdout).contains("no users yet"));
    assert!(
        add_user(&db, &["zelda", "--admin"], "a long enough password")
            .status
            .success()
    );
    assert!(
        add_user(&db, &["anna"], "a long enough password")
            .status
            .success()
    );
    let conn = blog::app::connect(&config_for(&db)).await.expect("connect");
    let anna = blog::services::users::find_by_username(&conn, "anna")
        .await
        .expect("query")
        .expect("anna");
    blog::services::users::logged_in(&conn, anna.id)
        .await
        .expect("login noted");

    let output = user_command(&db, &["list"], "");

    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("name"), "{stdout}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        lines[1].starts_with("anna ") && lines[1].contains("author"),
        "{stdout}"
    );
    assert!(lines[1].contains(&format!("{today}  {today}")), "{stdout}");
    assert!(
        lines[2].starts_with("zelda") && lines[2].contains("admin"),
        "{stdout}"
    );
    assert!(lines[2].ends_with("never"), "{stdout}");
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "passwd", "--help"],
        vec!["user", "list", "--help"],
        vec!["migrate", "--help"],
        vec!["import", "wordpress", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_blog"))
            .args(&args)
            .output()
            .expect("run");
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage: blog"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn serve_runs_without_a_config_file_and_explains_how_to_add_an_admin() {
    let db = TestDb::new().await;
    let mut command = blog(&db);
    command.env("BLOG_LISTEN", "127.0.0.1:0");
    if !db.is_postgres() {
        // The real default: SQLite under ./data, created on first start.
        command.env_remove("BLOG_DATABASE_URL");
    }
    let mut child = command.spawn().expect("run blog");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let mut log = String::new();
    let mut url = None;
    while url.is_none() || !log.contains("no admin user exists yet") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no start-up line: {log}"
        );
        let line = lines
            .next()
            .expect("server keeps running")
            .expect("utf-8 log");
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = rest.split_whitespace().next().map(str::to_owned);
        }
        log.push_str(&line);
        log.push('\n');
    }
    assert!(log.contains("blog user add NAME --admin"), "{log}");

    let response = reqwest::get(url.expect("URL logged")).await.expect("GET /");
    child.kill().ok();
    child.wait().ok();

    assert_eq!(response.status(), 200);
    if !db.is_postgres() {
        assert!(
            db.dir.path().join("data/blog.db").exists(),
            "./data was created"
        );
    }
}

#[tokio::test]
async fn environment_variables_override_the_config_file() {
    let db = TestDb::new().await;
    std::fs::write(
        db.dir.path().join("config.toml"),
        "[blog]\ntitle = \"From the file\"\n",
    )
    .expect("write");

    let output = blog(&db)
        .env("BLOG_BLOG__USERNAME", "Bad Handle")
        .arg("migrate")
        .output()
        .expect("run");

    // The file was read (its title is valid) and the variable reached [blog].username.
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("blog.username is not a valid handle"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unknown_key_in_the_config_file_stops_the_server_with_its_name() {
    let db = TestDb::new().await;
    let path = db.dir.path().join("custom.toml");
    std::fs::write(&path, "lissen = \"127.0.0.1:9\"\n").expect("write");

    let output = blog(&db)
        .arg("--config")
        .arg(&path)
        .arg("migrate")
        .output()
        .expect("run");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lissen"), "{stderr}");
}

#[tokio::test]
async fn a_misspelt_key_is_named_with_its_file_line_and_the_key_meant() {
    let db = TestDb::new().await;
    let path = db.dir.path().join("config.toml");
    std::fs::write(
        &path,
        "public_url = \"https://blog.example\"\n\n[blog]\ntitel = \"Reading Room\"\n",
    )
    .expect("write");

    let output = blog(&db).arg("migrate").output().expect("run");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("config.toml, line 4: unknown key `titel` in [blog]; did you mean `title`?"),
        "{stderr}"
    );
    assert!(!stderr.contains("default."), "no profile prefix: {stderr}");
}

#[tokio::test]
async fn a_log_written_to_a_file_has_no_colour_codes() {
    let db = TestDb::new().await;
    let log_path = db.dir.path().join("blog.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = blog(&db)
        .env("BLOG_LISTEN", "127.0.0.1:0")
        .stderr(log)
        .spawn()
        .expect("run blog");
    let started = Instant::now();
    let written = loop {
        let written = std::fs::read_to_string(&log_path).unwrap_or_default();
        if written.contains("listening on") {
            break written;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no start-up line: {written}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    child.kill().ok();
    child.wait().ok();

    assert!(written.contains("INFO"), "{written}");
    assert!(!written.contains('\u{1b}'), "escape codes in {written:?}");
}

pub(crate) fn config_for(db: &TestDb) -> blog::config::Config {
    blog::config::Config {
        database_url: Some(db.url.clone()),
        ..Default::default()
    }
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database_and_the_copy_restores() {
    let app = crate::helpers::TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(
        &admin,
        &[("title", "Kept safe"), ("body", "In the backup.")],
        "publish",
    )
    .await;
    let file = app.store.dir.path().join("backup.db");

    let output = blog(&app.store)
        .arg("backup")
        .arg(&file)
        .output()
        .expect("run");

    let stderr = String::from_utf8_lossy(&output.stderr);
    if app.store.is_postgres() {
        assert!(!output.status.success());
        assert!(stderr.contains("pg_dump"), "{stderr}");
        return;
    }
    assert!(output.status.success(), "{stderr}");
    // A second backup to the same file is refused rather than overwriting it.
    let again = blog(&app.store)
        .arg("backup")
        .arg(&file)
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let restored = crate::helpers::TestApp::spawn_with(|c| {
        c.database_url = Some(format!("sqlite://{}?mode=rw", file.display()));
    })
    .await;
    let (status, page) = restored
        .get_text(&restored.client(), "/posts/kept-safe")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("In the backup."));
}

#[tokio::test]
async fn the_log_can_be_json_lines_for_a_collector() {
    let db = TestDb::new().await;
    let mut command = blog(&db);
    command
        .env("BLOG_LISTEN", "127.0.0.1:0")
        .env("BLOG_LOG_FORMAT", "json");
    let mut child = command.spawn().expect("run blog");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen.iter().any(|v: &serde_json::Value| {
        v["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("listening on"))
    }) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no start-up line: {seen:?}"
        );
        let line = lines
            .next()
            .expect("server keeps running")
            .expect("utf-8 log");
        let value: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
        seen.push(value);
    }
    child.kill().ok();
    child.wait().ok();
}

#[tokio::test]
async fn export_writes_posts_as_markdown_and_replies_as_json() {
    use std::io::Read;

    use blog::{
        config::{ModerationConfig, ModerationPolicy},
        services::comments::{self, IncomingReply},
    };
    let app = crate::helpers::TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(
        &admin,
        &[
            ("title", "Opening \"hours\""),
            ("body", "We open at *nine*.\n\nAnd close at five."),
            ("tags", "library, hours"),
        ],
        "publish",
    )
    .await;
    app.write_post(
        &admin,
        &[("title", "Unfinished"), ("body", "Draft.")],
        "draft",
    )
    .await;
    let reader = app.reader().await;
    let reply = IncomingReply {
        language: Some("en".into()),
        ..crate::helpers::reply_to_post(
            "https://social.example/notes/1",
            "opening-hours",
            "<p>Thank you!</p>",
        )
    };
    let open = ModerationConfig {
        policy: ModerationPolicy::Open,
        keywords: vec![],
    };
    comments::receive(&app.db, &reader, reply, &open)
        .await
        .expect("reply stored");
    let media = app.config.media_dir();
    std::fs::create_dir_all(&media).expect("media folder");
    let image = "0123456789abcdef0123456789abcdef-1x1.png";
    std::fs::write(media.join(image), b"not really a png").expect("image");
    std::fs::write(media.join(format!(".{image}.partial")), b"half").expect("partial");
    let file = app.store.dir.path().join("export.zip");

    let output = blog(&app.store)
        .arg("export")
        .arg(&file)
        .output()
        .expect("run blog export");

    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("wrote 2 posts, 1 replies and 1 images"),
        "{output:?}"
    );
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&file).expect("archive")).expect("zip");
    let mut post = String::new();
    archive
        .by_name("posts/opening-hours.md")
        .expect("the post")
        .read_to_string(&mut post)
        .expect("utf-8");
    let mut parts = post.splitn(3, "+++\n");
    assert_eq!(parts.next(), Some(""));
    let front: toml::Value = toml::from_str(parts.next().expect("front matter")).expect("TOML");
    assert_eq!(front["title"].as_str(), Some("Opening \"hours\""));
    assert_eq!(front["status"].as_str(), Some("published"));
    assert_eq!(
        front["tags"].as_array().map(|t| t.len()),
        Some(2),
        "{front:?}"
    );
    assert!(front.get("date").is_some());
    assert_eq!(
        parts.next().map(str::trim),
        Some("We open at *nine*.\n\nAnd close at five.")
    );
    let mut draft = String::new();
    archive
        .by_name("posts/unfinished.md")
        .expect("the draft")
        .read_to_string(&mut draft)
        .expect("utf-8");
    assert!(draft.contains("status = \"draft\""), "{draft}");
    let replies: serde_json::Value =
        serde_json::from_reader(archive.by_name("comments.json").expect("comments")).expect("JSON");
    assert_eq!(replies[0]["post_slug"], "opening-hours");
    assert_eq!(
        replies[0]["author_ap_id"],
        "https://social.example/users/reader"
    );
    assert!(
        replies[0]["content_html"]
            .as_str()
            .expect("html")
            .contains("Thank you!")
    );

    let mut copied = Vec::new();
    archive
        .by_name(&format!("media/{image}"))
        .expect("the image")
        .read_to_end(&mut copied)
        .expect("bytes");
    assert_eq!(copied, b"not really a png");
    assert_eq!(
        archive
            .file_names()
            .filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("media/")))
            .count(),
        1,
        "half-written files are left out"
    );

    // An existing file is never overwritten.
    let again = blog(&app.store)
        .arg("export")
        .arg(&file)
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("must not exist yet"));
}
