//! A read-only transaction on a connection of its own, so that a streamed response can read one
//! consistent snapshot of an account from a task of its own while the account keeps writing.
//!
//! A snapshot lives as long as its client downloads, which may be minutes. So it does not take a
//! connection from the pools that requests share (on SQLite there are as few readers as cores, and
//! two slow downloads would stall every read): it opens one of its own, and closing it (on drop)
//! ends the transaction. At most [`MAX_SNAPSHOTS`] are open at once per process.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use sqlx::{
    ConnectOptions, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection, postgres::PgRow,
    sqlite::SqliteRow,
};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{Db, DbError};
use crate::types::Id;

/// Snapshots open at once per process: a bound on the extra connections (and on PostgreSQL, on
/// the server's connection slots: mind `max_connections` with N replicas) that exports hold.
pub const MAX_SNAPSHOTS: usize = 16;
static SNAPSHOTS: Semaphore = Semaphore::const_new(MAX_SNAPSHOTS);

/// What every query of a snapshot reads into: a row type both backends can decode.
pub trait SnapshotRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> SnapshotRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

enum Connection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Holds one database snapshot until dropped.
pub struct Snapshot {
    connection: Connection,
    _permit: SemaphorePermit<'static>,
}

impl Snapshot {
    /// Waits for a free slot as long as a request waits for a pooled connection (then
    /// `Unavailable`), connects and begins the read-only transaction.
    pub async fn open(db: &Db) -> Result<Self, DbError> {
        let acquire_timeout = match db {
            Db::Sqlite(sqlite) => sqlite.writer.pool().options().get_acquire_timeout(),
            Db::Postgres(pool) => pool.options().get_acquire_timeout(),
        };
        let permit = wait_for_slot(acquire_timeout).await?;
        let connection = match db {
            Db::Sqlite(sqlite) => {
                let options = (*sqlite.writer.pool().connect_options()).clone();
                let mut conn = options.read_only(true).connect().await?;
                // Deferred: in WAL mode it keeps the snapshot of its first read.
                sqlx::query("BEGIN").execute(&mut conn).await?;
                Connection::Sqlite(conn)
            }
            Db::Postgres(pool) => {
                let mut conn = pool.connect_options().connect().await?;
                sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut conn)
                    .await?;
                Connection::Postgres(conn)
            }
        };
        Ok(Self {
            connection,
            _permit: permit,
        })
    }

    /// The rows of `sql` (whose only parameter, `$1`, is the account), one at a time as the caller
    /// takes them: a large table is never held in memory.
    pub fn rows<T: SnapshotRow>(
        &mut self,
        sql: &'static str,
        user_id: Id,
    ) -> BoxStream<'_, Result<T, DbError>> {
        match &mut self.connection {
            Connection::Sqlite(conn) => sqlx::query_as::<Sqlite, T>(sql)
                .bind(user_id)
                .fetch(conn)
                .map_err(DbError::from)
                .boxed(),
            Connection::Postgres(conn) => sqlx::query_as::<Postgres, T>(sql)
                .bind(user_id)
                .fetch(conn)
                .map_err(DbError::from)
                .boxed(),
        }
    }

    /// Every row of `sql`, for tables whose size the quotas bound.
    pub async fn all<T: SnapshotRow>(
        &mut self,
        sql: &'static str,
        user_id: Id,
    ) -> Result<Vec<T>, DbError> {
        self.rows(sql, user_id).try_collect().await
    }

    pub async fn optional<T: SnapshotRow>(
        &mut self,
        sql: &'static str,
        user_id: Id,
    ) -> Result<Option<T>, DbError> {
        self.rows(sql, user_id).try_next().await
    }
}

async fn wait_for_slot(limit: Duration) -> Result<SemaphorePermit<'static>, DbError> {
    match tokio::time::timeout(limit, SNAPSHOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => Err(DbError::Unavailable(sqlx::Error::PoolTimedOut)),
    }
}
