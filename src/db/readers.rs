//! The SQLite reader connections, handed out without sqlx's `Pool`.
//!
//! sqlx's pool returns each connection through a spawned task that pings it first: on SQLite
//! that is one more round trip to the connection's worker thread for every query, and the
//! benchmark showed those thread hand-offs (futex wake-ups and context switches) as the largest
//! cost of an authenticated read. A read-only connection to a local file has nothing to check or
//! flush on return (a dropped transaction queues its rollback on the same worker, ahead of the
//! next command), so here a connection goes straight back to the idle list.
//!
//! A request cancelled in the middle of a query (a timeout, a client that went away) drops its
//! reader while the query still runs on the connection's worker thread, which would keep
//! computing a result nobody reads and make the next borrower wait for it. Such a reader is
//! returned by a task instead: it interrupts the query (through SQLite's progress handler), waits
//! until the worker has stopped, and only then lends the connection again.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::{StreamExt, TryStreamExt, future::BoxFuture, stream::BoxStream};
use sqlx::{
    Connection, Describe, Either, Error, Execute, Executor, Sqlite, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A reader connection and the flag its progress handler reads: set, it interrupts the
/// statement running on the connection.
struct Slot {
    conn: SqliteConnection,
    interrupt: Arc<AtomicBool>,
}

/// How many SQLite virtual-machine steps run between two looks at the interrupt flag.
const INTERRUPT_CHECK_STEPS: i32 = 1000;

struct Shared {
    idle: Mutex<Vec<Slot>>,
    /// One permit per connection: holding a permit guarantees an idle connection to take.
    permits: Arc<Semaphore>,
    size: usize,
    acquire_timeout: Duration,
}

impl Shared {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        // The list is only pushed to and popped from: a panic elsewhere cannot leave it torn.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts a connection back; after `close`, it is dropped instead, which ends its worker.
    fn give_back(&self, slot: Slot) {
        if !self.permits.is_closed() {
            self.idle().push(slot);
        }
    }
}

/// A fixed set of read-only connections, all opened up front.
#[derive(Clone)]
pub struct ReaderPool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ReaderPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderPool")
            .field("size", &self.shared.size)
            .finish_non_exhaustive()
    }
}

/// One borrowed reader connection; dropping it returns the connection.
pub struct Reader {
    slot: Option<Slot>,
    shared: Arc<Shared>,
    permit: Option<OwnedSemaphorePermit>,
    /// Set while a query of the pool's executor runs on it: dropped then, the query was cancelled.
    in_query: bool,
}

impl ReaderPool {
    pub async fn open(
        options: &SqliteConnectOptions,
        size: usize,
        acquire_timeout: Duration,
    ) -> Result<Self, Error> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            let mut conn = SqliteConnection::connect_with(options).await?;
            let interrupt = Arc::new(AtomicBool::new(false));
            let flag = interrupt.clone();
            conn.lock_handle()
                .await?
                .set_progress_handler(INTERRUPT_CHECK_STEPS, move || !flag.load(Ordering::Acquire));
            idle.push(Slot { conn, interrupt });
        }
        Ok(Self {
            shared: Arc::new(Shared {
                idle: Mutex::new(idle),
                permits: Arc::new(Semaphore::new(size)),
                size,
                acquire_timeout,
            }),
        })
    }

    /// Waits (up to the acquire timeout) for a free connection.
    pub async fn acquire(&self) -> Result<Reader, Error> {
        let permit = tokio::time::timeout(
            self.shared.acquire_timeout,
            self.shared.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| Error::PoolTimedOut)?
        .map_err(|_| Error::PoolClosed)?;
        let slot = self.idle().pop().ok_or(Error::PoolClosed)?;
        Ok(Reader {
            slot: Some(slot),
            shared: self.shared.clone(),
            permit: Some(permit),
            in_query: false,
        })
    }

    /// Borrows a reader for one query of the executor below: dropped before the query is done,
    /// it is returned only once the query has been interrupted.
    async fn acquire_for_query(&self) -> Result<Reader, Error> {
        let mut reader = self.acquire().await?;
        reader.in_query = true;
        Ok(reader)
    }

    /// (idle, total) connections.
    pub fn usage(&self) -> (usize, usize) {
        (self.idle().len(), self.shared.size)
    }

    /// Refuses new acquisitions and closes the idle connections; connections in use are closed
    /// when they are returned.
    pub async fn close(&self) {
        self.shared.permits.close();
        let idle = std::mem::take(&mut *self.idle());
        for slot in idle {
            if let Err(err) = slot.conn.close().await {
                tracing::warn!(error = %err, "closing a reader connection failed");
            }
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        self.shared.idle()
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if !self.in_query {
            self.shared.give_back(slot);
            return;
        }
        let (shared, permit) = (self.shared.clone(), self.permit.take());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to wait on (the process is ending): the connection is dropped instead.
            permit.into_iter().for_each(OwnedSemaphorePermit::forget);
            return;
        };
        slot.interrupt.store(true, Ordering::Release);
        runtime.spawn(async move {
            let mut slot = slot;
            // The worker runs commands in order: the ping is answered once the query has stopped.
            let stopped = slot.conn.ping().await;
            slot.interrupt.store(false, Ordering::Release);
            match stopped {
                Ok(()) => shared.give_back(slot),
                Err(err) => {
                    // Without its connection the permit must not be handed out again.
                    tracing::error!(error = %err, "a reader connection failed after a cancelled query");
                    permit.into_iter().for_each(OwnedSemaphorePermit::forget);
                    return;
                }
            }
            drop(permit);
        });
    }
}

