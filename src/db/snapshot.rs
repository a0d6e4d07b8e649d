//! A read-only transaction on a connection of its own, so that a streamed response can read one
//! consistent snapshot of an account from a task of its own while the account keeps writing.
//!
//! A snapshot lives as long as its client downloads, which may be minutes. So it does not take a
//! connection from the pools that requests share (on SQLite there are as few readers as cores, and
//! two slow downloads would stall every read): it opens one of its own, and closing it (on drop)
//! ends the transaction. At most [`MAX_SNAPSHOTS`] are open at once per process.

use std::time::Duration;

use sqlx::{ConnectOptions, PgConnection, SqliteConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{Conn, Db, DbError};

/// Snapshots open at once per process: a bound on the extra connections (and on PostgreSQL, on
/// the server's connection slots: mind `max_connections` with N replicas) that exports hold.
pub const MAX_SNAPSHOTS: usize = 16;
static SNAPSHOTS: Semaphore = Semaphore::const_new(MAX_SNAPSHOTS);

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

    /// The snapshot's connection, for the stores' functions to read through: everything read
    /// through it, in any number of statements, sees the database as it was at the first read.
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.connection {
            Connection::Sqlite(conn) => Conn::Sqlite(conn),
            Connection::Postgres(conn) => Conn::Postgres(conn),
        }
    }
}

async fn wait_for_slot(limit: Duration) -> Result<SemaphorePermit<'static>, DbError> {
    match tokio::time::timeout(limit, SNAPSHOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => Err(DbError::Unavailable(sqlx::Error::PoolTimedOut)),
    }
}
