//! `inbox`: signed `Create(Note)` replies to a post, from 100 remote accounts
//! whose keys the blog already holds, over 64 connections; accepted
//! activities per second beside OpenSSL's RSA-2048 verifications per second
//! on one core (target: at least a tenth of it), and every accepted reply
//! stored as a comment within two minutes, with the time from the first
//! request until the last of them is stored.
//!
//! Each request carries its own signature, made before the clock starts.
//! `BENCH_INBOX_REQUESTS` sets how many (10,000).

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use blog::config::Config;

use super::{
    load,
    peers::{self, Account, Signed},
    read,
    seed::{self, Scratch},
    signing,
};

const CONNECTIONS: usize = 64;
const ACTORS: usize = 100;
const REQUESTS: usize = 10_000;
const SLUG: &str = "letters";
/// How long the replies accepted may take to be stored as comments.
const STORE_TIMEOUT: Duration = Duration::from_secs(120);

fn requests() -> anyhow::Result<usize> {
    match std::env::var("BENCH_INBOX_REQUESTS") {
        Ok(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("BENCH_INBOX_REQUESTS must be a number, not {n:?}")),
        Err(_) => Ok(REQUESTS),
    }
}

/// Every account on a host of its own. The blog never fetches them: their
/// keys are stored already, and the insecure-local setting skips the DNS
/// check of activity ids (these hosts do not resolve).
fn place(n: usize) -> (String, String) {
    (format!("a{n}.bench.example"), "reader".into())
}

/// Sends every request once over `CONNECTIONS` connections.
async fn send(url: &str, signed: Vec<Signed>) -> anyhow::Result<Sent> {
    let signed = Arc::new(signed);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let (signed, next, url) = (signed.clone(), next.clone(), url.to_owned());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut refused = BTreeMap::<u16, u64>::new();
            while let Some(request) = signed.get(next.fetch_add(1, Ordering::Relaxed)) {
                let sent = Instant::now();
                let status = peers::post(&client, &url, request).await;
                if (200..300).contains(&status) {
                    latencies.push(sent.elapsed());
                } else {
                    *refused.entry(status).or_default() += 1;
                }
            }
            (latencies, refused)
        });
    }
    let mut latencies = Vec::new();
    let mut refused = BTreeMap::<u16, u64>::new();
    while let Some(done) = tasks.join_next().await {
        let (mut l, r) = done?;
        latencies.append(&mut l);
        for (status, n) in r {
            *refused.entry(status).or_default() += n;
        }
    }
    let errors = refused.values().sum();
    Ok(Sent {
        figures: load::figures(latencies, errors, started.elapsed()),
        refused,
        started,
    })
}

struct Sent {
    /// The 2xx answers.
    figures: load::Figures,
    /// How many got each other status (0: no answer).
    refused: BTreeMap<u16, u64>,
    /// When the first request went out.
    started: Instant,
}

/// What became of the accepted replies, read after the sending.
struct Stored {
    comments: u64,
    /// From the first request until the last accepted reply was stored.
    took: Option<Duration>,
}

/// The admin, the post and the accounts with their keys.
async fn seed_blog(config: &Config, accounts: &[Account]) -> anyhow::Result<()> {
    let db = seed::blog(config, &[(SLUG, 0)]).await?;
    peers::store(&db, accounts).await?;
    db.close().await?;
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    let count = requests()?;
    println!(
        "inbox: {count} signed Create(Note) replies from {ACTORS} known accounts, \
         {CONNECTIONS} connections, beside openssl RSA-2048 verifications on one core"
    );
    // Measured first, while nothing else runs.
    let reference = tokio::task::spawn_blocking(signing::openssl_rsa2048).await??;
    let scratch = Scratch::new("inbox")?;
    let config = seed::config(&scratch.0);
    let setup = Instant::now();
    let accounts = Arc::new(peers::generate(ACTORS, place).await?);
    let keys_took = setup.elapsed();
    seed_blog(&config, &accounts).await?;
    // Insecure-local mode skips the DNS check of the senders' made-up hosts;
    // the inbox's rate limits (per address, and everything comes from
    // 127.0.0.1) would refuse most of a benchmark.
    let (server, _) = read::start(
        &scratch.0,
        &[
            ("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true"),
            ("BLOG_FEDERATION__INBOX_RATE_PER_MINUTE", "1000000"),
        ],
    )
    .await?;
    let signing_started = Instant::now();
    let base = server.base.clone();
    let signed = peers::sign_all(count, move |n| {
        peers::reply(&accounts[n % accounts.len()], n, &base, SLUG)
    })
    .await?;
    println!(
        "  setup {:.1} s: {ACTORS} RSA-2048 keys in {:.1} s, {count} requests signed in {:.1} s",
        setup.elapsed().as_secs_f64(),
        keys_took.as_secs_f64(),
        signing_started.elapsed().as_secs_f64(),
    );

    let sent = send(&format!("{}/inbox", server.base), signed).await?;
    let (comments, when) =
        seed::wait_for_comments(&config, sent.figures.requests, STORE_TIMEOUT).await?;
    let stored = Stored {
        comments,
        took: when.map(|w| w - sent.started),
    };
    let (_, peak) = read::memory(server.child.id())?;
    drop(server);

    report(reference.as_ref(), &sent, &stored);
    println!("  server peak memory {peak:.1} MiB");
    Ok(())
}

fn report(reference: Option<&signing::OpenSsl>, sent: &Sent, stored: &Stored) {
    let ours = &sent.figures;
    load::print("blog inbox, accepted", ours);
    if !sent.refused.is_empty() {
        let list: Vec<String> = sent
            .refused
            .iter()
            .map(|(status, n)| match status {
                0 => format!("{n} unanswered"),
                s => format!("{n} answered {s}"),
            })
            .collect();
        println!("  not accepted: {}", list.join(", "));
    }
    match reference {
        Some(openssl) => {
            println!(
                "  {:<28} {:>10.0} verify/s",
                "openssl rsa2048, one core", openssl.verify
            );
            let ratio = ours.per_second / openssl.verify.max(1.0);
            println!(
                "  ratio {ratio:.3} of openssl verify/s (target at least 0.1)   {}",
                load::verdict(ratio >= 0.1)
            );
        }
        None => println!("  openssl is not installed, so there is no reference figure"),
    }
    match stored.took {
        Some(took) => println!(
            "  first request to the last accepted reply stored: {:.2} s",
            took.as_secs_f64()
        ),
        None => println!(
            "  not all accepted replies were stored {} s after the sending",
            STORE_TIMEOUT.as_secs()
        ),
    }
    println!(
        "  replies stored as comments: {} for {} accepted   {}",
        stored.comments,
        ours.requests,
        load::verdict(stored.comments == ours.requests)
    );
}
