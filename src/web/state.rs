use std::{num::NonZeroU32, sync::Arc, time::Duration};

use axum::extract::FromRef;
use axum_csrf::CsrfConfig;
use governor::Quota;
use sea_orm::DatabaseConnection;

use super::{Templates, caching::Renderings};
use crate::{
    config::Config,
    limits::{ClientKey, KeyedLimiter},
    pages::{Change, PageCache},
    services::blocks::BlockCache,
};

/// What the browser-facing handlers reach.
pub type WebState = crate::handle::Handle<Shared>;

/// The parts of [`WebState`].
pub struct Shared {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// Every address the blog hands out.
    pub urls: crate::urls::Urls,
    pub templates: Templates,
    pub csrf: CsrfConfig,
    pub login_limiter: Arc<KeyedLimiter<ClientKey>>,
    /// Rendered public pages; see `crate::pages` and `web::caching`.
    pub pages: Arc<PageCache>,
    pub renderings: Arc<Renderings>,
    /// Reverse proxies whose `X-Forwarded-For` is believed; see `web::client`.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Wakes the scheduler (`crate::scheduler`) when a post is scheduled.
    pub schedule: Arc<tokio::sync::Notify>,
    /// Wakes the delivery worker when deliveries are queued.
    pub delivery: Arc<tokio::sync::Notify>,
    /// The block list the inbox checks first; forgotten when blocks change.
    pub blocks: Arc<BlockCache>,
    /// What time it is, for what a save schedules.
    pub clock: crate::clock::Clock,
    /// Finds accounts on other servers (for the blog's aliases and move).
    pub directory: Arc<dyn crate::services::identity::Directory>,
}

/// What the web layer takes from the rest of the application.
pub struct Parts {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub csrf: CsrfConfig,
    pub pages: Arc<PageCache>,
    pub schedule: Arc<tokio::sync::Notify>,
    pub delivery: Arc<tokio::sync::Notify>,
    pub blocks: Arc<BlockCache>,
    pub clock: crate::clock::Clock,
    pub directory: Arc<dyn crate::services::identity::Directory>,
}

impl WebState {
    pub fn new(parts: Parts) -> Self {
        let Parts {
            db,
            config,
            csrf,
            pages,
            schedule,
            delivery,
            blocks,
            clock,
            directory,
        } = parts;
        let templates = Templates::new(config.theme_dir.clone(), config.timezone());
        let trusted_proxies = Arc::new(config.trusted_networks());
        WebState::of(Shared {
            db,
            urls: crate::urls::Urls::new(&config),
            config,
            templates,
            csrf,
            login_limiter: Arc::new(KeyedLimiter::new(login_quota())),
            pages,
            renderings: Arc::new(Renderings::default()),
            trusted_proxies,
            schedule,
            delivery,
            blocks,
            clock,
            directory,
        })
    }

    /// Tells the delivery worker that new deliveries are waiting.
    pub fn wake_delivery(&self) {
        self.delivery.notify_one();
    }

    /// Tells the scheduler that the next scheduled post may have changed.
    pub fn wake_scheduler(&self) {
        self.schedule.notify_one();
    }

    /// Drops the cached pages a write by a person changed, at once (after
    /// its commit).
    pub async fn changed(&self, changes: &[Change]) {
        self.pages.changed(&self.db, changes).await;
    }
}

/// Five attempts at once, then one every twelve seconds per client address.
fn login_quota() -> Quota {
    Quota::with_period(Duration::from_secs(12))
        .expect("period is non-zero")
        .allow_burst(NonZeroU32::new(5).expect("burst is non-zero"))
}

impl FromRef<WebState> for CsrfConfig {
    fn from_ref(state: &WebState) -> Self {
        state.csrf.clone()
    }
}
