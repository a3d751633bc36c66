//! Everything that knows the ActivityPub wire format: the blog's actor,
//! discovery, posts as Articles, the inbox, and durable delivery.

pub mod activities;
pub mod actor;
pub mod authorized_fetch;
pub mod authors;
pub mod backfill;
pub mod collections;
pub mod context;
pub mod delivery;
pub mod discovery;
pub mod documents;
pub mod error;
pub mod fetch;
pub mod inbox;
pub mod interact;
pub mod limits;
pub mod moving;
pub mod objects;
pub mod quoting;
pub mod signing;
pub mod ssrf;

use std::sync::Arc;

use activitypub_federation::config::{Data, FederationConfig};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::urls::Urls;
pub use actor::LocalActor;

use crate::{config::Config, pages};

/// What federation handlers and the delivery worker need.
pub type FedData = crate::handle::Handle<FedShared>;

/// The parts of [`FedData`].
pub struct FedShared {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub urls: Urls,
    pub actor: Arc<LocalActor>,
    /// Wakes the delivery worker when new deliveries are queued.
    pub wake: Arc<Notify>,
    /// Every fetch from another server, the library's included: bounded in
    /// size, time and number (`fetch`).
    pub client: reqwest_middleware::ClientWithMiddleware,
    /// Signs deliveries as the blog's actor.
    pub signer: signing::Signer,
    /// Authors' own accounts' keys.
    pub author_keys: Arc<authors::AuthorKeyring>,
    /// Remote actors recently read.
    pub actors: Arc<actor::ActorCache>,
    /// Rendered public pages, told what activities change.
    pub pages: Arc<crate::pages::PageCache>,
    /// Checks the inbox's signatures, keeping parsed keys.
    pub verifier: Arc<inbox::signature::Verifier>,
    /// Records verified activities for the inbox worker.
    pub intake: inbox::intake::Intake,
    /// Wakes the inbox worker when activities are recorded.
    pub inbox_wake: Arc<Notify>,
    /// Wakes the backfill worker when collections are queued to walk.
    pub backfill_wake: Arc<Notify>,
    /// The block list, for the inbox's first check.
    pub blocks: Arc<crate::services::blocks::BlockCache>,
    /// The inbox's rate limits.
    pub inbox_limits: limits::InboxLimits,
}

/// Exponential backoff with jitter: about `first` after the first failure,
/// twice as long after each further one, at most twelve hours.
pub fn backoff(first: std::time::Duration, failures: i32) -> chrono::Duration {
    use rand::Rng;
    let most = chrono::Duration::hours(12);
    let exponent = u32::try_from(failures.clamp(1, 30) - 1).unwrap_or(0);
    let base = chrono::Duration::from_std(first).unwrap_or(chrono::Duration::minutes(1));
    let delay = base
        .checked_mul(2_i32.saturating_pow(exponent))
        .unwrap_or(most)
        .min(most);
    let jitter = rand::rng().random_range(0.8..1.2);
    chrono::Duration::milliseconds((delay.num_milliseconds() as f64 * jitter) as i64)
}

/// Refuses what claims to come from one server but names another (the
/// library's rule, on normalised host names and ports).
pub fn verify_same_server(a: &url::Url, b: &url::Url) -> Result<(), error::FedError> {
    if crate::domain::same_server(a, b) {
        Ok(())
    } else {
        Err(error::FedError::bad_request(format!(
            "{a} and {b} are not on the same server"
        )))
    }
}

pub type Federation = FederationConfig<FedData>;
pub type FedContext = Data<FedData>;

pub use crate::negotiation::{ACTIVITY_JSON, activity_json, wants_activity_json};

/// The HTTP client for every outgoing federation request. Unless local peers
/// are allowed it refuses hosts that resolve to private or loopback addresses.
pub fn http_client(config: &Config) -> anyhow::Result<reqwest::Client> {
    fetch::http_client(config)
}

