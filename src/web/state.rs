use std::{num::NonZeroU32, sync::Arc, time::Duration};

use axum::extract::FromRef;
use axum_csrf::CsrfConfig;
use governor::Quota;
use sea_orm::DatabaseConnection;

use super::{Templates, caching::Renderings};
use crate::{
    config::Config,
    federation::{Federation, limits::InboxLimits},
    limits::{ClientKey, KeyedLimiter},
    pages::{Change, PageCache},
};

/// What every handler may reach. Cloned for every request and middleware,
/// so it is one reference-counted pointer.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub templates: Templates,
    pub csrf: CsrfConfig,
    pub login_limiter: Arc<KeyedLimiter<ClientKey>>,
    pub inbox_limits: Arc<InboxLimits>,
    pub federation: Federation,
    /// Rendered public pages; see `crate::pages` and `web::caching`.
    pub pages: Arc<PageCache>,
    pub renderings: Arc<Renderings>,
    /// Reverse proxies whose `X-Forwarded-For` is believed; see `web::client`.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Wakes the scheduler (`crate::scheduler`) when a post is scheduled.
    pub schedule: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        config: Arc<Config>,
        csrf: CsrfConfig,
        federation: Federation,
    ) -> Self {
        let templates = Templates::new(config.theme_dir.clone(), config.timezone());
        let inbox_rate = config.federation.inbox_rate_per_minute;
        let pages = federation.to_request_data().pages.clone();
        let trusted_proxies = Arc::new(config.trusted_networks());
        AppState(Arc::new(Shared {
            db,
            config,
            templates,
            csrf,
            login_limiter: Arc::new(KeyedLimiter::new(login_quota())),
            inbox_limits: Arc::new(InboxLimits::new(inbox_rate)),
            federation,
            pages,
            renderings: Arc::new(Renderings::default()),
            trusted_proxies,
            schedule: Arc::new(tokio::sync::Notify::new()),
        }))
    }

    /// Tells the delivery worker that new deliveries are waiting.
    pub fn wake_delivery(&self) {
        self.federation.to_request_data().wake.notify_one();
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

impl FromRef<AppState> for CsrfConfig {
    fn from_ref(state: &AppState) -> Self {
        state.csrf.clone()
    }
}
