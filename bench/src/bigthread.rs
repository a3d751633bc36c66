//! `bigthread`: a post with 10 approved replies and one with 20,000, as
//! browsers and fediverse servers fetch them. For the HTML page, the
//! ActivityPub replies collection and the collection's first page (when it
//! links one through `first`): the status, the size of the uncompressed
//! answer, the SQL statements of one answer and the time of a cache miss.
//! Targets: the 20,000-reply documents answer 200 in under 300 KB, and each
//! miss costs at most 3x the same document's miss for 10 replies.
//!
//! The server runs in this process with the page cache off, so every request
//! renders, and its statements are counted through sea-orm's metric callback.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use blog::app::{self, App};

use super::{load::verdict, seed};

const SMALL: (&str, usize) = ("ten", 10);
const BIG: (&str, usize) = ("viral", 20_000);
const MAX_BYTES: usize = 300 * 1024;
const MAX_RATIO: f64 = 3.0;
/// Misses are timed until this much time or `ROUNDS` rounds have passed.
const TIMING: Duration = Duration::from_secs(3);
const ROUNDS: u32 = 50;
const ACTIVITY_JSON: &str = "application/activity+json";

/// One document as served on a cache miss.
struct Measured {
    status: u16,
    bytes: usize,
    statements: u64,
    miss: Duration,
    /// The collection's `first` page, as a path on this server.
    first: Option<String>,
}

struct Probe {
    client: reqwest::Client,
    base: String,
    statements: Arc<AtomicU64>,
}

impl Probe {
    /// Status, body length and `first` of one answer; status 0 when none came.
    async fn fetch(&self, path: &str, accept: &str) -> (u16, usize, Option<String>) {
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept", accept)
            .send()
            .await;
        let Ok(response) = answer else {
            return (0, 0, None);
        };
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        (status, body.len(), first_page(&body))
    }

    async fn measure(&self, path: &str, accept: &str) -> Measured {
        let (status, bytes, first) = self.fetch(path, accept).await;
        // The fewest of three answers: a background task may query meanwhile.
        let mut statements = u64::MAX;
        for _ in 0..3 {
            self.statements.store(0, Ordering::SeqCst);
            self.fetch(path, accept).await;
            statements = statements.min(self.statements.load(Ordering::SeqCst));
        }
        let started = Instant::now();
        let mut rounds = 0;
        while rounds < 3 || (rounds < ROUNDS && started.elapsed() < TIMING) {
            self.fetch(path, accept).await;
            rounds += 1;
        }
        Measured {
            status,
            bytes,
            statements,
            miss: started.elapsed() / rounds,
            first,
        }
    }
}

/// The path of the page a collection's `first` names (a link, or an
/// embedded page with an id).
fn first_page(body: &[u8]) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = &doc["first"];
    let link = first.as_str().or_else(|| first["id"].as_str())?;
    let url = url::Url::parse(link).ok()?;
    Some(match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    })
}

pub async fn run() -> anyhow::Result<()> {
    println!(
        "bigthread: a post with {} and one with {} approved replies, each document on a cache miss",
        SMALL.1, BIG.1
    );
    let scratch = seed::Scratch::new("bigthread")?;
    let mut config = seed::config(&scratch.0);
    let setup = Instant::now();
    seed::threaded(&config, &[SMALL, BIG])
        .await?
        .close()
        .await?;
    println!(
        "  setup: {} replies stored through the services in {:.1} s",
        SMALL.1 + BIG.1,
        setup.elapsed().as_secs_f64()
    );

    let statements = Arc::new(AtomicU64::new(0));
    let mut db = app::connect(&config).await?;
    let counter = statements.clone();
    db.set_metric_callback(move |info| {
        // The delivery worker's polling is not part of the page.
        let sql = &info.statement.sql;
        if !sql.contains("deliveries") && !sql.contains("delivery_hosts") {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    config.listen = addr;
    config.public_url = url::Url::parse(&format!("http://{addr}"))?;
    // Every request renders: the figure is the rendering, not the page cache.
    config.page_cache_mib = 0;
    let app = App::with_database(config, listener, reqwest::Client::new(), db).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let probe = Probe {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?,
        base: format!("http://{addr}"),
        statements,
    };
    let rows = measure_all(&probe).await;
    let _ = stop.send(());
    server.await??;
    report(&rows);
    Ok(())
}

/// One document of both posts: its name, then the small and the big post's.
type Row = (&'static str, Measured, Measured);

async fn measure_all(probe: &Probe) -> Vec<Row> {
    let mut rows = Vec::new();
    let html = |slug: &str| format!("/posts/{slug}");
    let replies = |slug: &str| format!("/posts/{slug}/replies");
    let small = probe.measure(&html(SMALL.0), "text/html").await;
    let big = probe.measure(&html(BIG.0), "text/html").await;
    rows.push(("HTML page", small, big));
    let small = probe.measure(&replies(SMALL.0), ACTIVITY_JSON).await;
    let big = probe.measure(&replies(BIG.0), ACTIVITY_JSON).await;
    let firsts = (small.first.clone(), big.first.clone());
    rows.push(("replies collection", small, big));
    if let (Some(small), Some(big)) = firsts {
        let small = probe.measure(&small, ACTIVITY_JSON).await;
        let big = probe.measure(&big, ACTIVITY_JSON).await;
        rows.push(("its first page", small, big));
    }
    rows
}

fn report(rows: &[Row]) {
    println!(
        "  {:<20} {:>8} {:>7} {:>13} {:>5} {:>10}",
        "document", "replies", "status", "bytes", "SQL", "miss ms"
    );
    for (name, small, big) in rows {
        for (replies, m) in [(SMALL.1, small), (BIG.1, big)] {
            println!(
                "  {name:<20} {replies:>8} {:>7} {:>13} {:>5} {:>10.2}",
                m.status,
                m.bytes,
                m.statements,
                m.miss.as_secs_f64() * 1000.0
            );
        }
    }
    if !rows.iter().any(|(name, ..)| *name == "its first page") {
        println!("  the replies collections link no first page");
    }
    for (name, small, big) in rows {
        let fits = big.status == 200 && big.bytes < MAX_BYTES;
        println!(
            "  {name}, {} replies: status {}, {:.0} KB (target 200 under {} KB)   {}",
            BIG.1,
            big.status,
            big.bytes as f64 / 1024.0,
            MAX_BYTES / 1024,
            verdict(fits)
        );
        let ratio = big.miss.as_secs_f64() / small.miss.as_secs_f64().max(1e-6);
        let both = small.status == 200 && big.status == 200;
        println!(
            "  {name}, miss {} / {}: {ratio:.2}x{} (target at most {MAX_RATIO}x)   {}",
            BIG.1,
            SMALL.1,
            if both { "" } else { ", not both 200" },
            verdict(both && ratio <= MAX_RATIO)
        );
    }
}
