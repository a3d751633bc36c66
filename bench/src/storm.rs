//! `storm`: a post goes viral. One post with 100 approved replies, read by
//! 64 connections (wrk):
//! a. at rest, 10 s: the read rate and p99;
//! b. during a storm, 10 s: the same reads while 1,000 signed activities a
//!    second arrive at the shared inbox on a fixed schedule, half replies
//!    (`Create(Note)`) and half `Like`s of the post, from 100 accounts on 10
//!    hosts. Targets: reads keep at least half their rate at rest with p99
//!    under 50 ms; the inbox keeps up (at least 0.99 of the schedule, every
//!    answer 2xx). Then: how long until every accepted reply is stored, and
//!    the likes the post shows (one per account: a second Like by the same
//!    account counts once);
//! c. a stampede: 2,000 fresh connections over 10 s, each one GET of the post
//!    (HTML and ActivityPub in turn), as servers fetching a link preview.
//!    Targets: every answer 200, p99 from the connect under 100 ms;
//! d. the server's resident memory after start and its peak over the whole
//!    scenario (target under 64 MiB).

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::{Duration, Instant},
};

use super::{
    load::{self, verdict},
    openloop, peers, read,
    seed::{self, Scratch},
    stampede,
};

const SLUG: &str = "viral";
const SEEDED: usize = 100;
const HOSTS: usize = 10;
const PER_HOST: usize = 10;
const READERS: usize = 64;
const PHASE: Duration = Duration::from_secs(10);
const INBOX_RATE: f64 = 1000.0;
/// Keep-alive connections the inbox sender may hold, as a few busy peers
/// would.
const INBOX_CONNECTIONS: usize = 64;
const STAMPEDE: usize = 2000;
const STAMPEDE_RATE: f64 = 200.0;
const STORE_TIMEOUT: Duration = Duration::from_secs(120);
const MEMORY_MIB: f64 = 64.0;

/// Account `n` is `u{n % 10}` on host `h{n / 10}`.
fn place(n: usize) -> (String, String) {
    (
        format!("h{}.storm.example", n / PER_HOST),
        format!("u{}", n % PER_HOST),
    )
}