impl Deref for Reader {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        // `slot` is only taken in `drop`.
        self.slot
            .as_ref()
            .map(|slot| &slot.conn)
            .unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.slot
            .as_mut()
            .map(|slot| &mut slot.conn)
            .unwrap_or_else(|| unreachable!())
    }
}

/// Lets `&ReaderPool` stand wherever sqlx takes `&SqlitePool`, so the queries stay the same on
/// both backends.
impl<'p> Executor<'p> for &'_ ReaderPool {
    type Database = Sqlite;

    /// Rows are collected before they are yielded: the stream cannot borrow the connection it
    /// owns. Every query here reads a bounded page, and `fetch_all` collects them anyway.
    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        Box::pin(
            futures_util::stream::once(async move {
                let mut reader = pool.acquire_for_query().await?;
                let items: Result<Vec<_>, Error> = reader.fetch_many(query).try_collect().await;
                reader.in_query = false;
                let items = items?;
                Ok::<_, Error>(futures_util::stream::iter(items.into_iter().map(Ok)))
            })
            .try_flatten()
            .boxed(),
        )
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<SqliteRow>, Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut reader = pool.acquire_for_query().await?;
            let row = reader.fetch_optional(query).await;
            reader.in_query = false;
            row
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<SqliteStatement<'q>, Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.prepare_with(sql, parameters).await })
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Sqlite>, Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.describe(sql).await })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    async fn pool(size: usize) -> ReaderPool {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").expect("options");
        ReaderPool::open(&options, size, Duration::from_millis(50))
            .await
            .expect("open")
    }

    #[tokio::test]
    async fn a_full_pool_times_out_and_a_returned_connection_is_reused() {
        let readers = pool(2).await;
        let first = readers.acquire().await.expect("first");
        let _second = readers.acquire().await.expect("second");
        assert_eq!(readers.usage(), (0, 2));
        assert!(matches!(readers.acquire().await, Err(Error::PoolTimedOut)));
        drop(first);
        assert_eq!(readers.usage(), (1, 2));
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&readers)
            .await
            .expect("query through the pool");
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn an_abandoned_transaction_is_rolled_back_before_the_next_use() {
        let readers = pool(1).await;
        {
            let mut reader = readers.acquire().await.expect("reader");
            let tx = sqlx::Connection::begin(&mut *reader).await.expect("begin");
            drop(tx);
        }
        let mut reader = readers.acquire().await.expect("the same connection");
        // BEGIN inside an open transaction would fail.
        let tx = sqlx::Connection::begin(&mut *reader).await;
        assert!(tx.is_ok(), "{:?}", tx.err());
    }

    /// Counts to a billion: a minute or more of work that yields no row until it is done.
    const LONG_READ: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                             WHERE i < 1000000000) SELECT max(i) FROM n";

    #[tokio::test]
    async fn a_read_cancelled_mid_query_is_stopped_and_its_reader_serves_the_next_query() {
        let readers = pool(1).await;
        let started = std::time::Instant::now();
        let long = sqlx::query_scalar::<_, i64>(LONG_READ).fetch_one(&readers);
        let cancelled = tokio::time::timeout(Duration::from_millis(100), long).await;
        assert!(cancelled.is_err(), "the long read was still running");

        // The one reader: the next query waits until the cancelled one has stopped, gets its own
        // answer, and is not interrupted itself. Well under a second, not the long read's minute.
        let mut next = None;
        while next.is_none() && started.elapsed() < Duration::from_secs(10) {
            match sqlx::query_scalar::<_, i64>("SELECT 42")
                .fetch_one(&readers)
                .await
            {
                Ok(answer) => next = Some(answer),
                Err(Error::PoolTimedOut) => {}
                Err(other) => panic!("the next query failed: {other}"),
            }
        }
        assert_eq!(next, Some(42));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the cancelled query held its reader for {:?}",
            started.elapsed()
        );
        let twice: i64 = sqlx::query_scalar("SELECT 2 * 21")
            .fetch_one(&readers)
            .await
            .expect("the reader keeps serving");
        assert_eq!(twice, 42);
        assert_eq!(readers.usage(), (1, 1));
    }

    #[tokio::test]
    async fn a_closed_pool_refuses_readers() {
        let readers = pool(1).await;
        let held = readers.acquire().await.expect("reader");
        readers.close().await;
        assert!(matches!(readers.acquire().await, Err(Error::PoolClosed)));
        drop(held);
        assert_eq!(readers.usage(), (0, 1));
    }
}
