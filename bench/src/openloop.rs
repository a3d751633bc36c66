//! An open-loop sender: signed inbox POSTs on a fixed schedule, whatever the
//! server's pace, over a bounded pool of keep-alive connections. Latency is
//! measured from each request's scheduled time, so a server that stalls shows
//! as latency rather than as a slower sender (no coordinated omission).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::{Mutex, mpsc};

use super::peers::{self, Signed};

/// How long after the end of its schedule a request may still go out.
const GRACE: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);

/// What became of one scheduled request.
#[derive(Clone, Copy, Default)]
pub struct Outcome {
    /// The answer's status; 0 when none came (refused, reset, timed out) or
    /// the request was never sent.
    pub status: u16,
    /// From the scheduled time to the end of the answer.
    pub latency: Duration,
    /// Dropped unsent: still queued `GRACE` after the schedule ended.
    pub unsent: bool,
}

pub struct Run {
    /// One per request, in schedule order.
    pub outcomes: Vec<Outcome>,
    /// Requests that found no free connection at their scheduled time.
    pub late: usize,
    /// From the first scheduled time to the last answer.
    pub elapsed: Duration,
    pub first: Instant,
}

/// Sends `requests` to `url`, request `n` at `n / per_second` seconds.
pub async fn send(
    url: &str,
    requests: Vec<Signed>,
    per_second: f64,
    connections: usize,
) -> anyhow::Result<Run> {
    let count = requests.len();
    let requests = Arc::new(requests);
    let first = Instant::now() + Duration::from_millis(50);
    let at = move |n: usize| first + Duration::from_secs_f64(n as f64 / per_second);
    let deadline = at(count) + GRACE;
    let (queue, receiver) = mpsc::unbounded_channel::<usize>();
    let receiver = Arc::new(Mutex::new(receiver));
    let idle = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(TIMEOUT)
            .build()?;
        let (requests, receiver, idle, url) = (
            requests.clone(),
            receiver.clone(),
            idle.clone(),
            url.to_owned(),
        );
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                idle.fetch_add(1, Ordering::SeqCst);
                let next = receiver.lock().await.recv().await;
                idle.fetch_sub(1, Ordering::SeqCst);
                let Some(n) = next else { break };
                let outcome = if Instant::now() > deadline {
                    Outcome {
                        unsent: true,
                        ..Outcome::default()
                    }
                } else {
                    let status = peers::post(&client, &url, &requests[n]).await;
                    Outcome {
                        status,
                        latency: at(n).elapsed(),
                        unsent: false,
                    }
                };
                done.push((n, outcome));
            }
            done
        });
    }
    let mut late = 0;
    for n in 0..count {
        tokio::time::sleep_until(at(n).into()).await;
        if idle.load(Ordering::SeqCst) == 0 {
            late += 1;
        }
        queue.send(n)?;
    }
    drop(queue);
    let mut outcomes = vec![Outcome::default(); count];
    while let Some(done) = workers.join_next().await {
        for (n, outcome) in done? {
            outcomes[n] = outcome;
        }
    }
    Ok(Run {
        outcomes,
        late,
        elapsed: first.elapsed(),
        first,
    })
}
