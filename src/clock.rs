//! The time the blog goes by when it decides what is due: when a post
//! scheduled for later goes public. The server reads the system clock;
//! tests set a clock of their own and move it, instead of waiting.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A clock the scheduler and the pages that schedule posts share.
#[derive(Clone)]
pub struct Clock(Arc<Kind>);

enum Kind {
    System,
    /// Set by hand; whoever waits for a time to come watches it.
    Manual(watch::Sender<DateTime<Utc>>),
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Kind::System))
    }

    /// A clock that stands at `now` until moved.
    pub fn manual(now: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Kind::Manual(watch::Sender::new(now))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Kind::System => Utc::now(),
            Kind::Manual(now) => *now.borrow(),
        }
    }

    /// Moves a manual clock on by `by` (a system clock moves by itself).
    pub fn advance(&self, by: chrono::Duration) {
        if let Kind::Manual(now) = &*self.0 {
            now.send_modify(|now| *now += by);
        }
    }

    /// Waits until the clock reaches `at`, at most `longest` of real time.
    pub async fn sleep_toward(&self, at: DateTime<Utc>, longest: std::time::Duration) {
        match &*self.0 {
            Kind::System => {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait.min(longest)).await;
            }
            Kind::Manual(now) => {
                let mut watching = now.subscribe();
                let _ = tokio::time::timeout(longest, watching.wait_for(|now| *now >= at)).await;
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_only_when_told_and_wakes_its_sleepers() {
        let start = Utc::now() - chrono::Duration::days(3);
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock
                    .sleep_toward(
                        start + chrono::Duration::hours(1),
                        std::time::Duration::from_secs(30),
                    )
                    .await;
                clock.now()
            })
        };
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        clock.advance(chrono::Duration::hours(1));
        let woke_at = tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("woken")
            .expect("task");
        assert_eq!(woke_at, start + chrono::Duration::hours(1));
    }
}
