//! `TestApp`: a running server on its own database, and a browser-like client.

use std::path::PathBuf;

use blog::{
    app::{self, App},
    config::Config,
    domain::{Password, Username},
    services::users,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub const PASSWORD: &str = "correct horse battery staple";

/// Where a test's data lives; outlives restarts of the server.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: String,
    /// Set for PostgreSQL: the server URL and the database to drop afterwards.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => TestDb::on_postgres(base).await,
            _ => TestDb::sqlite(),
        }
    }

    /// An embedded SQLite database, whichever database the suite runs on.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("blog.db").display());
        TestDb {
            dir,
            url,
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, for what only PostgreSQL does (several
    /// processes sharing one database): on the server of TEST_DATABASE_URL
    /// when the suite runs on PostgreSQL, else of TEST_POSTGRES_URL. With
    /// neither, `None`: the test says it was skipped, and under `CI` it
    /// fails instead, so that it never passes without running.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let base = ["TEST_DATABASE_URL", "TEST_POSTGRES_URL"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|url| url.starts_with("postgres"));
        match base {
            Some(base) => Some(TestDb::on_postgres(base).await),
            None if std::env::var_os("CI").is_some() => {
                panic!("{test} needs PostgreSQL: set TEST_POSTGRES_URL (CI sets it)")
            }
            None => {
                eprintln!("{test}: skipped: needs PostgreSQL (set TEST_POSTGRES_URL)");
                None
            }
        }
    }

    async fn on_postgres(base: String) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let name = format!("blog_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&base)
            .await
            .expect("connect to the PostgreSQL server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(&base).expect("a PostgreSQL URL");
        url.set_path(&name);
        TestDb {
            dir,
            url: url.to_string(),
            postgres: Some((base, name)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, so clean up on a thread of our own.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&base).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join()
        .ok();
    }
}

pub struct TestApp {
    pub base: String,
    pub config: Config,
    pub db: DatabaseConnection,
    /// What time it is for the server (moved by tests that schedule).
    pub clock: blog::clock::Clock,
    client: Option<reqwest::Client>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    // Declared last: dropped after the server and connections are gone.
    pub store: TestDb,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with the test's database and any configuration changes.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> TestApp {
        Self::start(TestDb::new().await, change).await
    }

    /// Spawns on a database of the test's choosing (see `TestDb::sqlite`,
    /// `TestDb::postgres`).
    pub async fn start(store: TestDb, change: impl FnOnce(&mut Config)) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start_on(store, listener, None, change).await
    }

    /// Starts the blog as `blog.test` on a bound listener, with a client that
    /// resolves the other test hosts; see `federation::Fediverse`.
    pub async fn start_on(
        store: TestDb,
        listener: TcpListener,
        client: Option<reqwest::Client>,
        change: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::start_on_clock(
            store,
            listener,
            client,
            blog::clock::Clock::system(),
            change,
        )
        .await
    }

    /// Like `start_on`, going by `clock`.
    pub async fn start_on_clock(
        store: TestDb,
        listener: TcpListener,
        client: Option<reqwest::Client>,
        clock: blog::clock::Clock,
        change: impl FnOnce(&mut Config),
    ) -> TestApp {
        // Server logs appear with a failing test's output (RUST_LOG to change the level).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn,blog=info".into()),
            )
            .with_test_writer()
            .try_init();
        let addr = listener.local_addr().expect("local address");
        let base = format!("http://127.0.0.1:{}", addr.port());
        let mut config = Config {
            public_url: base.parse().expect("base URL"),
            listen: addr,
            data_dir: store.data_dir(),
            database_url: Some(store.url.clone()),
            ..Config::default()
        };
        config.blog.title = "The Reading Room".into();
        // What the fediverse changes shows at once, so that tests read it
        // straight after; tests of the gathering set their own interval.
        config.page_cache_coalesce_ms = 0;
        change(&mut config);
        let http = match &client {
            Some(client) => client.clone(),
            None => blog::federation::http_client(&config).expect("client"),
        };
        let connection = app::connect(&config).await.expect("app connection");
        let app = App::with_clock(config.clone(), listener, http, connection, clock.clone())
            .await
            .expect("app builds");
        let (stop, stopped) = oneshot::channel();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let db = app::connect(&config).await.expect("test connection");
        TestApp {
            base,
            config,
            db,
            clock,
            client,
            stop: Some(stop),
            server: Some(server),
            store,
        }
    }

    /// Stops the server gracefully and starts a new one on the same data,
    /// address and configuration.
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        let store = std::mem::replace(&mut self.store, TestDb::placeholder());
        let config = self.config.clone();
        let listener = TcpListener::bind(config.listen)
            .await
            .expect("rebind the same port");
        let clock = self.clock.clone();
        Self::start_on_clock(store, listener, self.client.clone(), clock, move |c| {
            *c = config
        })
        .await
    }

    /// Like `restart`, with a changed configuration.
    pub async fn restart_with(mut self, change: impl FnOnce(&mut Config)) -> TestApp {
        self.shutdown().await;
        let store = std::mem::replace(&mut self.store, TestDb::placeholder());
        let listener = TcpListener::bind(self.config.listen)
            .await
            .expect("rebind the same port");
        let clock = self.clock.clone();
        Self::start_on_clock(store, listener, self.client.clone(), clock, change).await
    }

    /// Asks the server to stop (like SIGTERM) without waiting for it.
    pub fn signal_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
        self.db.clone().close().await.ok();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects, like a
    /// browser whose every step the test checks.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Stores a remote account as if it had been fetched, with this inbox.
    pub async fn remote_actor(&self, ap_id: &str, inbox: &str) -> blog::entities::actor::Model {
        let url = url::Url::parse(ap_id).expect("actor id");
        blog::services::actors::upsert(
            &self.db,
            blog::services::actors::RemoteActorData {
                ap_id: ap_id.to_owned(),
                inbox: inbox.to_owned(),
                shared_inbox: None,
                public_key_pem: "unused".into(),
                preferred_username: url
                    .path()
                    .rsplit('/')
                    .next()
                    .unwrap_or("someone")
                    .to_owned(),
                name: None,
                host: url.host_str().unwrap_or_default().to_owned(),
                url: None,
                icon_url: None,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("actor stored")
    }

    /// A remote account (`ap_id`, with `inbox`) that follows the blog, as
    /// if its Follow had been accepted; no peer is needed.
    /// A remote reader on social.example, as if fetched.
    pub async fn reader(&self) -> blog::entities::actor::Model {
        self.remote_actor(
            "https://social.example/users/reader",
            "https://social.example/inbox",
        )
        .await
    }

    pub async fn add_follower(&self, ap_id: &str, inbox: &str) {
        let actor = self.remote_actor(ap_id, inbox).await;
        blog::services::followers::accept(&self.db, &actor, &format!("{ap_id}#follow"), |_| {
            "{}".into()
        })
        .await
        .expect("follower");
    }

    pub async fn add_user(&self, name: &str, admin: bool) {
        let username = Username::parse(name).expect("valid username");
        let password = Password::parse(PASSWORD.into()).expect("valid password");
        users::create(&self.db, &username, &password, admin)
            .await
            .expect("user created");
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let response = self.get(client, path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Loads `form_page` for its CSRF token, then posts `fields` with it to `action`.
    pub async fn submit(
        &self,
        client: &reqwest::Client,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let (status, page) = self.get_text(client, form_page).await;
        assert_eq!(status, 200, "form page {form_page} should load: {page}");
        let token = csrf_token(&page);
        let mut body: Vec<(&str, &str)> = vec![("authenticity_token", &token)];
        body.extend_from_slice(fields);
        client
            .post(self.url(action))
            .form(&body)
            .send()
            .await
            .expect("POST")
    }

    /// Turns the logged-in user's own fediverse account on or off, from
    /// their Account page.
    pub async fn set_own_account(&self, client: &reqwest::Client, on: bool) {
        let fields: &[(&str, &str)] = if on { &[("account", "on")] } else { &[] };
        let saved = self
            .submit(client, "/admin/account", "/admin/account/fediverse", fields)
            .await;
        assert_eq!(saved.status(), 303, "own account saved");
    }

    /// A logged-in client for a fresh admin called `alice`.
    pub async fn logged_in_admin(&self) -> reqwest::Client {
        self.logged_in("alice", true).await
    }

    /// A logged-in client for a fresh user: an admin, or an author.
    pub async fn logged_in(&self, name: &str, admin: bool) -> reqwest::Client {
        self.add_user(name, admin).await;
        let client = self.client();
        let response = self
            .submit(
                &client,
                "/login",
                "/login",
                &[("username", name), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(response.status(), 303, "login should redirect");
        client
    }

    /// `path` as an ActivityPub client asks for it: the status and the JSON
    /// (`null` when the body is not JSON).
    pub async fn get_activity(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client()
            .get(self.url(path))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// Writes a post through the editor; returns the editor URL it redirected to.
    pub async fn write_post(
        &self,
        client: &reqwest::Client,
        fields: &[(&str, &str)],
        action: &str,
    ) -> String {
        let mut all = fields.to_vec();
        all.push(("action", action));
        let response = self
            .submit(client, "/admin/posts/new", "/admin/posts/new", &all)
            .await;
        assert_eq!(
            response.status(),
            303,
            "saving should redirect: {:?}",
            response.text().await
        );
        location(&response)
    }
}

impl TestDb {
    fn placeholder() -> TestDb {
        TestDb {
            dir: tempfile::tempdir().expect("temporary directory"),
            url: String::new(),
            postgres: None,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Undoes the migrations from `name` on and applies them again, as an
/// upgrade from the version before it does.
pub async fn migrate_again_from(db: &DatabaseConnection, name: &str) {
    use migration::{Migrator, MigratorTrait};
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    let steps = u32::try_from(all.len() - at).expect("a few migrations");
    Migrator::down(db, Some(steps)).await.expect("down");
    Migrator::up(db, None).await.expect("up");
}

/// Waits until the blog on this database has applied every activity its
/// inbox accepted (it applies them just after answering), for at most 20 s.
pub async fn settled(db: &DatabaseConnection) {
    let started = std::time::Instant::now();
    loop {
        let waiting = blog::services::inbound::waiting(db)
            .await
            .expect("inbox queue");
        if waiting == 0 {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{waiting} received activities were never applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// `settled` for whatever server runs on this configuration's database,
/// through a connection of its own (it outlives restarts).
pub async fn settle_hook(config: &Config) -> crate::peer::Settle {
    let db = app::connect(config).await.expect("settle connection");
    std::sync::Arc::new(move || {
        let db = db.clone();
        Box::pin(async move { settled(&db).await })
    })
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ASCII location")
        .to_owned()
}

/// The value of the page's hidden CSRF field.
pub fn csrf_token(html: &str) -> String {
    let marker = r#"name="authenticity_token" value=""#;
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&#x2b;", "+")
}

/// The post id in an editor URL such as `/admin/posts/7/edit?notice=saved`.
pub fn post_id(editor_url: &str) -> i32 {
    editor_url
        .trim_start_matches("/admin/posts/")
        .split('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("expected an editor URL with an id, got {editor_url:?}"))
}

/// A public reply `ap_id` to post `slug`, saying `html`, as a remote
/// server would send it (nothing else set).
pub fn reply_to_post(
    ap_id: &str,
    slug: &str,
    html: &str,
) -> blog::services::comments::IncomingReply {
    blog::services::comments::IncomingReply {
        ap_id: ap_id.to_owned(),
        url: None,
        target: blog::services::comments::ReplyTarget::Post {
            slug: slug.to_owned(),
        },
        content: blog::domain::sanitize_remote(html),
        content_warning: None,
        sensitive: false,
        language: None,
        mentions: Vec::new(),
        hashtags: Vec::new(),
        attachments: Vec::new(),
        published: chrono::Utc::now(),
        arrival: Default::default(),
        replies_url: None,
        context_url: None,
    }
}
