//! A blog with posts and approved replies, written through the services.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use blog::{
    app,
    config::{Config, ModerationConfig, ModerationPolicy},
    domain::{Password, Username, sanitize_remote},
    entities::actor,
    services::{
        actors::{self, RemoteActorData},
        comments::{self, IncomingReply, ReplyTarget},
        posts::{self, PostForm, PostStatus},
        users,
    },
    urls::Urls,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// A data folder under the system's temporary folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("blog-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        remove(&self.0);
    }
}

/// Removes a scenario's data: its folder and, on PostgreSQL, its database.
pub fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let Some((base, name)) = postgres(dir) else {
        return;
    };
    // Called from async code too: a runtime of its own on a thread of its own.
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let admin = sea_orm::Database::connect(&base).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await
        })?;
        anyhow::Ok(())
    })
    .join();
}

/// With `BENCH_DATABASE_URL` (a PostgreSQL server URL) set, every scenario
/// gets a fresh database there instead of SQLite: its server URL and name.
fn postgres(dir: &Path) -> Option<(String, String)> {
    let base = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())?;
    let folder = dir.file_name()?.to_string_lossy().to_string();
    let name: String = folder
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Some((base, name))
}

/// The database a scenario's server uses: SQLite in `dir`, or PostgreSQL
/// when `BENCH_DATABASE_URL` is set.
pub fn database_url(dir: &Path) -> String {
    match postgres(dir) {
        Some((base, name)) => {
            let mut url = url::Url::parse(&base).expect("BENCH_DATABASE_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("blog.db").display()),
    }
}

pub fn config(dir: &Path) -> Config {
    Config {
        data_dir: dir.to_owned(),
        database_url: Some(database_url(dir)),
        ..Config::default()
    }
}

async fn create_database(dir: &Path) -> anyhow::Result<()> {
    let Some((base, name)) = postgres(dir) else {
        return Ok(());
    };
    let admin = sea_orm::Database::connect(&base).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    Ok(())
}

/// Creates the admin, and one published post per `(slug, replies)`, every
/// reply a direct answer to the post from the same reader.
pub async fn blog(
    config: &Config,
    posts_and_replies: &[(&str, usize)],
) -> anyhow::Result<DatabaseConnection> {
    build(config, posts_and_replies, Shape::Flat).await
}

/// Like `blog`, with replies shaped as conversations go: from 50 readers,
/// mostly answering the post, and one in ten answering an earlier reply.
pub async fn threaded(
    config: &Config,
    posts_and_replies: &[(&str, usize)],
) -> anyhow::Result<DatabaseConnection> {
    build(config, posts_and_replies, Shape::Threads).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Flat,
    Threads,
}

const THREAD_AUTHORS: usize = 50;

async fn build(
    config: &Config,
    posts_and_replies: &[(&str, usize)],
    shape: Shape,
) -> anyhow::Result<DatabaseConnection> {
    create_database(&config.data_dir).await?;
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    // The blog's key pair, which a blog gets on its first start: every
    // scenario measures a blog that has started before.
    blog::federation::actor::LocalActor::load(&db, &Urls::new(config)).await?;
    let admin = users::create(
        &db,
        &Username::parse("admin")?,
        &Password::parse("benchmark password".into())?,
        true,
    )
    .await?;
    let names: Vec<String> = match shape {
        Shape::Flat => vec!["reader".into()],
        Shape::Threads => (0..THREAD_AUTHORS).map(|k| format!("reader{k}")).collect(),
    };
    let mut authors = Vec::with_capacity(names.len());
    for name in &names {
        authors.push(reader(&db, name).await?);
    }
    let body = "A paragraph of *Markdown*, long enough to look like a real post.\n\n".repeat(20);
    for (slug, replies) in posts_and_replies {
        let form = PostForm {
            title: format!("Post {slug}"),
            body: body.clone(),
            slug: (*slug).into(),
            tags: "bench, library".into(),
            ..Default::default()
        };
        let valid = form
            .validate(chrono_tz::Tz::UTC)
            .map_err(|e| anyhow::anyhow!("invalid seed post: {e:?}"))?;
        posts::create(
            &db,
            admin.id,
            valid,
            PostStatus::Published,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("seed post failed: {e}"))?;
        let urls = Urls::new(config);
        for n in 0..*replies {
            let target = match parent(n, shape) {
                Some(p) => ReplyTarget::Comment {
                    ap_id: note_id(slug, p),
                },
                None => ReplyTarget::Post {
                    slug: (*slug).into(),
                },
            };
            let reply = incoming(&urls, slug, n, target);
            comments::receive(&db, &authors[n % authors.len()], reply, &OPEN).await?;
        }
    }
    Ok(db)
}

/// Every reply is approved as it arrives.
const OPEN: ModerationConfig = ModerationConfig {
    policy: ModerationPolicy::Open,
    keywords: vec![],
};

/// The earlier reply that reply `n` answers, if any: every tenth, spread
/// over the replies before it (answers to answers included).
fn parent(n: usize, shape: Shape) -> Option<usize> {
    // A multiplicative hash of n spreads the parents; n * K % n alone would
    // always be 0 and pile every answer onto the first reply.
    (shape == Shape::Threads && n % 10 == 9)
        .then(|| ((n as u64).wrapping_mul(2_654_435_761) >> 16) as usize % n)
}

fn note_id(slug: &str, n: usize) -> String {
    format!("https://social.example/notes/{slug}-{n}")
}

fn incoming(urls: &Urls, slug: &str, n: usize, target: ReplyTarget) -> IncomingReply {
    IncomingReply {
        ap_id: note_id(slug, n),
        url: blog::domain::HttpUrl::parse_opt(&format!(
            "https://social.example/@reader/{slug}-{n}"
        )),
        target,
        content: sanitize_remote(&format!(
            "<p>Reply number {n} to <a href=\"{}\">the post</a>, with <strong>some</strong> words.</p>",
            urls.post(slug)
        )),
        content_warning: None,
        sensitive: false,
        language: Some("en".into()),
        mentions: vec![],
        hashtags: vec![],
        attachments: vec![],
        published: chrono::Utc::now(),
        arrival: Default::default(),
        replies_url: None,
        context_url: None,
    }
}

/// A remote reader on social.example.
async fn reader(db: &DatabaseConnection, name: &str) -> anyhow::Result<actor::Model> {
    actors::upsert(
        db,
        RemoteActorData {
            ap_id: format!("https://social.example/users/{name}"),
            inbox: "https://social.example/inbox".into(),
            shared_inbox: None,
            public_key_pem: "unused".into(),
            preferred_username: name.into(),
            name: Some(format!("A Reader ({name})")),
            host: "social.example".into(),
            url: Some(format!("https://social.example/@{name}")),
            icon_url: Some("https://social.example/avatar.png".into()),
        },
        chrono::Utc::now(),
    )
    .await
}

/// Polls the comment counts through a connection of its own until at least
/// `expected` comments exist or `timeout` passes: how many it saw, and when
/// it first saw enough. The inbox may store a reply after answering 202, so
/// an answer alone does not say the reply is kept.
pub async fn wait_for_comments(
    config: &Config,
    expected: u64,
    timeout: Duration,
) -> anyhow::Result<(u64, Option<Instant>)> {
    let db = app::connect(config).await?;
    let deadline = Instant::now() + timeout;
    let seen = loop {
        let counts = comments::status_counts(&db).await?;
        let total = counts.pending + counts.approved + counts.rejected + counts.spam;
        if total >= expected {
            break (total, Some(Instant::now()));
        }
        if Instant::now() >= deadline {
            break (total, None);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    db.close().await?;
    Ok(seen)
}
