//! Publishes scheduled posts when their time comes: sleeps until the next
//! one is due (or at most a minute, so posts scheduled by another process
//! are seen), and is woken early when the author schedules a post here.
//! Posts due while the server was down go out at the first pass.

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::{sync::Notify, task::JoinHandle};

use crate::{
    clock::Clock,
    pages::{Change, PageCache},
    services::posts,
};

const LONGEST_SLEEP: Duration = Duration::from_secs(60);
const AFTER_ERROR: Duration = Duration::from_secs(5);
const AFTER_RACE: Duration = Duration::from_millis(200);

pub struct Scheduler {
    pub db: DatabaseConnection,
    pub pages: Arc<PageCache>,
    /// Woken when posts went public, so their `Create`s are sent at once.
    pub delivery: Arc<Notify>,
    /// Notified when a post is scheduled or rescheduled.
    pub wake: Arc<Notify>,
    /// What time it is.
    pub clock: Clock,
}

impl Scheduler {
    /// Runs until the handle is aborted; a pass cut short rolls back.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let wait = self.pass().await;
                let until = self.clock.now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
                tokio::select! {
                    _ = self.clock.sleep_toward(until, wait) => {}
                    _ = self.wake.notified() => {}
                }
            }
        })
    }

    /// Publishes what is due; returns how long to sleep. Only reads until a
    /// post is due, so an idle blog never opens a write transaction here
    /// (on SQLite, one would make a concurrent save retry or fail).
    async fn pass(&self) -> Duration {
        let due = match posts::next_due(&self.db).await {
            Ok(Some(due)) => due,
            Ok(None) => return LONGEST_SLEEP,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "failed to look for scheduled posts");
                return AFTER_ERROR;
            }
        };
        if let Ok(wait) = (due - self.clock.now()).to_std()
            && !wait.is_zero()
        {
            return wait.min(LONGEST_SLEEP);
        }
        match posts::publish_due(&self.db, self.clock.now()).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(posts = ?ids, "scheduled posts published");
                let changes: Vec<Change> = ids.iter().map(|id| Change::Post(*id)).collect();
                self.pages.changed(&self.db, &changes).await;
                self.delivery.notify_one();
                // Straight on to the next one.
                Duration::ZERO
            }
            // Another process was quicker.
            Ok(_) => AFTER_RACE,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "failed to publish scheduled posts");
                AFTER_ERROR
            }
        }
    }
}
