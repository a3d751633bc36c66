//! Builds the whole application: database and migrations, state, router,
//! background tasks, and a server that shuts down gracefully.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use axum_csrf::{CsrfConfig, Key, SameSite};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use tokio::{
    net::TcpListener,
    sync::{Notify, watch},
};

use crate::{
    clock::Clock,
    config::Config,
    federation::{self, Federation, delivery},
    files,
    pages::{self, PageCache},
    routes,
    scheduler::Scheduler,
    services::blocks::BlockCache,
    services::{secrets, sessions::DbSessionStore, users},
    state::AppState,
    web::{WebParts, WebState},
};

pub struct App {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    db: DatabaseConnection,
    config: Arc<Config>,
    federation: Federation,
    client: reqwest::Client,
    pages: Arc<PageCache>,
    schedule: Arc<Notify>,
    clock: Clock,
}

/// Opens the database (creating the SQLite file and folder if needed, both
/// readable by their owner only: see `files`).
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    if (config.is_sqlite() && config.database_url.is_none()) || config.data_dir.exists() {
        files::private_dir(&config.data_dir)?;
    }
    if let Some(file) = files::sqlite_file(&url) {
        files::prepare_sqlite(&file)?;
    }
    let mut options = ConnectOptions::new(url);
    // Writers wait for each other instead of failing with "database is locked".
    // In WAL mode, NORMAL syncs at checkpoints rather than at every commit:
    // a power cut can lose the last commits but never corrupts the file.
    options.map_sqlx_sqlite_opts(|o| {
        o.busy_timeout(Duration::from_secs(5))
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
    });
    options
        .sqlx_logging(false)
        .max_connections(if config.is_sqlite() { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(10));
    let db = Database::connect(options)
        .await
        .context("failed to connect to the database (check database_url)")?;
    Ok(db)
}

/// Applies pending migrations. On PostgreSQL they run in one transaction
/// under an advisory lock, so several processes starting together on the
/// same database migrate it once and the others wait.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Migrator::up(db, None)
            .await
            .context("failed to apply database migrations");
    }
    let txn = db.begin().await.context("failed to start migrating")?;
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(7243590127)")
        .await
        .context("failed to take the migration lock")?;
    Migrator::up(&txn, None)
        .await
        .context("failed to apply database migrations")?;
    txn.commit().await.context("failed to commit migrations")
}

async fn csrf_config(db: &DatabaseConnection, config: &Config) -> anyhow::Result<CsrfConfig> {
    let key_hex =
        secrets::get_or_create(db, "csrf_key", || hex::encode(Key::generate().master())).await?;
    let key_bytes = hex::decode(&key_hex).context("stored csrf_key is not hex")?;
    let key = Key::try_from(key_bytes.as_slice()).context("stored csrf_key is too short")?;
    let salt = secrets::get_or_create(db, "csrf_salt", || {
        uuid::Uuid::new_v4().simple().to_string()
    })
    .await?;
    Ok(CsrfConfig::default()
        .with_cookie_name("blog_csrf")
        .with_cookie_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_secure(config.https())
        .with_lifetime(time::Duration::days(7))
        .with_key(Some(key))
        .with_salt(salt))
}

