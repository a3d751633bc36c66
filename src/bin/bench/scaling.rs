//! `scaling`: SQL statements and time to render a post page with 10 and with
//! 1,000 replies. Target: the same number of statements, at most 3x the time.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use blog::app::{self, App};

use super::seed;

pub async fn run() -> anyhow::Result<()> {
    println!("scaling: a post page with 10 and with 1,000 approved replies");
    let dir = std::env::temp_dir().join(format!("blog-bench-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut config = seed::config(&dir);
    seed::blog(&config, &[("ten", 10), ("thousand", 1000)])
        .await?
        .close()
        .await?;

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
    // Every request renders: the figure is the rendering, not the page cache.
    config.page_cache_mib = 0;
    let app = App::with_database(config.clone(), listener, reqwest::Client::new(), db).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let mut rows = Vec::new();
    for (slug, replies) in [("ten", 10), ("thousand", 1000)] {
        let url = format!("http://{addr}/posts/{slug}");
        for _ in 0..5 {
            client
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
        }
        statements.store(0, Ordering::SeqCst);
        client.get(&url).send().await?.bytes().await?;
        let count = statements.load(Ordering::SeqCst);
        let rounds = 50;
        let started = Instant::now();
        for _ in 0..rounds {
            client.get(&url).send().await?.bytes().await?;
        }
        let each = started.elapsed() / rounds;
        rows.push((replies, count, each));
    }
    let _ = stop.send(());
    server.await??;
    seed::remove(&dir);

    for (replies, count, each) in &rows {
        println!(
            "  {replies:>5} replies: {count:>3} SQL statements, {:>8.2} ms per page",
            ms(*each)
        );
    }
    let (same, ratio) = (
        rows[0].1 == rows[1].1,
        ms(rows[1].2) / ms(rows[0].2).max(0.001),
    );
    println!(
        "  statements equal: {}   time ratio 1000/10: {ratio:.2}x (target at most 3x)   {}",
        if same { "yes" } else { "NO" },
        if same && ratio <= 3.0 {
            "MET"
        } else {
            "MISSED"
        }
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
