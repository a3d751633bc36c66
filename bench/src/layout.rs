//! `layout`: records which functions of the release `blog` run when it
//! starts and when it serves, and writes them to `linker/startup-order.txt`,
//! which `build.rs` hands to the linker so that they sit side by side.
//!
//! The kernel maps a program's code 64 KiB at a time around each page the
//! process touches; with the functions a start needs spread over the whole
//! binary, a start touched most of it. Placed together, a start maps little
//! more than what it runs.
//!
//! The server runs under Valgrind's callgrind (which sees every function
//! that runs, however briefly): to its first answer on a new database (which
//! it migrates, making the blog's key pair) and on a seeded one, then through
//! the requests a blog answers all day (pages, feeds, ActivityPub documents,
//! signed replies and likes in the inbox). What the starts used comes first
//! in the file, then what only serving did. Symbols
//! carry hashes that change with dependency versions and the compiler; the
//! linker skips names it does not know, so a stale file only loses some of
//! its effect. Run this again after updating dependencies or the toolchain.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Duration,
};

use anyhow::Context;

use super::{
    peers::{self, Account},
    read,
    seed::{self, Scratch},
};

const SLUG: &str = "letters";
/// Valgrind runs a program some fifty times slower.
const PATIENCE: Duration = Duration::from_secs(180);

fn output() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../linker/startup-order.txt")
}

pub async fn run() -> anyhow::Result<()> {
    println!("layout: the functions `blog` runs at start and while serving, for the linker");
    anyhow::ensure!(
        Command::new("valgrind").arg("--version").output().is_ok(),
        "valgrind is not installed (apt-get install valgrind)"
    );
    anyhow::ensure!(
        std::env::var_os("BENCH_DATABASE_URL").is_none(),
        "layout profiles the default setup, on SQLite: unset BENCH_DATABASE_URL"
    );
    // The very first start also migrates the database and makes the key pair.
    let first_start = Scratch::new("layout-first")?;
    let mut start = profile(&first_start.0, "first", |_| async { Ok(()) }).await?;
    let scratch = Scratch::new("layout")?;
    let config = seed::config(&scratch.0);
    let accounts =
        Arc::new(peers::generate(2, |n| (format!("a{n}.layout.example"), "reader".into())).await?);
    let db = seed::blog(&config, &[(SLUG, 100)]).await?;
    peers::store(&db, &accounts).await?;
    db.close().await?;

    start.extend(profile(&scratch.0, "start", |_| async { Ok(()) }).await?);
    let serving = profile(&scratch.0, "serving", |base| {
        let accounts = accounts.clone();
        async move { serve_a_day(&base, &accounts).await }
    })
    .await?;
    println!(
        "  {} functions ran to the first answer, {} more while serving",
        start.len(),
        serving.iter().filter(|f| !start.contains(*f)).count()
    );

    let addresses = addresses()?;
    let position = |name: &String| addresses.get(name.as_str()).copied().unwrap_or(u64::MAX);
    let mut first: Vec<&String> = start.iter().collect();
    first.sort_by_key(|n| position(n));
    let mut then: Vec<&String> = serving.iter().filter(|f| !start.contains(*f)).collect();
    then.sort_by_key(|n| position(n));
    let mut text = String::from(
        "# Functions of `blog` in the order the linker places them: those that run\n\
         # to the first answer, then those that run while serving. Written by\n\
         # `bench layout` (see BENCHMARKS.md); names the linker does not find are\n\
         # skipped.\n",
    );
    for name in first.into_iter().chain(then) {
        text.push_str(name);
        text.push('\n');
    }
    std::fs::create_dir_all(output().parent().expect("a folder"))?;
    std::fs::write(output(), text)?;
    println!(
        "  wrote {}; `cargo build --release --workspace` links with it",
        output().display()
    );
    Ok(())
}

