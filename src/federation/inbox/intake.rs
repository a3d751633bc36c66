//! Records verified activities durably before the inbox acknowledges them,
//! many to a commit: requests that arrive while a commit is under way wait
//! and go into the next one together (group commit), so a busy inbox costs
//! a few commits a second rather than one per activity.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::services::inbound::{self, Incoming};

type Waiter = oneshot::Sender<Result<(), crate::error::SharedError>>;

#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<(Incoming, Waiter)>,
    /// Milliseconds from `started` to the last request the inbox took.
    last_request: Arc<AtomicU64>,
    started: Instant,
}

impl Intake {
    /// Activities per commit, at most.
    const MAX_BATCH: usize = 128;
    /// How long after a request the inbox counts as busy.
    const BUSY_FOR: Duration = Duration::from_millis(250);

    /// Starts the recorder; `worker` is woken when there is something new.
    pub fn spawn(db: DatabaseConnection, worker: Arc<Notify>) -> Intake {
        let (queue, mut incoming) = mpsc::channel::<(Incoming, Waiter)>(1024);
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while incoming.recv_many(&mut batch, Self::MAX_BATCH).await > 0 {
                let (items, waiting): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut batch).into_iter().unzip();
                let result = inbound::record(&db, items).await;
                if let Ok(new) = &result
                    && *new > 0
                {
                    worker.notify_one();
                }
                let shared = result.map(|_| ()).map_err(crate::error::SharedError::new);
                for waiter in waiting {
                    let _ = waiter.send(shared.clone());
                }
            }
        });
        Intake {
            queue,
            last_request: Arc::default(),
            started: Instant::now(),
        }
    }

    fn millis_now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes that a request came to the inbox.
    pub fn arrived(&self) {
        self.last_request
            .fetch_max(self.millis_now(), Ordering::Relaxed);
    }

    /// Whether requests came to the inbox within the last quarter second.
    pub fn under_load(&self) -> bool {
        let last = self.last_request.load(Ordering::Relaxed);
        last > 0 && self.millis_now().saturating_sub(last) < Self::BUSY_FOR.as_millis() as u64
    }

    /// Returns once the activity is committed (or was already recorded).
    pub async fn record(&self, item: Incoming) -> anyhow::Result<()> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send((item, done))
            .await
            .map_err(|_| anyhow::anyhow!("the inbox recorder has stopped"))?;
        wait.await
            .map_err(|_| anyhow::anyhow!("the inbox recorder has stopped"))?
            .map_err(anyhow::Error::new)
    }
}
