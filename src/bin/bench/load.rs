//! A bounded load generator: `connections` keep-alive clients requesting one
//! URL for `duration`, counting answers and latencies.

use std::time::{Duration, Instant};

pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub async fn run(url: &str, connections: usize, duration: Duration) -> anyhow::Result<Figures> {
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let url = url.to_owned();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let started = Instant::now();
                match client.get(&url).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        latencies.push(started.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (mut l, e) = done?;
        latencies.append(&mut l);
        errors += e;
    }
    Ok(figures(latencies, errors, duration))
}

/// The figures of `latencies` (one per answer) gathered over `elapsed`.
pub fn figures(mut latencies: Vec<Duration>, errors: u64, elapsed: Duration) -> Figures {
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        requests: latencies.len() as u64,
        errors,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.5),
        p99: at(0.99),
    }
}

pub fn print(label: &str, f: &Figures) {
    println!(
        "  {label:<28} {:>10.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} ok, {} errors)",
        f.per_second,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.requests,
        f.errors
    );
}