/// The functions of the blog binary that ran while the server started, did
/// `work` with its base URL, and stopped.
async fn profile<F, Fut>(dir: &Path, name: &str, work: F) -> anyhow::Result<HashSet<String>>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let out = dir.join(format!("callgrind.{name}"));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let (mut server, _) = read::start_under(
        dir,
        &[
            ("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true"),
            ("BLOG_FEDERATION__INBOX_RATE_PER_MINUTE", "1000000"),
        ],
        &[
            "valgrind",
            "--tool=callgrind",
            "--demangle=no",
            "--dump-instr=no",
            "--compress-strings=no",
            "--compress-pos=no",
            &out_arg,
        ],
        PATIENCE,
    )
    .await?;
    work(server.base.clone()).await?;
    // An interrupted server shuts down and callgrind writes what it saw.
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status()?;
    let deadline = std::time::Instant::now() + PATIENCE;
    while server.child.try_wait()?.is_none() {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let binary = std::fs::canonicalize(read::blog_binary()?)?;
    functions(&out, &binary)
}

/// What a blog answers every day, once each.
async fn serve_a_day(base: &str, accounts: &Arc<Vec<Account>>) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let activity = "application/activity+json";
    let host = base.trim_start_matches("http://");
    let gets: Vec<(String, &str)> = vec![
        (format!("/posts/{SLUG}"), "text/html"),
        (format!("/posts/{SLUG}"), activity),
        (format!("/posts/{SLUG}/replies"), activity),
        ("/".into(), "text/html"),
        ("/feed.atom".into(), "*/*"),
        ("/feed.rss".into(), "*/*"),
        ("/feed.json".into(), "*/*"),
        ("/users/blog".into(), activity),
        ("/users/blog/outbox".into(), activity),
        ("/users/blog/followers".into(), activity),
        (
            format!("/.well-known/webfinger?resource=acct:blog@{host}"),
            "*/*",
        ),
        ("/.well-known/nodeinfo".into(), "*/*"),
        ("/style.css".into(), "text/css"),
        ("/login".into(), "text/html"),
        ("/no-such-page".into(), "text/html"),
    ];
    for round in 0..2 {
        for (path, accept) in &gets {
            let response = client
                .get(format!("{base}{path}"))
                .header("Accept", *accept)
                .header("Accept-Encoding", if round == 0 { "gzip" } else { "br" })
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            response.bytes().await?;
        }
    }
    let (owned_base, accounts) = (base.to_owned(), accounts.clone());
    let signed = peers::sign_all(8, move |n| {
        let account = &accounts[n % accounts.len()];
        if n % 2 == 0 {
            peers::reply(account, n, &owned_base, SLUG)
        } else {
            peers::like(account, n, &owned_base, SLUG)
        }
    })
    .await?;
    for request in &signed {
        let status = peers::post(&client, &format!("{base}/inbox"), request).await;
        anyhow::ensure!((200..300).contains(&status), "the inbox answered {status}");
    }
    // Time for the inbox's worker to apply them, at Valgrind's pace.
    tokio::time::sleep(Duration::from_secs(10)).await;
    Ok(())
}

/// The functions callgrind saw run in `binary`, by their symbol names.
fn functions(out: &Path, binary: &Path) -> anyhow::Result<HashSet<String>> {
    let text = std::fs::read_to_string(out)
        .with_context(|| format!("callgrind wrote no profile to {}", out.display()))?;
    let binary = binary.to_string_lossy();
    let mut object = String::new();
    let mut names = HashSet::new();
    for line in text.lines() {
        if let Some(ob) = line.strip_prefix("ob=") {
            object = ob.trim().to_owned();
        } else if let Some(name) = line.strip_prefix("fn=")
            && object == binary
        {
            names.insert(name.trim().to_owned());
        }
    }
    anyhow::ensure!(!names.is_empty(), "callgrind saw nothing run in {binary}");
    Ok(names)
}

/// Where each function sits in the binary now (read with `nm`), so that the
/// file keeps neighbours together; empty if `nm` is missing.
fn addresses() -> anyhow::Result<BTreeMap<String, u64>> {
    let binary = read::blog_binary()?;
    let Ok(listing) = Command::new("nm")
        .arg("--defined-only")
        .arg(&binary)
        .output()
    else {
        return Ok(BTreeMap::new());
    };
    Ok(String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let address = u64::from_str_radix(parts.next()?, 16).ok()?;
            let _kind = parts.next()?;
            Some((parts.next()?.to_owned(), address))
        })
        .collect())
}
