//! Group commit: writes that arrive while a commit is under way wait and go
//! into the next one together, so a burst costs a few commits rather than
//! one each. Each writer learns whether its own write was committed.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::error::SharedError;

type Waiter = oneshot::Sender<Result<(), SharedError>>;

pub struct GroupCommit<T> {
    queue: mpsc::Sender<(T, Waiter)>,
    /// What the committer is called in errors: "the inbox recorder".
    name: &'static str,
}

impl<T> Clone for GroupCommit<T> {
    fn clone(&self) -> Self {
        GroupCommit {
            queue: self.queue.clone(),
            name: self.name,
        }
    }
}

impl<T: Send + 'static> GroupCommit<T> {
    /// Writes per commit, at most.
    pub const MAX_BATCH: usize = 128;

    /// Starts the committer: `commit` writes one batch.
    pub fn spawn<F, Fut>(name: &'static str, mut commit: F) -> GroupCommit<T>
    where
        F: FnMut(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let (queue, mut incoming) = mpsc::channel::<(T, Waiter)>(1024);
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while incoming.recv_many(&mut batch, Self::MAX_BATCH).await > 0 {
                let (items, waiting): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut batch).into_iter().unzip();
                let shared = commit(items).await.map_err(SharedError::new);
                for waiter in waiting {
                    let _ = waiter.send(shared.clone());
                }
            }
        });
        GroupCommit { queue, name }
    }

    /// Returns once `item` is committed, with the batch's error if it failed.
    pub async fn submit(&self, item: T) -> anyhow::Result<()> {
        let stopped = || anyhow::anyhow!("{} has stopped", self.name);
        let (done, wait) = oneshot::channel();
        self.queue.send((item, done)).await.map_err(|_| stopped())?;
        wait.await
            .map_err(|_| stopped())?
            .map_err(anyhow::Error::new)
    }
}
