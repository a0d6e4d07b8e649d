//! What every feature shares about SQL: the two pools, migrations, the dialect seam and the
//! classification of database errors. Features write one SQL string per query (`$1` placeholders
//! work on both databases) and run it through [`read!`], [`on_writer!`], [`execute!`] or [`transaction!`], which
//! compile the same code once per backend.

mod commit_point;
mod connect;
mod error;
mod faults;
mod group_commit;
mod readers;

pub use commit_point::{CommitPoint, commit_postgres};
pub use connect::{connect, heartbeat, migrate, readiness};
pub use error::DbError;
pub use faults::{FaultWatch, HeartbeatStart, WriteHealth};
pub use group_commit::{GroupWriter, Savepoint, WriterGuard};
pub use readers::{Reader, ReaderPool};

use sqlx::PgPool;

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

/// Runs `$body` with `$conn` bound to a writing executor (its own transaction: on SQLite a
/// savepoint of the group commit, answered once durable).
/// Evaluates to `Result<T, DbError>`.
macro_rules! on_writer {
    ($db:expr, |$conn:ident| $body:expr) => {
        (async {
            Ok::<_, $crate::db::DbError>($crate::db::transaction!($db, |tx| {
                let $conn = &mut *tx;
                $body?
            }))
        })
        .await
    };
}

/// Executes a statement (`$query` is an `sqlx::query(...)` with its binds) as its own durable
/// transaction; evaluates to `Result<u64, DbError>`, the number of rows affected.
macro_rules! execute {
    ($db:expr, $query:expr) => {
        (async {
            Ok::<u64, $crate::db::DbError>($crate::db::transaction!($db, |tx| {
                $query.execute(&mut *tx).await?.rows_affected()
            }))
        })
        .await
    };
}

/// Runs `$body` inside a write transaction bound to `$tx` (use `&mut *$tx` as the executor) and
/// commits it durably. An early return or `?` inside `$body` drops the transaction, which rolls
/// it back. The enclosing function must return a `Result` whose error converts from [`DbError`].
macro_rules! transaction {
    ($db:expr, |$tx:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(sqlite) => {
                let mut guard = sqlite.writer.lock().await?;
                let mut $tx = guard.savepoint().await?;
                let out = $body;
                $tx.commit().await.map_err($crate::db::DbError::from)?;
                guard.durable().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await.map_err($crate::db::DbError::from)?;
                let out = $body;
                $crate::db::commit_postgres($tx).await?;
                out
            }
        }
    };
}

pub(crate) use {execute, on_writer, read, transaction};

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
