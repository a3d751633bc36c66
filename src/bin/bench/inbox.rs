//! `inbox`: signed `Create(Note)` replies to a post, from 100 remote accounts
//! whose keys the blog already holds, over 64 connections; accepted
//! activities per second beside OpenSSL's RSA-2048 verifications per second
//! on one core (target: at least a tenth of it), and every accepted reply
//! stored as a comment.
//!
//! Each request carries its own signature. Signing competes with the server
//! for the cores, so all requests are signed before the clock starts and only
//! the sending is timed. `BENCH_INBOX_REQUESTS` sets how many (10,000).

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use blog::{
    app,
    config::Config,
    services::{
        actors::{self, RemoteActorData},
        comments,
    },
};
use bytes::Bytes;
use serde_json::json;

use super::{
    load, read,
    seed::{self, Scratch},
    signing::{self, Key},
};

const CONNECTIONS: usize = 64;
const ACTORS: usize = 100;
const REQUESTS: usize = 10_000;
const SLUG: &str = "letters";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One inbox POST, signed in advance.
struct Signed {
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

fn requests() -> anyhow::Result<usize> {
    match std::env::var("BENCH_INBOX_REQUESTS") {
        Ok(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("BENCH_INBOX_REQUESTS must be a number, not {n:?}")),
        Err(_) => Ok(REQUESTS),
    }
}

/// The account, on a host of its own. The blog never fetches it: its key is
/// stored already, and the insecure-local setting skips the DNS check of
/// activity ids (these hosts do not resolve).
fn actor_id(n: usize) -> String {
    format!("https://a{n}.bench.example/users/reader")
}

fn remote(n: usize, key: &Key) -> RemoteActorData {
    let id = actor_id(n);
    RemoteActorData {
        inbox: format!("{id}/inbox"),
        shared_inbox: Some(format!("https://a{n}.bench.example/inbox")),
        public_key_pem: key.public_pem.clone(),
        preferred_username: "reader".into(),
        name: Some(format!("Reader {n}")),
        host: format!("a{n}.bench.example"),
        url: Some(format!("https://a{n}.bench.example/@reader")),
        icon_url: None,
        ap_id: id,
    }
}

/// Reply `n`, shaped like Mastodon's, signed by its author.
fn reply(keys: &[Key], n: usize, base: &str) -> anyhow::Result<Signed> {
    let author = n % keys.len();
    let actor = actor_id(author);
    let blog = format!("{base}/users/blog");
    let note = format!("{actor}/statuses/{n}");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let activity = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{note}/activity"),
        "type": "Create",
        "actor": actor,
        "published": now,
        "to": [PUBLIC],
        "cc": [format!("{actor}/followers"), blog],
        "object": {
            "id": note,
            "type": "Note",
            "attributedTo": actor,
            "inReplyTo": format!("{base}/posts/{SLUG}"),
            "content": format!(
                "<p><span class=\"h-card\"><a href=\"{base}/@blog\" class=\"u-url mention\">@<span>blog</span></a></span> \
                 Reply number {n}, with <strong>some</strong> words about the post.</p>"
            ),
            "published": now,
            "url": format!("https://a{author}.bench.example/@reader/{n}"),
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers"), blog],
            "sensitive": false,
            "tag": [{ "type": "Mention", "href": blog, "name": "@blog" }],
        },
    });
    let body = Bytes::from(activity.to_string());
    let host = base.trim_start_matches("http://");
    let headers = keys[author].sign_post(&format!("{actor}#main-key"), host, "/inbox", &body)?;
    Ok(Signed { headers, body })
}

/// `count` keys, generated on every core.
async fn generate_keys(count: usize) -> anyhow::Result<Vec<Key>> {
    let tasks: Vec<_> = (0..count)
        .map(|_| tokio::task::spawn_blocking(Key::generate))
        .collect();
    let mut keys = Vec::with_capacity(count);
    for task in tasks {
        keys.push(task.await??);
    }
    Ok(keys)
}

/// `count` replies, signed on every core.
async fn sign_all(keys: Arc<Vec<Key>>, base: &str, count: usize) -> anyhow::Result<Vec<Signed>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let tasks: Vec<_> = (0..threads)
        .map(|first| {
            let (keys, base) = (keys.clone(), base.to_owned());
            tokio::task::spawn_blocking(move || {
                (first..count)
                    .step_by(threads)
                    .map(|n| reply(&keys, n, &base))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.append(&mut task.await??);
    }
    Ok(all)
}

/// Sends every request once over `CONNECTIONS` connections; the figures of
/// the 2xx answers, and how many got each other status (0: no answer).
async fn send(
    url: &str,
    signed: Vec<Signed>,
) -> anyhow::Result<(load::Figures, BTreeMap<u16, u64>)> {
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
                let mut builder = client
                    .post(&url)
                    .header("content-type", "application/activity+json")
                    .body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                let sent = Instant::now();
                let status = match builder.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
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
    Ok((load::figures(latencies, errors, started.elapsed()), refused))
}

/// The admin, the post and the accounts with their keys.
async fn seed_blog(config: &Config, keys: &[Key]) -> anyhow::Result<()> {
    let db = seed::blog(config, &[(SLUG, 0)]).await?;
    for (n, key) in keys.iter().enumerate() {
        actors::upsert(&db, remote(n, key), chrono::Utc::now()).await?;
    }
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
    let keys = Arc::new(generate_keys(ACTORS).await?);
    let keys_took = setup.elapsed();
    seed_blog(&config, &keys).await?;
    // Insecure-local mode skips the DNS check of the senders' made-up hosts;
    // the inbox's rate limits would refuse most of a benchmark.
    let (server, _) = read::start(
        &scratch.0,
        &[
            ("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true"),
            ("BLOG_FEDERATION__INBOX_RATE_PER_MINUTE", "1000000"),
        ],
    )
    .await?;
    let signing_started = Instant::now();
    let signed = sign_all(keys, &server.base, count).await?;
    println!(
        "  setup {:.1} s: {ACTORS} RSA-2048 keys in {:.1} s, {count} requests signed in {:.1} s",
        setup.elapsed().as_secs_f64(),
        keys_took.as_secs_f64(),
        signing_started.elapsed().as_secs_f64(),
    );

    let (ours, refused) = send(&format!("{}/inbox", server.base), signed).await?;
    let db = app::connect(&config).await?;
    let stored = comments::status_counts(&db).await?;
    db.close().await?;
    drop(server);

    report(reference.as_ref(), &ours, &refused, &stored);
    Ok(())
}

fn report(
    reference: Option<&signing::OpenSsl>,
    ours: &load::Figures,
    refused: &BTreeMap<u16, u64>,
    stored: &comments::StatusCounts,
) {
    load::print("blog inbox, accepted", ours);
    if !refused.is_empty() {
        let list: Vec<String> = refused
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
                verdict(ratio >= 0.1)
            );
        }
        None => println!("  openssl is not installed, so there is no reference figure"),
    }
    let comments = stored.pending + stored.approved + stored.rejected + stored.spam;
    println!(
        "  replies stored as comments: {comments} for {} accepted ({} pending, {} approved)   {}",
        ours.requests,
        stored.pending,
        stored.approved,
        verdict(comments == ours.requests)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}
