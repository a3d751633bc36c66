//! A stampede of fresh connections, as when thousands of servers fetch a
//! shared link for its preview card at once: each connects, sends one GET
//! with `Connection: close`, reads the answer to the end and hangs up. Raw
//! HTTP/1.1 over a `TcpStream` is the cheapest client, which matters as the
//! load shares the cores with the server.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinSet,
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The two kinds of fetch, taken in turn.
pub const ACCEPTS: [&str; 2] = ["text/html", "application/activity+json"];

pub struct Stampede {
    /// How many answers each `Accept` got with each status (0: no answer).
    pub statuses: BTreeMap<(&'static str, u16), u64>,
    /// From the start of the connect to the end of the answer, any status.
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

/// `count` connections to `addr` for `path`, `per_second` of them opened
/// each second on schedule, whether or not earlier ones were answered.
pub async fn run(addr: SocketAddr, path: &str, count: usize, per_second: f64) -> Stampede {
    let started = Instant::now();
    let mut fetches = JoinSet::new();
    for n in 0..count {
        let at = started + Duration::from_secs_f64(n as f64 / per_second);
        tokio::time::sleep_until(at.into()).await;
        let accept = ACCEPTS[n % ACCEPTS.len()];
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\n\
             User-Agent: bench-stampede\r\nConnection: close\r\n\r\n"
        );
        fetches.spawn(async move {
            let connect = Instant::now();
            let status = tokio::time::timeout(TIMEOUT, fetch(addr, request))
                .await
                .unwrap_or(None);
            (accept, status, connect.elapsed())
        });
    }
    let mut statuses = BTreeMap::new();
    let mut latencies = Vec::with_capacity(count);
    while let Some(done) = fetches.join_next().await {
        let (accept, status, took) = done.unwrap_or(("?", None, TIMEOUT));
        *statuses.entry((accept, status.unwrap_or(0))).or_insert(0) += 1;
        if status.is_some() {
            latencies.push(took);
        }
    }
    Stampede {
        statuses,
        latencies,
        elapsed: started.elapsed(),
    }
}

/// The status of one answer read to its end; `None` if there was none.
async fn fetch(addr: SocketAddr, request: String) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::with_capacity(16 * 1024);
    stream.read_to_end(&mut answer).await.ok()?;
    let line = answer.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    // "HTTP/1.1 200 OK"
    line.split_whitespace().nth(1)?.parse().ok()
}
