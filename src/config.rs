//! Typed configuration: built-in defaults, then a TOML file, then `BLOG_*`
//! environment variables (nested keys as `BLOG_SECTION__KEY`).

use std::{net::SocketAddr, path::Path, path::PathBuf};

use anyhow::Context;
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The address readers use to reach the blog; every link and id is built from it.
    pub public_url: Url,
    /// Address and port the HTTP server binds to.
    pub listen: SocketAddr,
    /// `sqlite://...` or `postgres://...`; defaults to SQLite under `data_dir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Where the embedded database and other local files live.
    pub data_dir: PathBuf,
    /// A folder whose templates override the built-in ones, file by file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme_dir: Option<PathBuf>,
    /// Memory for rendered public pages, in MiB; 0 renders every request.
    pub page_cache_mib: u64,
    /// Changes from the fediverse (replies, likes, boosts, follows) reach
    /// cached pages after at most this long, gathered together; 0 applies
    /// each at once.
    pub page_cache_coalesce_ms: u64,
    /// `text` for people, `json` (one object per line) for log collectors.
    pub log_format: LogFormat,
    /// Reverse proxies (addresses or networks such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` names the real client; nobody else's is believed.
    pub trusted_proxies: Vec<Network>,
    pub blog: BlogConfig,
    pub federation: FederationConfig,
    pub moderation: ModerationConfig,
    pub media: MediaConfig,
}

/// How the log is written to standard error.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Which replies wait for the admin before they are shown.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModerationPolicy {
    /// Hold a reply unless its author already has an approved one.
    #[default]
    FirstTime,
    /// Hold every reply.
    All,
    /// Publish replies at once.
    Open,
}

/// Which comment threads come first under a post; answers within a thread
/// always read from the oldest.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommentOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ModerationConfig {
    pub policy: ModerationPolicy,
    /// Replies containing any of these words are held whatever the policy.
    pub keywords: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlogConfig {
    pub title: String,
    pub description: String,
    /// The blog's fediverse handle: `@username@host`.
    pub username: String,
    /// BCP 47 language tag, used for `<html lang>` and the feeds.
    pub language: String,
    /// Posts shown per page on the home and tag pages.
    pub posts_per_page: u64,
    /// Comment threads (a top-level comment and its answers) shown per page
    /// under a post; longer discussions continue on further pages.
    pub comments_per_page: u64,
    /// `oldest_first` or `newest_first`: which threads the first page shows.
    pub comments_order: CommentOrder,
    /// The blog's picture on the fediverse: an absolute URL, or a path on
    /// this blog. A built-in picture is used when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Profiles elsewhere that link back here, shown as `<link rel="me">`
    /// so that Mastodon and others verify them.
    pub me_links: Vec<String>,
    /// The author's own fediverse handle (`@name@server`), for
    /// `<meta name="fediverse:creator">`: Mastodon then credits the author
    /// under links to the blog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fediverse_creator: Option<String>,
    /// IANA time zone (`Europe/Paris`) in which the author types publish
    /// times and in which times are shown.
    pub timezone: TimeZone,
    /// Who may quote a post whose author did not choose (FEP-044f):
    /// `anyone`, `followers` or `nobody`.
    pub quote_policy: crate::entities::post::QuotePolicy,
}

