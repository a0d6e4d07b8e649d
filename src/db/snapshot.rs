//! A read-only transaction that owns its connection, so that a streamed response can read one
//! consistent snapshot of an account from a task of its own while the account keeps writing.

use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use sqlx::{
    Database, FromRow, Postgres, Sqlite, TransactionManager, postgres::PgRow, sqlite::SqliteRow,
};

use super::{Db, DbError, Reader};
use crate::types::Id;

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
    /// A reader inside a deferred transaction: in WAL mode it keeps the snapshot of its first read.
    Sqlite(Reader),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Holds one database snapshot until dropped (which rolls the read transaction back and returns
/// the connection).
pub struct Snapshot {
    connection: Connection,
}

impl Snapshot {
    pub async fn open(db: &Db) -> Result<Self, DbError> {
        let connection = match db {
            Db::Sqlite(sqlite) => {
                let mut reader = sqlite.readers.acquire().await?;
                <Sqlite as Database>::TransactionManager::begin(&mut reader, None).await?;
                Connection::Sqlite(reader)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                Connection::Postgres(tx)
            }
        };
        Ok(Self { connection })
    }

    /// The rows of `sql` (whose only parameter, `$1`, is the account), one at a time as the caller
    /// takes them: a large table is never held in memory.
    pub fn rows<T: SnapshotRow>(
        &mut self,
        sql: &'static str,
        user_id: Id,
    ) -> BoxStream<'_, Result<T, DbError>> {
        match &mut self.connection {
            Connection::Sqlite(reader) => sqlx::query_as::<Sqlite, T>(sql)
                .bind(user_id)
                .fetch(&mut **reader)
                .map_err(DbError::from)
                .boxed(),
            Connection::Postgres(tx) => sqlx::query_as::<Postgres, T>(sql)
                .bind(user_id)
                .fetch(&mut **tx)
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

impl Drop for Snapshot {
    fn drop(&mut self) {
        // The PostgreSQL transaction rolls back when dropped; the SQLite reader is not a sqlx
        // transaction, so queue its rollback before it returns to the idle list.
        if let Connection::Sqlite(reader) = &mut self.connection {
            <Sqlite as Database>::TransactionManager::start_rollback(reader);
        }
    }
}
