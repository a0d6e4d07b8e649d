//! The SQLite reader connections, handed out without sqlx's `Pool`.
//!
//! sqlx's pool returns each connection through a spawned task that pings it first: on SQLite
//! that is one more round trip to the connection's worker thread for every query, and the
//! benchmark showed those thread hand-offs (futex wake-ups and context switches) as the largest
//! cost of an authenticated read. A read-only connection to a local file has nothing to check or
//! flush on return (a dropped transaction queues its rollback on the same worker, ahead of the
//! next command), so here a connection goes straight back to the idle list.

use std::{
    ops::{Deref, DerefMut},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures_util::{StreamExt, TryStreamExt, future::BoxFuture, stream::BoxStream};
use sqlx::{
    Connection, Describe, Either, Error, Execute, Executor, Sqlite, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

struct Shared {
    idle: Mutex<Vec<SqliteConnection>>,
    /// One permit per connection: holding a permit guarantees an idle connection to take.
    permits: Arc<Semaphore>,
    size: usize,
    acquire_timeout: Duration,
}

impl Shared {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        // The list is only pushed to and popped from: a panic elsewhere cannot leave it torn.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
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
    conn: Option<SqliteConnection>,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl ReaderPool {
    pub async fn open(
        options: &SqliteConnectOptions,
        size: usize,
        acquire_timeout: Duration,
    ) -> Result<Self, Error> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(SqliteConnection::connect_with(options).await?);
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
        let conn = self.idle().pop().ok_or(Error::PoolClosed)?;
        Ok(Reader {
            conn: Some(conn),
            shared: self.shared.clone(),
            _permit: permit,
        })
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
        for conn in idle {
            if let Err(err) = conn.close().await {
                tracing::warn!(error = %err, "closing a reader connection failed");
            }
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        self.shared.idle()
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // After `close`, a returned connection is dropped, which ends its worker thread.
        if !self.shared.permits.is_closed() {
            self.shared.idle().push(conn);
        }
    }
}

impl Deref for Reader {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        // `conn` is only taken in `drop`.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
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
                let mut reader = pool.acquire().await?;
                let items: Vec<_> = reader.fetch_many(query).try_collect().await?;
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
        Box::pin(async move { pool.acquire().await?.fetch_optional(query).await })
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
