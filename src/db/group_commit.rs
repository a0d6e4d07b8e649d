//! Group commit for SQLite: durable writes (`synchronous=FULL`) without one fsync per request.
//!
//! SQLite has one writer at a time, so every write runs on one connection. Each logical
//! transaction runs inside a SAVEPOINT of a longer physical transaction; when it succeeds it
//! releases its savepoint, hands the connection on, and waits until a committer task has
//! COMMITted the physical transaction (one fsync for every write that queued up meanwhile).
//! No request is answered before its write is durable; a failed logical transaction rolls back
//! to its savepoint and leaves the others' work intact.
//!
//! Failures. The transaction statements are issued here as plain SQL, so this module alone knows
//! the connection's state. Whatever a request leaves unfinished (a savepoint it dropped, a
//! statement its cancelled future left in flight) is settled by the next holder of the writer
//! before anything else: rolled back to the savepoint, or, when SQLite has rolled the whole
//! transaction back on its own (it may after SQLITE_FULL or an I/O error), the group is failed.
//! A failed group is rolled back before its members hear of it, every member gets an error and
//! none a success, and the next group starts afresh. A connection whose state cannot be
//! established is closed, and the pool opens a new one.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use sqlx::{Executor as _, Sqlite, SqliteConnection, SqlitePool, pool::PoolConnection};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

use super::{
    DbError, commit_point, faults,
    wal::{WalKeeper, WalPolicy},
};

/// What a member of a group hears when the group is done.
type Outcome = Result<(), Arc<DbError>>;

/// Work a dropped future may have left unfinished on the connection.
#[derive(Clone, Copy, Debug)]
enum Unsettled {
    /// `BEGIN IMMEDIATE` was sent; whether it ran is unknown.
    Begin,
    /// A request's savepoint may exist and must not be released into the group.
    Savepoint,
}

struct WriterState {
    /// The writer connection, checked out of its pool while a physical transaction is open
    /// (between groups it goes back, so that migrations and tests can use it).
    conn: Option<PoolConnection<Sqlite>>,
    /// Whether `conn` is inside the physical transaction.
    open: bool,
    /// Whoever released a savepoint into the open transaction, waiting for its COMMIT.
    members: Vec<oneshot::Sender<Outcome>>,
    unsettled: Option<Unsettled>,
    wal: WalKeeper,
}

struct Inner {
    pool: SqlitePool,
    state: Arc<Mutex<WriterState>>,
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

/// Exclusive use of the writer connection, inside the open physical transaction. Dropping it
/// hands the writer on and asks for a commit.
pub struct WriterGuard {
    state: OwnedMutexGuard<WriterState>,
    inner: Arc<Inner>,
    /// Where this request hears its group's outcome, once its savepoint is released.
    joined: Option<oneshot::Receiver<Outcome>>,
}

/// One request's logical transaction: a savepoint of the physical one. Dropping it without
/// [`Savepoint::commit`] rolls it back (when the writer is next used).
pub struct Savepoint<'g> {
    guard: &'g mut WriterGuard,
}

impl GroupWriter {
    /// Takes over `pool` (a pool of exactly one connection) and starts the committer task.
    pub fn new(pool: SqlitePool) -> Self {
        Self::with_wal_policy(pool, WalPolicy::default())
    }

    pub fn with_wal_policy(pool: SqlitePool, wal: WalPolicy) -> Self {
        let state = WriterState {
            conn: None,
            open: false,
            members: Vec::new(),
            unsettled: None,
            wal: WalKeeper::new(wal),
        };
        let inner = Arc::new(Inner {
            pool,
            state: Arc::new(Mutex::new(state)),
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
        settle(&mut state).await;
        finish_group(&mut state).await;
        drop(state);
        self.inner.pool.close().await;
    }

    /// Waits for the writer (requests queue in FIFO order) and opens the physical transaction.
    pub async fn lock(&self) -> Result<WriterGuard, DbError> {
        let mut state = self.inner.state.clone().lock_owned().await;
        settle(&mut state).await;
        if !state.open {
            if state.conn.is_none() {
                state.conn = Some(self.inner.pool.acquire().await?);
            }
            // IMMEDIATE takes the write lock at once (waiting up to busy_timeout for another
            // process), so the transaction never has to upgrade and fail with SQLITE_BUSY.
            state.unsettled = Some(Unsettled::Begin);
            let nudge = NudgeIfDropped(&self.inner.commit_requested);
            let began = run(connection(&mut state), "BEGIN IMMEDIATE").await;
            std::mem::forget(nudge);
            state.unsettled = None;
            if let Err(err) = began {
                // Not in a transaction: the connection goes back to the pool.
                state.conn = None;
                return Err(err);
            }
            state.open = true;
        }
        Ok(WriterGuard {
            state,
            inner: self.inner.clone(),
            joined: None,
        })
    }
}

impl WriterGuard {
    /// A savepoint inside the physical transaction: this request's logical transaction.
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>, DbError> {
        // A savepoint this guard dropped earlier is rolled back first, not nested into.
        settle(&mut self.state).await;
        if !self.state.open {
            return Err(DbError::WriterLost);
        }
        self.state.unsettled = Some(Unsettled::Savepoint);
        run(connection(&mut self.state), "SAVEPOINT request").await?;
        Ok(Savepoint { guard: self })
    }

    /// Hands the writer on and waits until a group commit has made this request's work durable
    /// (at once when nothing was released into the group). An error means none of it is stored.
    pub async fn durable(mut self) -> Result<(), DbError> {
        let joined = self.joined.take();
        drop(self);
        let Some(outcome) = joined else {
            return Ok(());
        };
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => {
                if cause.is_storage_fault() {
                    faults::notice();
                }
                Err(DbError::GroupFailed(cause))
            }
            // The writer closed (shutdown) without a word about this group: it is not committed.
            Err(_) => Err(DbError::Unavailable(sqlx::Error::PoolClosed)),
        }
    }
}

/// Wakes the committer if the future waiting for `BEGIN` is dropped, so that it settles the
/// connection and returns it to its pool rather than leaving it checked out until the next write.
struct NudgeIfDropped<'a>(&'a Notify);

