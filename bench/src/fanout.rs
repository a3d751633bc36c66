//! `fanout`: one post, published through the admin form as a person would,
//! to 10,000 followers on 1,000 hosts. Timed from the form's POST until every
//! host holds a `Create` of the post whose signature and digest it checked,
//! beside the time OpenSSL takes for 1,000 RSA-2048 signatures on one core
//! (target: at most 1.5 times that on SQLite, twice on PostgreSQL); also the server's peak memory (target under
//! 100 MiB) and how many deliveries it made (one per shared inbox).
//!
//! The hosts are the loopback addresses 127.1.x.y (Linux routes all of
//! 127.0.0.0/8 here), each with a listener of this process on one port.

use std::{
    collections::HashMap,
    future::IntoFuture,
    net::Ipv4Addr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
};
use blog::{
    app,
    entities::delivery,
    services::{
        actors::{self, RemoteActorData},
        deliveries, followers,
    },
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use tokio::{net::TcpListener, sync::Notify, task::JoinSet};

use super::{
    browser::Browser,
    read,
    seed::{self, Scratch},
    signing::{self, Verifier},
};

const HOSTS: usize = 1000;
const PER_HOST: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(120);
const SLUG: &str = "fanout";
const MEMORY_MIB: f64 = 100.0;

fn host_ip(n: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 1, (n / 250) as u8, (n % 250 + 1) as u8)
}

/// A listener on every host's address, all on one port.
async fn listeners() -> anyhow::Result<(u16, Vec<TcpListener>)> {
    for _ in 0..5 {
        let first = TcpListener::bind((host_ip(0), 0)).await?;
        let port = first.local_addr()?.port();
        let mut all = vec![first];
        for n in 1..HOSTS {
            match TcpListener::bind((host_ip(n), port)).await {
                Ok(listener) => all.push(listener),
                Err(_) => break,
            }
        }
        if all.len() == HOSTS {
            return Ok((port, all));
        }
    }
    anyhow::bail!("no port was free on all {HOSTS} loopback addresses")
}

/// Follower `n` lives on host `n % HOSTS`, whose shared inbox all its
/// accounts name.
async fn seed_followers(db: &DatabaseConnection, port: u16) -> anyhow::Result<()> {
    for n in 0..HOSTS * PER_HOST {
        let ip = host_ip(n % HOSTS);
        let id = format!("http://{ip}:{port}/users/u{n}");
        let data = RemoteActorData {
            inbox: format!("{id}/inbox"),
            shared_inbox: Some(format!("http://{ip}:{port}/inbox")),
            public_key_pem: "unused".into(),
            preferred_username: format!("u{n}"),
            name: Some(format!("Follower {n}")),
            host: ip.to_string(),
            url: None,
            icon_url: None,
            ap_id: id.clone(),
        };
        let actor = actors::upsert(db, data, chrono::Utc::now()).await?;
        let follow = format!("{id}/follows/blog");
        followers::accept(db, &actor, &follow, |uuid| {
            serde_json::json!({ "id": uuid, "type": "Accept", "object": follow }).to_string()
        })
        .await?;
    }
    // The Accepts those follows queued are not what is measured: they count
    // as sent long ago, as for followers of some standing.
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::State,
            Expr::value(deliveries::DeliveryState::Delivered),
        )
        .filter(delivery::Column::State.eq(deliveries::DeliveryState::Pending))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Default)]
struct Tally {
    requests: u64,
    refused: u64,
    first_refusal: Option<String>,
    /// Verified `Create`s of the post, by the `Host` they were sent to.
    creates: HashMap<String, u32>,
    complete: Option<Instant>,
}

/// The 1,000 hosts' inboxes.
struct Receiver {
    verifier: Verifier,
    post: String,
    tally: Mutex<Tally>,
    all_arrived: Notify,
}