/// Uploaded images.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// Where uploaded images are stored; `media` under `data_dir` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Largest file accepted, in MiB.
    pub max_upload_mib: u64,
    /// Wider or taller images are scaled down to this many pixels.
    pub max_dimension: u32,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            dir: None,
            max_upload_mib: 10,
            max_dimension: 2560,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// Allow plain http and peers on loopback or private networks. Local testing only.
    pub allow_insecure_local: bool,
    /// Wait before the first retry of a failed delivery; doubles on each
    /// further failure, up to twelve hours.
    pub retry_delay_ms: u64,
    /// Give up on a delivery this many hours after it was queued.
    pub retry_for_hours: u64,
    /// How long a process keeps a delivery it took before another process
    /// (or itself, after a crash) may take it again.
    pub delivery_lease_secs: u64,
    /// Deliveries in flight at once, overall and to any one host.
    pub delivery_concurrency: usize,
    pub delivery_concurrency_per_host: usize,
    /// Inbox requests allowed per minute from one address and from one server.
    pub inbox_rate_per_minute: u32,
    /// Received activities are remembered this many days, so that a copy
    /// sent again within them is recognised and ignored.
    pub remember_activities_days: u32,
    /// A request to another server ends after this many seconds, its body
    /// read or not.
    pub fetch_timeout_secs: u64,
    /// Requests to other servers under way at once, at most.
    pub fetch_concurrency: usize,
    /// Finding replies that were not sent to the blog: how many replies
    /// away from one it holds, how many items of a collection and pages,
    /// and how many requests to one server a walk makes at most.
    pub backfill_depth: u32,
    pub backfill_items: u32,
    pub backfill_pages: u32,
    pub backfill_requests_per_host: u32,
    /// How often the collections of the replies to recent posts (those
    /// published within `backfill_recent_days`) are walked again; 0 turns
    /// the periodic walk off (replies are still followed as they arrive).
    pub backfill_every_minutes: u64,
    pub backfill_recent_days: u32,
    /// Serve ActivityPub documents (actors aside) only to signed requests
    /// from servers that are not blocked, as Mastodon's secure mode does.
    pub authorized_fetch: bool,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            allow_insecure_local: false,
            retry_delay_ms: 60_000,
            retry_for_hours: 72,
            delivery_lease_secs: 120,
            delivery_concurrency: 32,
            delivery_concurrency_per_host: 2,
            inbox_rate_per_minute: 3000,
            remember_activities_days: 14,
            fetch_timeout_secs: 10,
            fetch_concurrency: 64,
            backfill_depth: 3,
            backfill_items: 200,
            backfill_pages: 5,
            backfill_requests_per_host: 60,
            backfill_every_minutes: 60,
            backfill_recent_days: 14,
            authorized_fetch: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: Url::parse("http://localhost:8080").expect("static URL is valid"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            theme_dir: None,
            page_cache_mib: 16,
            page_cache_coalesce_ms: 1000,
            log_format: LogFormat::Text,
            trusted_proxies: Vec::new(),
            blog: BlogConfig::default(),
            federation: FederationConfig::default(),
            moderation: ModerationConfig::default(),
            media: MediaConfig::default(),
        }
    }
}

impl Default for BlogConfig {
    fn default() -> Self {
        BlogConfig {
            title: "My blog".into(),
            description: "Thoughts, notes and stories.".into(),
            username: "blog".into(),
            language: "en".into(),
            posts_per_page: 10,
            comments_per_page: 50,
            comments_order: CommentOrder::OldestFirst,
            avatar_url: None,
            me_links: Vec::new(),
            fediverse_creator: None,
            timezone: TimeZone(chrono_tz::Tz::UTC),
            quote_policy: crate::entities::post::QuotePolicy::Anyone,
        }
    }
}