impl App {
    /// Connects, migrates and binds the configured address; call `run` to serve.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("failed to listen on {}", config.listen))?;
        App::with_listener(config, listener).await
    }

    /// Like `build`, on a listener the caller already bound.
    pub async fn with_listener(config: Config, listener: TcpListener) -> anyhow::Result<App> {
        let client = federation::http_client(&config)?;
        App::with_client(config, listener, client).await
    }

    /// Like `with_listener`, with the HTTP client for federation requests
    /// (tests use one that resolves their own host names).
    pub async fn with_client(
        config: Config,
        listener: TcpListener,
        client: reqwest::Client,
    ) -> anyhow::Result<App> {
        let db = connect(&config).await?;
        App::with_database(config, listener, client, db).await
    }

    /// Like `with_client`, on a database connection the caller opened (the
    /// benchmark counts statements through it).
    pub async fn with_database(
        config: Config,
        listener: TcpListener,
        client: reqwest::Client,
        db: DatabaseConnection,
    ) -> anyhow::Result<App> {
        App::with_clock(config, listener, client, db, Clock::system()).await
    }

    /// Like `with_database`, going by `clock` for what is due (tests move a
    /// clock of their own instead of waiting).
    pub async fn with_clock(
        config: Config,
        listener: TcpListener,
        client: reqwest::Client,
        db: DatabaseConnection,
        clock: Clock,
    ) -> anyhow::Result<App> {
        let config = Arc::new(config);
        migrate(&db).await?;
        let csrf = csrf_config(&db, &config).await?;
        let wake = Arc::new(Notify::new());
        let pages = Arc::new(PageCache::new(
            config.page_cache_mib,
            config.page_cache_coalesce(),
        ));
        let blocks = Arc::new(BlockCache::default());
        let federation = federation::build(
            db.clone(),
            config.clone(),
            client.clone(),
            wake.clone(),
            pages.clone(),
            blocks.clone(),
        )
        .await?;
        let schedule = Arc::new(Notify::new());
        let web = WebState::new(WebParts {
            db: db.clone(),
            config: config.clone(),
            csrf,
            pages: pages.clone(),
            schedule: schedule.clone(),
            delivery: wake,
            blocks,
            clock: clock.clone(),
            directory: Arc::new(federation::moving::FedDirectory(federation.clone())),
        });
        let router = routes::router(AppState {
            web,
            federation: federation.clone(),
        });
        let addr = listener.local_addr()?;
        Ok(App {
            listener,
            router,
            addr,
            db,
            config,
            federation,
            client,
            pages,
            schedule,
            clock,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(
            "listening on http://{} (public URL {})",
            self.addr,
            self.config.public_url
        );
        if !users::admin_exists(&self.db).await? {
            tracing::warn!(
                "no admin user exists yet; create one with `blog user add NAME --admin` \
                 (from the source tree: `cargo run --release -- user add NAME --admin`)"
            );
        }
        let cleanup = tokio::spawn(delete_expired_sessions(self.db.clone()));
        let listener = pages::spawn_listener(self.pages.clone(), &self.db);
        let flusher = self.pages.spawn_flusher(self.db.clone());
        let (stop_worker, worker_stop) = watch::channel(false);
        let scheduler = Scheduler {
            db: self.db.clone(),
            pages: self.pages.clone(),
            delivery: self.federation.to_request_data().wake.clone(),
            wake: self.schedule.clone(),
            clock: self.clock.clone(),
        }
        .spawn();
        let inbox = federation::inbox::worker::spawn(self.federation.clone(), worker_stop.clone());
        let backfill = federation::backfill::spawn(self.federation.clone(), worker_stop.clone());
        let worker = delivery::spawn(self.federation, self.client, worker_stop);
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error");
        cleanup.abort();
        scheduler.abort();
        flusher.abort();
        if let Some(listener) = listener {
            listener.abort();
        }
        // Sends in flight finish (each is bounded by its timeout); what is
        // still pending is picked up at the next start.
        let _ = stop_worker.send(true);
        if tokio::time::timeout(Duration::from_secs(30), worker)
            .await
            .is_err()
        {
            tracing::warn!("delivery worker did not stop in time");
        }
        // What it has not applied stays recorded for the next start.
        if tokio::time::timeout(Duration::from_secs(30), inbox)
            .await
            .is_err()
        {
            tracing::warn!("inbox worker did not stop in time");
        }
        // A walk under way ends with its current fetch; the queue keeps the rest.
        if tokio::time::timeout(Duration::from_secs(30), backfill)
            .await
            .is_err()
        {
            tracing::warn!("backfill worker did not stop in time");
        }
        tracing::info!("stopped");
        result
    }
}

async fn delete_expired_sessions(db: DatabaseConnection) {
    use tower_sessions::session_store::ExpiredDeletion;
    let store = DbSessionStore::new(db);
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "failed to delete expired sessions");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