impl Receiver {
    fn tally(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn is_create_of(body: &[u8], post: &str) -> bool {
    let Ok(activity) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let object = &activity["object"];
    activity["type"].as_str() == Some("Create")
        && (object["id"].as_str() == Some(post) || object.as_str() == Some(post))
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let verified = receiver
        .verifier
        .verify(method.as_str(), target, &headers, &body);
    let create = verified.is_ok() && uri.path() == "/inbox" && is_create_of(&body, &receiver.post);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut tally = receiver.tally();
    tally.requests += 1;
    if let Err(why) = verified {
        tally.refused += 1;
        tally.first_refusal.get_or_insert(why);
        return StatusCode::UNAUTHORIZED;
    }
    if create {
        *tally.creates.entry(host).or_default() += 1;
        if tally.creates.len() == HOSTS && tally.complete.is_none() {
            tally.complete = Some(Instant::now());
            receiver.all_arrived.notify_one();
        }
    }
    StatusCode::ACCEPTED
}

/// The blog's key, from its actor document.
async fn blog_verifier(base: &str) -> anyhow::Result<Verifier> {
    let actor: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/users/blog"))
        .header(header::ACCEPT, "application/activity+json")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let key = &actor["publicKey"];
    let pem = key["publicKeyPem"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the blog's actor has no publicKeyPem"))?;
    let key_id = key["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the blog's key has no id"))?;
    Verifier::new(pem, key_id)
}

/// Logs in as the seeded admin and publishes the post; the instant the
/// publishing POST was sent.
async fn publish(base: &str) -> anyhow::Result<Instant> {
    let mut browser = Browser::new(base)?;
    let token = browser.form_token("/login").await?;
    let login = [
        ("authenticity_token", token.as_str()),
        ("username", "admin"),
        ("password", "benchmark password"),
        ("next", ""),
    ];
    let status = browser.submit("/login", &login).await?;
    anyhow::ensure!(status == 303, "logging in answered {status}");
    let token = browser.form_token("/admin/posts/new").await?;
    let body = "A paragraph of *Markdown*, long enough to look like a real post.\n\n".repeat(20);
    let post = [
        ("authenticity_token", token.as_str()),
        ("title", "News for every follower"),
        ("body", body.as_str()),
        ("summary", ""),
        ("tags", "bench, fediverse"),
        ("slug", SLUG),
        ("action", "publish"),
    ];
    let started = Instant::now();
    let status = browser.submit("/admin/posts/new", &post).await?;
    anyhow::ensure!(status == 303, "publishing answered {status}");
    Ok(started)
}

/// The blog's delivery counts once nothing is pending (or after 10 s).
async fn settled_counts(db: &DatabaseConnection) -> anyhow::Result<deliveries::Counts> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let counts = deliveries::counts_by_post(db).await?.into_values().fold(
            deliveries::Counts::default(),
            |all, c| deliveries::Counts {
                delivered: all.delivered + c.delivered,
                pending: all.pending + c.pending,
                failed: all.failed + c.failed,
            },
        );
        if counts.pending == 0 || Instant::now() > deadline {
            return Ok(counts);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn run() -> anyhow::Result<()> {
    let followers = HOSTS * PER_HOST;
    println!(
        "fanout: one post published through the admin form to {followers} followers on \
         {HOSTS} hosts, beside openssl RSA-2048 signing on one core"
    );
    // Measured first, while nothing else runs.
    let reference = tokio::task::spawn_blocking(signing::openssl_rsa2048).await??;
    let scratch = Scratch::new("fanout")?;
    let config = seed::config(&scratch.0);
    let (port, listeners) = listeners().await?;
    let setup = Instant::now();
    let db = seed::blog(&config, &[]).await?;
    seed_followers(&db, port).await?;
    db.close().await?;
    println!(
        "  setup: {followers} followers seeded in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    // The blog delivers to loopback only when insecure local peers are allowed.
    let (server, _) = read::start(
        &scratch.0,
        &[("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true")],
    )
    .await?;
    let receiver = Arc::new(Receiver {
        verifier: blog_verifier(&server.base).await?,
        post: format!("{}/posts/{SLUG}", server.base),
        tally: Mutex::new(Tally::default()),
        all_arrived: Notify::new(),
    });
    let router = Router::new().fallback(receive).with_state(receiver.clone());
    // Dropping the set stops every host.
    let mut hosts = JoinSet::new();
    for listener in listeners {
        hosts.spawn(axum::serve(listener, router.clone()).into_future());
    }

    let started = publish(&server.base).await?;
    let _ = tokio::time::timeout(TIMEOUT, receiver.all_arrived.notified()).await;
    let (_, peak) = read::memory(server.child.id())?;
    let db = app::connect(&config).await?;
    let counts = settled_counts(&db).await?;
    db.close().await?;
    drop(server);
    drop(hosts);
    let tally = std::mem::take(&mut *receiver.tally());
    let took = tally.complete.map(|done| done - started);
    report(reference.as_ref(), took, peak, &counts, &tally);
    Ok(())
}

fn report(
    reference: Option<&signing::OpenSsl>,
    took: Option<Duration>,
    peak: f64,
    counts: &deliveries::Counts,
    tally: &Tally,
) {
    let reached = tally.creates.len();
    match took {
        Some(took) => println!(
            "  publish to the last verified Create {:>8.3} s   ({reached} of {HOSTS} hosts)",
            took.as_secs_f64()
        ),
        None => println!(
            "  not finished after {} s: {reached} of {HOSTS} hosts hold a verified Create   MISSED",
            TIMEOUT.as_secs()
        ),
    }
    match (reference, took) {
        (Some(openssl), Some(took)) => {
            let one_core = 1000.0 / openssl.sign.max(1.0);
            println!(
                "  openssl, 1,000 RSA-2048 signatures on one core {one_core:>8.3} s   ({:.0} sign/s)",
                openssl.sign
            );
            let ratio = took.as_secs_f64() / one_core;
            // PostgreSQL's round trips cost more than SQLite's calls.
            let most = if std::env::var_os("BENCH_DATABASE_URL").is_some() {
                2.0
            } else {
                1.5
            };
            println!(
                "  ratio {ratio:.2}x of openssl (target at most {most}x)   {}",
                verdict(ratio <= most)
            );
        }
        (Some(_), None) => {}
        (None, _) => println!("  openssl is not installed, so there is no reference figure"),
    }
    println!(
        "  server peak memory {peak:>7.1} MiB (target under {MEMORY_MIB:.0})   {}",
        verdict(peak < MEMORY_MIB)
    );
    let made = counts.delivered + counts.pending + counts.failed;
    println!(
        "  deliveries the blog made: {made} ({} delivered, {} pending, {} failed; \
         target {HOSTS}, one per shared inbox)   {}",
        counts.delivered,
        counts.pending,
        counts.failed,
        verdict(made == HOSTS as u64 && counts.delivered == made)
    );
    let creates: u32 = tally.creates.values().sum();
    println!(
        "  requests the hosts got: {}, {creates} with a verified Create of the post, {} refused",
        tally.requests, tally.refused
    );
    if let Some(why) = &tally.first_refusal {
        println!("  first refusal: {why}");
    }
    let repeated = tally.creates.values().filter(|n| **n > 1).count();
    println!(
        "  hosts that got more than one Create: {repeated}   {}",
        verdict(repeated == 0)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}