impl Config {
    /// Loads the configuration. `file` is read when given (it must then exist);
    /// otherwise `./config.toml` is read if it exists.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(
                    path.exists(),
                    "configuration file {} does not exist",
                    path.display()
                );
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new("config.toml").exists() => {
                figment = figment.merge(Toml::file_exact("config.toml"));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("BLOG_").split("__"));
        let config: Config = figment.extract().map_err(crate::config_errors::explain)?;
        config.check()?;
        Ok(config)
    }

    /// Parses configuration from TOML text alone (no file, no environment).
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(text))
            .extract()
            .map_err(crate::config_errors::explain)?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            matches!(self.public_url.scheme(), "http" | "https"),
            "public_url must start with http:// or https://"
        );
        anyhow::ensure!(
            self.public_url.host_str().is_some(),
            "public_url must name a host"
        );
        crate::domain::Username::parse(&self.blog.username)
            .context("blog.username is not a valid handle")?;
        for link in &self.blog.me_links {
            anyhow::ensure!(
                Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https")),
                "blog.me_links: {link} is not an http(s) URL"
            );
        }
        if let Some(handle) = &self.blog.fediverse_creator {
            let parts: Vec<&str> = handle.trim_start_matches('@').split('@').collect();
            anyhow::ensure!(
                parts.len() == 2
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && !p.contains(char::is_whitespace)),
                "blog.fediverse_creator must look like @name@server.example, not {handle}"
            );
        }
        anyhow::ensure!(
            self.media.max_upload_mib > 0 && self.media.max_dimension >= 16,
            "media.max_upload_mib must be at least 1 and media.max_dimension at least 16"
        );
        anyhow::ensure!(
            self.blog.posts_per_page > 0,
            "blog.posts_per_page must be at least 1"
        );
        anyhow::ensure!(
            (1..=500).contains(&self.blog.comments_per_page),
            "blog.comments_per_page must be between 1 and 500"
        );
        anyhow::ensure!(
            self.federation.delivery_concurrency > 0
                && self.federation.delivery_concurrency_per_host > 0
                && self.federation.delivery_lease_secs > 0,
            "federation.delivery_concurrency, delivery_concurrency_per_host and delivery_lease_secs must be at least 1"
        );
        anyhow::ensure!(
            (1..=300).contains(&self.federation.fetch_timeout_secs)
                && self.federation.fetch_concurrency > 0,
            "federation.fetch_timeout_secs must be between 1 and 300 and fetch_concurrency at least 1"
        );
        anyhow::ensure!(
            self.federation.remember_activities_days > 0,
            "federation.remember_activities_days must be at least 1"
        );
        Ok(())
    }

    /// The database URL, with the SQLite default filled in.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("blog.db").display()
            ),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// Whether cookies must carry the `Secure` flag.
    pub fn https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The host as it appears in handles: `example.org`, or `example.org:8080`
    /// when the public URL names a port.
    pub fn host(&self) -> String {
        crate::domain::authority(&self.public_url).unwrap_or_else(|| "localhost".to_owned())
    }

    /// The fediverse handle of a local account here (`@name@host`).
    pub fn handle(&self, username: &str) -> String {
        format!("@{username}@{}", self.host())
    }

    /// The blog's time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.blog.timezone.0
    }

    /// The trusted proxies' networks.
    pub fn trusted_networks(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies.iter().map(|n| n.0).collect()
    }

    /// Where uploaded images are stored.
    pub fn media_dir(&self) -> PathBuf {
        self.media
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media"))
    }

    /// How long changes from the fediverse may take to reach cached pages.
    /// How long a worker keeps what it claimed (a delivery, a received
    /// activity, a collection to walk) before another may take it.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.federation.delivery_lease_secs).unwrap_or(120))
    }

    pub fn page_cache_coalesce(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.page_cache_coalesce_ms)
    }
}

/// An IANA time zone (`Europe/Paris`), read once with the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl std::str::FromStr for TimeZone {
    type Err = String;

    fn from_str(text: &str) -> Result<TimeZone, String> {
        text.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| format!("{text} is not a time zone name like Europe/Paris or UTC"))
    }
}

/// An address or network of trusted proxies (`10.0.0.0/8`, or one address
/// as a network of one), read once with the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network(pub ipnet::IpNet);

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let wrong = || format!("{text} is not an address or network like 10.0.0.0/8");
        if let Ok(net) = text.parse::<ipnet::IpNet>() {
            return Ok(Network(net));
        }
        text.parse::<std::net::IpAddr>()
            .map(|ip| Network(ipnet::IpNet::from(ip)))
            .map_err(|_| wrong())
    }
}

/// Written and read as the text a person types.
macro_rules! as_text {
    ($type:ty, $show:expr) => {
        impl Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let show: fn(&$type) -> String = $show;
                serializer.serialize_str(&show(self))
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

as_text!(TimeZone, |tz| tz.0.name().to_owned());
as_text!(Network, |net| net.0.to_string());