/// Builds the federation configuration around the blog's actor.
pub async fn build(
    db: DatabaseConnection,
    config: Arc<Config>,
    client: reqwest::Client,
    wake: Arc<Notify>,
    pages: Arc<crate::pages::PageCache>,
    blocks: Arc<crate::services::blocks::BlockCache>,
) -> anyhow::Result<Federation> {
    let urls = Urls::new(&config);
    let inbox_rate = config.federation.inbox_rate_per_minute;
    let client = fetch::bounded_client(client, fetch::Bounds::of(&config));
    let actor = Arc::new(LocalActor::load(&db, &urls).await?);
    let urls_key_id = urls.key_id();
    let inbox_wake = Arc::new(Notify::new());
    let db_for_intake = db.clone();
    let data = FedData::of(FedShared {
        db,
        config,
        urls,
        actor: actor.clone(),
        wake,
        client,
        signer: signing::Signer::new(urls_key_id, actor.signing_key_pem())?,
        author_keys: Arc::default(),
        actors: Arc::new(actor::ActorCache::new()),
        pages,
        verifier: Arc::default(),
        intake: inbox::intake::Intake::spawn(db_for_intake, inbox_wake.clone()),
        inbox_wake,
        backfill_wake: Arc::new(Notify::new()),
        blocks,
        inbox_limits: limits::InboxLimits::new(inbox_rate),
    });
    configure(data).await
}

async fn configure(data: FedData) -> anyhow::Result<Federation> {
    let domain = data
        .config
        .public_url
        .host_str()
        .context("public_url has no host")?
        .to_owned();
    let insecure = data.config.federation.allow_insecure_local;
    let data_timeout = data.config.federation.fetch_timeout_secs;
    let client = data.client.clone();
    let actor = data.actor.clone();
    FederationConfig::builder()
        .domain(domain)
        .app_data(data)
        .client(client)
        .debug(insecure)
        .allow_http_urls(insecure)
        .http_fetch_limit(50)
        .request_timeout(std::time::Duration::from_secs(data_timeout))
        .signed_fetch_actor(actor.as_ref())
        // Fetches sign `host` and `date`, which Mastodon's secure mode (and
        // ours) require of a GET; the default signs `(created)` and no host.
        .http_signature_compat(true)
        .build()
        .await
        .context("failed to configure federation")
}

/// The personal and shared inboxes.
pub fn inbox_routes<S>(config: &Config) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Federation: axum::extract::FromRef<S>,
{
    use axum::routing::post;
    use tower_http::limit::RequestBodyLimitLayer;

    // Larger bodies are refused with 413 before any parsing.
    let limit = RequestBodyLimitLayer::new(1024 * 1024);
    axum::Router::new()
        .route(
            &format!("/users/{}/inbox", config.blog.username),
            post(inbox::inbox).layer(limit),
        )
        .route("/inbox", post(inbox::inbox).layer(limit))
        // Authors' own accounts share the inbox.
        .route("/users/{name}/inbox", post(inbox::inbox).layer(limit))
}

/// The federation documents. Post and comment permalinks are shared with
/// the web pages: the application's router sends ActivityPub requests for
/// them to `documents::article` and `documents::comment`.
pub fn routes<S>(config: &Config) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Federation: axum::extract::FromRef<S>,
{
    use axum::routing::get;

    use axum::middleware::map_response;

    let actor = format!("/users/{}", config.blog.username);
    // Documents that only a new configuration changes.
    let fixed = axum::Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route(
            "/.well-known/host-meta.json",
            get(discovery::host_meta_json),
        )
        .route(&actor, get(documents::actor))
        .route(&format!("{actor}/following"), get(collections::following))
        .route("/activities/{uuid}", get(documents::activity))
        .route_layer(map_response(pages::shows_nothing_changing));
    axum::Router::new()
        .merge(fixed)
        .route(
            "/nodeinfo/2.1",
            get(discovery::nodeinfo).layer(map_response(pages::shows_listing)),
        )
        .route(
            &format!("{actor}/outbox"),
            get(collections::outbox).layer(map_response(pages::shows_outbox)),
        )
        .route(
            &format!("{actor}/followers"),
            get(collections::followers).layer(map_response(pages::shows_followers)),
        )
        .route("/posts/{slug}/{which}", get(collections::post_collection))
        .route("/users/{name}", get(authors::actor))
        .route("/users/{name}/{which}", get(authors::collection))
        .route(
            "/comments/{uuid}/replies",
            get(collections::comment_replies),
        )
        .route(
            "/quote-authorizations/{uuid}",
            get(documents::quote_authorization),
        )
}
