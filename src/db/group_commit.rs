//! Group commit for SQLite: durable writes (`synchronous=FULL`) without one fsync per request.
//!
//! SQLite has one writer at a time, so every write runs on one connection. Each logical
//! transaction runs inside a SAVEPOINT of a longer physical transaction; when it succeeds it
//! releases its savepoint, hands the connection on, and waits until a committer task has
//! COMMITted the physical transaction (one fsync for every write that queued up meanwhile).
//! No request is answered before its write is durable; a failed logical transaction rolls back
//! to its savepoint and leaves the others' work intact.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

use super::DbError;

/// The outcome of the latest group commit: its sequence number, and whether it succeeded.
type CommitOutcome = (u64, Result<(), String>);

struct WriterState {
    /// The open physical transaction, if any writes are waiting for a commit.
    physical: Option<Transaction<'static, Sqlite>>,
    /// Number of the last group commit (read under the lock).
    epoch: u64,
}

struct Inner {
    pool: SqlitePool,
    state: Arc<Mutex<WriterState>>,
    committed: watch::Sender<CommitOutcome>,
    commit_requested: Notify,
    closing: AtomicBool,
}

#[derive(Clone)]
pub struct GroupWriter {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter").finish_non_exhaustive()
    }
}

/// Exclusive use of the writer connection, inside the open physical transaction.
pub struct WriterGuard {
    state: OwnedMutexGuard<WriterState>,
    inner: Arc<Inner>,
}

impl GroupWriter {
    /// Takes over `pool` (a pool of exactly one connection) and starts the committer task.
    pub fn new(pool: SqlitePool) -> Self {
        let (committed, _) = watch::channel((0, Ok(())));
        let inner = Arc::new(Inner {
            pool,
            state: Arc::new(Mutex::new(WriterState {
                physical: None,
                epoch: 0,
            })),
            committed,
            commit_requested: Notify::new(),
            closing: AtomicBool::new(false),
        });
        tokio::spawn(committer(inner.clone()));
        Self { inner }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    /// Commits what is pending, stops the committer and closes the connection.
    pub async fn close(&self) {
        self.inner.closing.store(true, Ordering::Release);
        self.inner.commit_requested.notify_one();
        // Taking the lock waits for the committer's last round.
        let mut state = self.inner.state.lock().await;
        if let Some(physical) = state.physical.take()
            && let Err(err) = physical.commit().await
        {
            tracing::error!(error = %err, "final commit failed");
        }
        drop(state);
        self.inner.pool.close().await;
    }

    /// Waits for the writer (requests queue in FIFO order) and opens the physical transaction.
    pub async fn lock(&self) -> Result<WriterGuard, DbError> {
        let mut state = self.inner.state.clone().lock_owned().await;
        if state.physical.is_none() {
            // IMMEDIATE takes the write lock at once (waiting up to busy_timeout for another
            // process), so the transaction never has to upgrade and fail with SQLITE_BUSY.
            state.physical = Some(self.inner.pool.begin_with("BEGIN IMMEDIATE").await?);
        }
        Ok(WriterGuard {
            state,
            inner: self.inner.clone(),
        })
    }
}

impl WriterGuard {
    /// A savepoint inside the physical transaction: this request's logical transaction.
    pub async fn savepoint(&mut self) -> Result<Transaction<'_, Sqlite>, DbError> {
        let physical = self
            .state
            .physical
            .as_mut()
            .ok_or_else(|| DbError::Other(sqlx::Error::PoolClosed))?;
        Ok(sqlx::Connection::begin(&mut **physical).await?)
    }

    /// Hands the writer on and waits until a group commit has made this request's work durable.
    pub async fn durable(self) -> Result<(), DbError> {
        let target = self.state.epoch + 1;
        let mut outcomes = self.inner.committed.subscribe();
        drop(self.state);
        self.inner.commit_requested.notify_one();
        loop {
            {
                let (epoch, result) = &*outcomes.borrow_and_update();
                if *epoch >= target {
                    return result
                        .clone()
                        .map_err(|e| DbError::Other(sqlx::Error::Protocol(e)));
                }
            }
            outcomes
                .changed()
                .await
                .map_err(|_| DbError::Unavailable(sqlx::Error::PoolClosed))?;
        }
    }
}

/// Commits whatever is pending each time a writer asks. Because the lock is FIFO, the committer
/// gets it only after the writers already queued, so one COMMIT covers all of them.
async fn committer(inner: Arc<Inner>) {
    loop {
        inner.commit_requested.notified().await;
        let mut state = inner.state.lock().await;
        if let Some(physical) = state.physical.take() {
            let result = physical.commit().await.map_err(|e| {
                tracing::error!(error = %e, "group commit failed");
                e.to_string()
            });
            state.epoch += 1;
            let epoch = state.epoch;
            // The previous outcome is of no interest once replaced: every waiter saw it or waits for this one.
            let _previous = inner.committed.send_replace((epoch, result));
        }
        if inner.closing.load(Ordering::Acquire) {
            return;
        }
    }
}