pub async fn run() -> anyhow::Result<()> {
    let activities = (INBOX_RATE * PHASE.as_secs_f64()) as usize;
    println!(
        "storm: a post with {SEEDED} replies read by {READERS} connections, at rest, then while \
         {INBOX_RATE:.0} signed activities/s reach the inbox, then {STAMPEDE} fresh connections"
    );
    let scratch = Scratch::new("storm")?;
    let config = seed::config(&scratch.0);
    let setup = Instant::now();
    let accounts = Arc::new(peers::generate(HOSTS * PER_HOST, place).await?);
    let db = seed::threaded(&config, &[(SLUG, SEEDED)]).await?;
    peers::store(&db, &accounts).await?;
    db.close().await?;
    // Insecure-local mode skips the DNS check of the senders' made-up hosts.
    // The inbox's rate limit (3,000 a minute per address by default) would
    // refuse most of the storm, which all comes from 127.0.0.1: the figure
    // is what the server can take, not what its limit lets through.
    let (mut server, _) = read::start(
        &scratch.0,
        &[
            ("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true"),
            ("BLOG_FEDERATION__INBOX_RATE_PER_MINUTE", "10000000"),
        ],
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (after_start, _) = read::memory(server.child.id())?;
    let base = server.base.clone();
    let signed = peers::sign_all(activities, move |n| {
        // Each account sends replies and likes in turn.
        let account = &accounts[author(n)];
        if is_reply(n) {
            peers::reply(account, n, &base, SLUG)
        } else {
            peers::like(account, n, &base, SLUG)
        }
    })
    .await?;
    println!(
        "  setup {:.1} s: {} accounts with RSA-2048 keys, {SEEDED} replies, {activities} activities signed",
        setup.elapsed().as_secs_f64(),
        HOSTS * PER_HOST
    );
    println!("  reads from {}", load::generator());

    let page = format!("{}/posts/{SLUG}", server.base);
    let rest = load::run(&page, READERS, PHASE).await?;
    report_rest(&rest);

    let reads = {
        let page = page.clone();
        tokio::spawn(async move { load::run(&page, READERS, PHASE).await })
    };
    let inbox = format!("{}/inbox", server.base);
    let sent = openloop::send(&inbox, signed, INBOX_RATE, INBOX_CONNECTIONS).await?;
    let during = reads.await??;
    report_storm(&rest, &during, &sent);
    settle(&config, &server.base, &sent).await?;

    let addr = server.base.trim_start_matches("http://").parse()?;
    let rush = stampede::run(addr, &format!("/posts/{SLUG}"), STAMPEDE, STAMPEDE_RATE).await;
    report_stampede(&rush);

    let (_, peak) = read::memory(server.child.id())?;
    println!(
        "  d. server memory: {after_start:.1} MiB resident after start, {peak:.1} MiB peak \
         (target under {MEMORY_MIB:.0})   {}",
        verdict(peak < MEMORY_MIB)
    );
    if let Some(status) = server.child.try_wait()? {
        println!("  the server exited during the scenario: {status}");
    }
    Ok(())
}

fn is_reply(n: usize) -> bool {
    n.is_multiple_of(2)
}

/// The account that sends activity `n`.
fn author(n: usize) -> usize {
    (n / 2) % (HOSTS * PER_HOST)
}

fn report_rest(rest: &load::Figures) {
    println!("  a. at rest, {} s:", PHASE.as_secs());
    load::print("post page", rest);
}

fn report_storm(rest: &load::Figures, during: &load::Figures, sent: &openloop::Run) {
    println!(
        "  b. storm, {} s at {INBOX_RATE:.0} activities/s:",
        PHASE.as_secs()
    );
    load::print("post page", during);
    let ratio = during.per_second / rest.per_second.max(1.0);
    let p99_ms = during.p99.as_secs_f64() * 1000.0;
    println!(
        "  reads: {ratio:.2} of the rate at rest (target at least 0.5), p99 {p99_ms:.1} ms \
         (target under 50)   {}",
        verdict(ratio >= 0.5 && p99_ms < 50.0 && during.errors == 0)
    );
    let ok: Vec<Duration> = sent
        .outcomes
        .iter()
        .filter(|o| is_2xx(o.status))
        .map(|o| o.latency)
        .collect();
    let errors = sent.outcomes.len() - ok.len();
    let figures = load::figures(ok, errors as u64, sent.elapsed);
    load::print("inbox, from schedule", &figures);
    let mut other = BTreeMap::<String, usize>::new();
    for outcome in sent.outcomes.iter().filter(|o| !is_2xx(o.status)) {
        let what = match (outcome.unsent, outcome.status) {
            (true, _) => "never sent".to_owned(),
            (false, 0) => "no answer".to_owned(),
            (false, status) => format!("answered {status}"),
        };
        *other.entry(what).or_default() += 1;
    }
    let list: Vec<String> = other
        .iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    println!(
        "  inbox: not 2xx: {}; {} found no free connection on time",
        if list.is_empty() {
            "none".to_owned()
        } else {
            list.join(", ")
        },
        sent.late
    );
    let share = figures.per_second / INBOX_RATE;
    println!(
        "  inbox: achieved {:.0}/s, {share:.3} of the schedule (target at least 0.99, no errors)   {}",
        figures.per_second,
        verdict(share >= 0.99 && errors == 0)
    );
}

/// Waits for the accepted replies to be stored and the likes to show.
async fn settle(
    config: &blog::config::Config,
    base: &str,
    sent: &openloop::Run,
) -> anyhow::Result<()> {
    let accepted = |reply: bool| {
        sent.outcomes
            .iter()
            .enumerate()
            .filter(move |(n, o)| is_reply(*n) == reply && is_2xx(o.status))
            .map(|(n, _)| n)
    };
    let replies = accepted(true).count() as u64;
    let likers: BTreeSet<usize> = accepted(false).map(author).collect();
    let expected = SEEDED as u64 + replies;
    let (comments, when) = seed::wait_for_comments(config, expected, STORE_TIMEOUT).await?;
    match when {
        Some(when) => println!(
            "  first activity to the last accepted reply stored: {:.2} s ({replies} replies accepted)",
            (when - sent.first).as_secs_f64()
        ),
        None => println!(
            "  after {} s, {} of {replies} accepted replies are stored   MISSED",
            STORE_TIMEOUT.as_secs(),
            comments.saturating_sub(SEEDED as u64)
        ),
    }
    let likes = wait_for_likes(base, likers.len() as u64).await;
    let shown = likes.map_or_else(|| "unreadable".to_owned(), |n| n.to_string());
    println!(
        "  likes the post shows: {shown}, for {} accounts whose Like was accepted   {}",
        likers.len(),
        verdict(likes == Some(likers.len() as u64))
    );
    Ok(())
}

/// The `totalItems` of the post's likes collection, polled for up to 10 s
/// until it reaches `expected`; `None` if it could not be read.
async fn wait_for_likes(base: &str, expected: u64) -> Option<u64> {
    let client = reqwest::Client::new();
    let url = format!("{base}/posts/{SLUG}/likes");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = None;
    loop {
        let answer = client
            .get(&url)
            .header("accept", "application/activity+json")
            .send()
            .await;
        if let Ok(response) = answer
            && let Ok(doc) = response.json::<serde_json::Value>().await
        {
            seen = doc["totalItems"].as_u64().or(seen);
        }
        if seen.is_some_and(|n| n >= expected) || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn report_stampede(rush: &stampede::Stampede) {
    println!(
        "  c. stampede: {STAMPEDE} fresh connections at {STAMPEDE_RATE:.0}/s, one GET each, in {:.1} s:",
        rush.elapsed.as_secs_f64()
    );
    let figures = load::figures(rush.latencies.clone(), 0, rush.elapsed);
    let list: Vec<String> = rush
        .statuses
        .iter()
        .map(|((accept, status), n)| match status {
            0 => format!("{n} {accept} unanswered"),
            s => format!("{n} {accept} {s}"),
        })
        .collect();
    println!("  answers: {}", list.join(", "));
    let all_ok = rush.statuses.iter().all(|((_, status), _)| *status == 200);
    let p99_ms = figures.p99.as_secs_f64() * 1000.0;
    println!(
        "  p50 {:.2} ms, p99 {p99_ms:.2} ms from the connect; all 200 and p99 under 100 ms   {}",
        figures.p50.as_secs_f64() * 1000.0,
        verdict(all_ok && p99_ms < 100.0 && rush.latencies.len() == STAMPEDE)
    );
}

fn is_2xx(status: u16) -> bool {
    (200..300).contains(&status)
}