impl Drop for NudgeIfDropped<'_> {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.inner.commit_requested.notify_one();
    }
}

impl Savepoint<'_> {
    /// Releases the savepoint into the group: from here on the write lands or fails with the
    /// group, so it passes the request's commit point first.
    pub async fn commit(self) -> Result<(), DbError> {
        commit_point::pass();
        let state = &mut self.guard.state;
        // On failure the savepoint stays unsettled and is rolled back before the next use.
        run(connection(state), "RELEASE request").await?;
        state.unsettled = None;
        let (member, outcome) = oneshot::channel();
        state.members.push(member);
        self.guard.joined = Some(outcome);
        Ok(())
    }
}

impl std::ops::Deref for Savepoint<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        // A savepoint exists only inside an open transaction, which holds the connection.
        self.guard
            .state
            .conn
            .as_deref()
            .unwrap_or_else(|| unreachable!())
    }
}

impl std::ops::DerefMut for Savepoint<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        connection(&mut self.guard.state)
    }
}

/// The connection of the open transaction (present whenever a guard or savepoint exists).
fn connection(state: &mut WriterState) -> &mut SqliteConnection {
    state.conn.as_deref_mut().unwrap_or_else(|| unreachable!())
}

async fn run(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), DbError> {
    conn.execute(sql).await?;
    Ok(())
}

/// Commits whatever is pending each time a writer is done. Because the lock is FIFO, the
/// committer gets it only after the writers already queued, so one COMMIT covers all of them.
async fn committer(inner: Arc<Inner>) {
    loop {
        inner.commit_requested.notified().await;
        let mut state = inner.state.lock().await;
        settle(&mut state).await;
        finish_group(&mut state).await;
        drop(state);
        if inner.closing.load(Ordering::Acquire) {
            return;
        }
    }
}

/// Brings the connection back to a known state after a request left work unfinished.
async fn settle(state: &mut WriterState) {
    let Some(unsettled) = state.unsettled.take() else {
        return;
    };
    if state.conn.is_none() {
        return;
    }
    match unsettled {
        // Only ever sent outside a transaction, so there are no members to lose.
        Unsettled::Begin => reset(state).await,
        Unsettled::Savepoint => {
            let conn = connection(state);
            match run(conn, "ROLLBACK TO request").await {
                Ok(()) => {
                    if let Err(err) = run(conn, "RELEASE request").await {
                        fail_group(state, err).await;
                    }
                }
                // Either the savepoint was never made (its future was dropped first), or SQLite
                // rolled the whole transaction back. BEGIN tells which: it fails inside one.
                Err(_) => {
                    if run(conn, "BEGIN").await.is_ok() {
                        tracing::error!("SQLite rolled the group's transaction back on its own");
                        fail_group(state, DbError::WriterLost).await;
                    }
                }
            }
        }
    }
}

/// COMMITs the open transaction for its members (or rolls it back when it has none) and returns
/// the connection to the pool.
async fn finish_group(state: &mut WriterState) {
    if !state.open || state.members.is_empty() {
        reset(state).await;
        return;
    }
    match run(connection(state), "COMMIT").await {
        Ok(()) => {
            state.open = false;
            for member in std::mem::take(&mut state.members) {
                let _gone = member.send(Ok(()));
            }
            // After the members heard: only the next group waits for the (rare, short) checkpoint.
            if let Some(conn) = state.conn.as_deref_mut() {
                state.wal.after_commit(conn).await;
            }
            state.conn = None;
        }
        Err(err) => {
            if !err.is_storage_fault() {
                tracing::error!(error = %err, debug = ?err, "group commit failed");
            }
            fail_group(state, err).await;
        }
    }
}

/// Rolls the whole transaction back, then tells every member that its write is not stored.
async fn fail_group(state: &mut WriterState, cause: DbError) {
    reset(state).await;
    let cause = Arc::new(cause);
    for member in std::mem::take(&mut state.members) {
        let _gone = member.send(Err(cause.clone()));
    }
}

/// Leaves no transaction open and returns the connection to the pool; a connection that cannot
/// be shown to be outside a transaction is closed instead, so that the pool opens a new one.
async fn reset(state: &mut WriterState) {
    state.open = false;
    state.unsettled = None;
    let Some(mut conn) = state.conn.take() else {
        return;
    };
    let clean = match run(&mut conn, "ROLLBACK").await {
        Ok(()) => true,
        // ROLLBACK fails outside a transaction too; a BEGIN that works proves that case.
        Err(_) => run(&mut conn, "BEGIN").await.is_ok() && run(&mut conn, "ROLLBACK").await.is_ok(),
    };
    if !clean {
        tracing::error!("the SQLite writer connection is in an unknown state: replacing it");
        conn.close_on_drop();
    }
}
