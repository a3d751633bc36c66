//! A bounded load generator: `connections` keep-alive clients requesting one
//! URL for `duration`, counting answers and latencies. `wrk` is used when it
//! is installed (it costs the shared cores far less); otherwise the load
//! comes from this process.

use std::time::{Duration, Instant};

pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub async fn run(url: &str, connections: usize, duration: Duration) -> anyhow::Result<Figures> {
    if let Some(figures) = wrk(url, connections, duration).await? {
        return Ok(figures);
    }
    in_process(url, connections, duration).await
}

/// Which load generator `run` uses.
pub fn generator() -> &'static str {
    if wrk_binary().is_some() {
        "wrk"
    } else {
        "the in-process generator (apt-get install wrk for a lighter one)"
    }
}

fn wrk_binary() -> Option<&'static str> {
    ["/usr/bin/wrk", "/usr/local/bin/wrk"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// `wrk` with two threads; `None` when it is not installed.
async fn wrk(url: &str, connections: usize, duration: Duration) -> anyhow::Result<Option<Figures>> {
    let Some(binary) = wrk_binary() else {
        return Ok(None);
    };
    let output = tokio::process::Command::new(binary)
        .args(["-t2", &format!("-c{connections}")])
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .args(["--latency", url])
        .kill_on_drop(true)
        .output()
        .await?;
    anyhow::ensure!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .map(str::to_owned)
    };
    let per_second: f64 = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("unexpected wrk output: {text}"))?;
    let latency = |q: &str| {
        field(q)
            .and_then(|v| parse_wrk_duration(&v))
            .unwrap_or_default()
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Socket errors:"))
            .map(|l| {
                l.split(',')
                    .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                    .sum::<u64>()
            })
            .unwrap_or(0);
    Ok(Some(Figures {
        requests,
        errors,
        per_second,
        p50: latency("50%"),
        p99: latency("99%"),
    }))
}

fn parse_wrk_duration(value: &str) -> Option<Duration> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

async fn in_process(url: &str, connections: usize, duration: Duration) -> anyhow::Result<Figures> {
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

pub fn verdict(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}
