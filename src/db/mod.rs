//! What every feature shares about SQL: the two pools, migrations, the dialect seam and the
//! classification of database errors. Features write one SQL string per query (`$1` placeholders
//! work on both databases). A read on its own runs through [`read!`] on the reader pool; every
//! write runs inside [`Db::transaction`], whose body passes its [`Conn`] to the stores, which run
//! each statement with [`run!`]. Both macros compile the statement once per backend.

mod commit_point;
mod connect;
mod error;
mod faults;
mod group_commit;
mod readers;
mod snapshot;
mod wal;

pub use commit_point::{CommitPoint, commit_postgres};
pub use connect::{connect, heartbeat, migrate, readiness};
pub use error::DbError;
pub use faults::{FaultWatch, HeartbeatStart, WriteHealth};
pub use group_commit::{GroupWriter, Savepoint, WriterGuard};
pub use readers::{Reader, ReaderPool};
pub use snapshot::{Snapshot, SnapshotRow};
pub use wal::WalPolicy;

use sqlx::{PgConnection, PgPool, SqliteConnection};

/// SQLite allows one writer at a time, so all writes share exactly one connection, behind a
/// group committer (see `group_commit`); readers run beside it thanks to WAL.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pub writer: GroupWriter,
    pub readers: ReaderPool,
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

impl Db {
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// (idle, in use) connection counts, for the `db_pool_connections` gauge.
    pub fn pool_usage(&self) -> (usize, usize) {
        match self {
            Self::Sqlite(db) => {
                let (readers_idle, readers) = db.readers.usage();
                let idle = db.writer.pool().num_idle() + readers_idle;
                let size = db.writer.pool().size() as usize + readers;
                (idle, size.saturating_sub(idle))
            }
            Self::Postgres(pool) => {
                let idle = pool.num_idle();
                (idle, (pool.size() as usize).saturating_sub(idle))
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(db) => {
                db.readers.close().await;
                db.writer.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Runs `$body` with `$conn` bound to a reading executor of whichever backend `$db` is.
macro_rules! read {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(sqlite) => {
                let $conn = &sqlite.readers;
                $body
            }
            $crate::db::Db::Postgres(pool) => {
                let $conn = pool;
                $body
            }
        }
    };
}

/// One connection of either backend: inside a write transaction ([`Db::transaction`]), inside a
/// read snapshot ([`Db::snapshot`]) or a plain reader ([`Db::connection`]). Store functions take
/// it so that one caller's transaction can span several stores (the demo seeding, the export);
/// run a statement on it with [`run!`].
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// Appended to a `SELECT` of a row of `table` (its name or alias in the query) that the
    /// transaction is about to change, so that no other transaction changes it in between.
    /// PostgreSQL locks the row until the commit; SQLite needs nothing, since every write
    /// transaction holds the one writer from its first statement to its last.
    pub fn lock_clause(&self, table: &str) -> String {
        match self {
            Self::Sqlite(_) => String::new(),
            Self::Postgres(_) => format!(" FOR UPDATE OF {table}"),
        }
    }
}

/// Runs `$body` with `$conn` bound to the connection of `$tx` (a `&mut Conn`), compiling the body
/// once per backend: the same SQL and binds serve both.
macro_rules! run {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut *$tx {
            $crate::db::Conn::Sqlite(conn) => {
                let $conn = &mut **conn;
                $body
            }
            $crate::db::Conn::Postgres(conn) => {
                let $conn = &mut **conn;
                $body
            }
        }
    };
}

pub(crate) use {read, run};

impl Db {
    /// Runs `body` in one write transaction and commits it durably: on SQLite it is a savepoint
    /// of the group commit, answered once the COMMIT that covers it has returned. When `body`
    /// fails (or its future is dropped) the transaction is rolled back and nothing is written.
    pub async fn transaction<T, E>(
        &self,
        body: impl AsyncFnOnce(&mut Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        match self {
            Self::Sqlite(sqlite) => {
                let mut guard = sqlite.writer.lock().await?;
                let mut savepoint = guard.savepoint().await?;
                let out = body(&mut Conn::Sqlite(&mut savepoint)).await?;
                savepoint.commit().await?;
                guard.durable().await?;
                Ok(out)
            }
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(DbError::from)?;
                let out = body(&mut Conn::Postgres(&mut tx)).await?;
                commit_postgres(tx).await?;
                Ok(out)
            }
        }
    }

    /// Runs `body` on one reader connection, outside any transaction: for reads that compose
    /// store functions but need no snapshot.
    pub async fn connection<T, E>(
        &self,
        body: impl AsyncFnOnce(&mut Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        match self {
            Self::Sqlite(sqlite) => {
                let mut reader = sqlite.readers.acquire().await.map_err(DbError::from)?;
                body(&mut Conn::Sqlite(&mut reader)).await
            }
            Self::Postgres(pool) => {
                let mut conn = pool.acquire().await.map_err(DbError::from)?;
                body(&mut Conn::Postgres(&mut conn)).await
            }
        }
    }

    /// Runs `body` in a read-only transaction that sees one snapshot of the database, however
    /// long it takes and whatever is written meanwhile.
    pub async fn snapshot<T, E>(
        &self,
        body: impl AsyncFnOnce(&mut Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        match self {
            Self::Sqlite(sqlite) => {
                // In WAL mode a (deferred) read transaction keeps the snapshot of its first read.
                let mut reader = sqlite.readers.acquire().await.map_err(DbError::from)?;
                let mut tx = sqlx::Connection::begin(&mut *reader)
                    .await
                    .map_err(DbError::from)?;
                let out = body(&mut Conn::Sqlite(&mut tx)).await?;
                tx.rollback().await.map_err(DbError::from)?;
                Ok(out)
            }
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(DbError::from)?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await
                    .map_err(DbError::from)?;
                let out = body(&mut Conn::Postgres(&mut tx)).await?;
                tx.rollback().await.map_err(DbError::from)?;
                Ok(out)
            }
        }
    }
}

/// Whether `table` has a row `id` that belongs to `user_id`. Tables are named by the caller from
/// a fixed list, never from input.
pub async fn owns(
    db: &Db,
    table: &'static str,
    user_id: crate::types::Id,
    id: crate::types::Id,
) -> Result<bool, DbError> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1 AND user_id = $2");
    let count: i64 = read!(db, |conn| sqlx::query_scalar(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_one(conn)
        .await)?;
    Ok(count > 0)
}

/// SQL for the milliseconds since 1970 of a timestamp column (`column` is fixed text from the
/// caller, never input): SQLite stores exactly that number, PostgreSQL a `timestamptz`.
pub fn epoch_millis(db: &Db, column: &str) -> String {
    match db {
        Db::Sqlite(_) => column.to_owned(),
        Db::Postgres(_) => format!("(EXTRACT(EPOCH FROM {column}) * 1000)::bigint"),
    }
}
