//! `read`: a post page with 100 replies under load, beside nginx serving the
//! same bytes; `footprint`: memory idle and under load, and time to the first
//! answer. The server is the release `blog` binary run as its own process, so
//! its memory and its code are what a deployment runs.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context;

use super::{load, seed};

const CONNECTIONS: usize = 64;

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The release `blog` binary, built beside this one by
/// `cargo build --release --workspace`.
pub fn blog_binary() -> anyhow::Result<PathBuf> {
    let bench = std::env::current_exe()?;
    let binary = bench
        .parent()
        .map(|dir| dir.join(format!("blog{}", std::env::consts::EXE_SUFFIX)))
        .ok_or_else(|| anyhow::anyhow!("{} has no folder", bench.display()))?;
    anyhow::ensure!(
        binary.exists(),
        "the blog binary {} is missing: build both with `cargo build --release --workspace`",
        binary.display()
    );
    // `cargo run --bin bench` rebuilds the bench alone, leaving an old server.
    let built = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let (Some(server), Some(bench)) = (built(&binary), built(&bench))
        && server < bench
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            eprintln!(
                "note: {} is older than the bench; if the server changed since, \
                 run `cargo build --release --workspace`",
                binary.display()
            );
        });
    }
    Ok(binary)
}

/// Where the server's log goes: nowhere unless BENCH_SERVER_LOG is set.
fn server_log() -> Stdio {
    if std::env::var_os("BENCH_SERVER_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// Starts the blog on `dir`, with `env` added to its BLOG_* settings;
/// returns it and the time to its first 200.
pub async fn start(dir: &Path, env: &[(&str, &str)]) -> anyhow::Result<(Server, Duration)> {
    start_under(dir, env, &[], Duration::from_secs(30)).await
}

/// Like `start`, with the server run by `wrapper` (a program and its
/// arguments, the server's command line after them), waiting up to `patience`
/// for the first answer.
pub async fn start_under(
    dir: &Path,
    env: &[(&str, &str)],
    wrapper: &[&str],
    patience: Duration,
) -> anyhow::Result<(Server, Duration)> {
    let binary = blog_binary()?;
    let port = free_port()?;
    let started = Instant::now();
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(&binary);
            command
        }
        None => Command::new(&binary),
    };
    // Other BLOG_* variables of the caller reach the server (to try a
    // setting); a ./config.toml does not: it runs in its own data folder.
    let child = command
        .arg("serve")
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("BLOG_DATA_DIR", dir)
        .env("BLOG_DATABASE_URL", seed::database_url(dir))
        .env("BLOG_LISTEN", format!("127.0.0.1:{port}"))
        .env("BLOG_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env(
            "RUST_LOG",
            std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(server_log())
        .stderr(server_log())
        .spawn()
        .with_context(|| format!("failed to start {}", binary.display()))?;
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    loop {
        let answer = client.get(&server.base).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return Ok((server, started.elapsed()));
        }
        if let Some(status) = server.child.try_wait()? {
            anyhow::bail!(
                "the server exited with {status} before answering (BENCH_SERVER_LOG=warn shows why)"
            );
        }
        anyhow::ensure!(started.elapsed() < patience, "the server did not start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Resident and peak memory of a process, in MiB, from /proc.
pub fn memory(pid: u32) -> anyhow::Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

async fn seeded(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("blog-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    seed::blog(&seed::config(&dir), &[("letters", 100)])
        .await?
        .close()
        .await?;
    Ok(dir)
}

pub async fn footprint() -> anyhow::Result<()> {
    println!("footprint: memory idle and under read load, time to the first answer");
    let dir = seeded("footprint").await?;
    let (server, first) = start(&dir, &[]).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle, _) = memory(server.child.id())?;
    let url = format!("{}/posts/letters", server.base);
    load::run(&url, CONNECTIONS, Duration::from_secs(5)).await?;
    let (_, peak) = memory(server.child.id())?;
    drop(server);
    seed::remove(&dir);
    let verdict = load::verdict;
    let first_ms = first.as_secs_f64() * 1000.0;
    println!(
        "  idle resident memory  {idle:>7.1} MiB (target under 20)   {}",
        verdict(idle < 20.0)
    );
    println!(
        "  peak under load       {peak:>7.1} MiB (target under 64)   {}",
        verdict(peak < 64.0)
    );
    println!(
        "  start to first 200    {first_ms:>7.1} ms  (target under 200) {}",
        verdict(first_ms < 200.0)
    );
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    println!(
        "read: a post page with 100 replies, {CONNECTIONS} connections, 10 s, beside nginx serving the same bytes"
    );
    println!("  load from {}", load::generator());
    let dir = seeded("read").await?;
    let (server, _) = start(&dir, &[]).await?;
    let url = format!("{}/posts/letters", server.base);
    let page = reqwest::get(&url).await?.bytes().await?;
    let ours = load::run(&url, CONNECTIONS, Duration::from_secs(10)).await?;
    let (_, peak) = memory(server.child.id())?;
    drop(server);
    load::print("blog", &ours);
    println!("  server peak memory {peak:.1} MiB");
    match nginx(&dir, &page).await {
        Ok(Some(reference)) => {
            load::print("nginx, same bytes", &reference);
            let ratio = ours.per_second / reference.per_second.max(1.0);
            println!(
                "  ratio {ratio:.2} of nginx (target at least 0.5)   {}",
                if ratio >= 0.5 { "MET" } else { "MISSED" }
            );
        }
        Ok(None) => println!(
            "  nginx is not installed (apt-get install nginx) so there is no reference figure"
        ),
        Err(err) => println!("  nginx reference failed: {err:#}"),
    }
    seed::remove(&dir);
    Ok(())
}

/// nginx serving `page` as a static file, under the same load.
async fn nginx(dir: &Path, page: &[u8]) -> anyhow::Result<Option<load::Figures>> {
    let Some(binary) = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        return Ok(None);
    };
    let root = dir.join("www");
    std::fs::create_dir_all(&root)?;
    std::fs::write(root.join("index.html"), page)?;
    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto; pid {pid}; error_log {err} crit; daemon off;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n",
            pid = dir.join("nginx.pid").display(),
            err = dir.join("nginx.err").display(),
            root = root.display(),
        ),
    )?;
    let child = Command::new(binary)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let url = format!("{}/index.html", server.base);
    let started = Instant::now();
    while reqwest::get(&url).await.is_err() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let figures = load::run(&url, CONNECTIONS, Duration::from_secs(10)).await;
    // Killing the master alone would leave its workers running.
    let _ = Command::new(binary)
        .arg("-c")
        .arg(&conf)
        .args(["-s", "stop"])
        .stderr(Stdio::null())
        .status();
    let mut server = server;
    let _ = server.child.wait();
    Ok(Some(figures?))
}
