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
use tokio::sync::Notify;

use crate::{
    group_commit::GroupCommit,
    services::inbound::{self, Incoming},
};

#[derive(Clone)]
pub struct Intake {
    recorder: GroupCommit<Incoming>,
    /// Milliseconds from `started` to the last request the inbox took.
    last_request: Arc<AtomicU64>,
    started: Instant,
}

impl Intake {
    /// How long after a request the inbox counts as busy.
    const BUSY_FOR: Duration = Duration::from_millis(250);

    /// Starts the recorder; `worker` is woken when there is something new.
    pub fn spawn(db: DatabaseConnection, worker: Arc<Notify>) -> Intake {
        let recorder = GroupCommit::spawn("the inbox recorder", move |items| {
            let db = db.clone();
            let worker = worker.clone();
            async move {
                if inbound::record(&db, items).await? > 0 {
                    worker.notify_one();
                }
                Ok(())
            }
        });
        Intake {
            recorder,
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
        self.recorder.submit(item).await
    }
}
