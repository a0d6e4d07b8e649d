use std::sync::Arc;

use sqlx::error::ErrorKind;
use thiserror::Error;

use super::faults;
use crate::limits::LimitReached;

/// A database failure, classified so that the HTTP edge can map it in one place.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("unique constraint violated on table {table}")]
    Unique { table: String },
    #[error("foreign key constraint violated")]
    ForeignKey(#[source] sqlx::Error),
    /// No connection in time (the pool, or the queue for the single SQLite writer): nothing was
    /// tried, and the database itself may be fine.
    #[error("no database connection in time")]
    Unavailable(#[source] sqlx::Error),
    /// The storage refused or lost the statement: out of space or memory, read-only, an I/O
    /// error, locked by another process past the busy timeout, or the server went away.
    #[error("storage fault")]
    StorageFault(#[source] sqlx::Error),
    /// SQLite rolled the writer's whole transaction back on its own, which it does only after a
    /// storage-level failure of some statement in it.
    #[error("the writer's transaction was rolled back by SQLite")]
    WriterLost,
    /// The SQLite file has reached its page limit (`PRAGMA max_page_count`): writes that need a
    /// new page fail with SQLITE_FULL.
    #[error("the database file has reached its size limit")]
    AtSizeLimit,
    /// The group commit this write had joined did not commit: none of its writes are stored.
    #[error("the group commit failed")]
    GroupFailed(#[source] Arc<DbError>),
    /// Not a failure of the database: the write would pass a quota or the daily limit, checked
    /// in its transaction. Nothing was written.
    #[error(transparent)]
    Limit(#[from] LimitReached),
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

impl DbError {
    /// Whether the storage failed (as opposed to the statement or a wait): such a failure makes
    /// readiness check writes with a heartbeat until one succeeds.
    pub fn is_storage_fault(&self) -> bool {
        match self {
            Self::StorageFault(_) | Self::WriterLost | Self::AtSizeLimit => true,
            Self::GroupFailed(cause) => cause.is_storage_fault(),
            _ => false,
        }
    }

    /// Whether the request could succeed later unchanged: answered 503 `unavailable`.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::GroupFailed(_)) || self.is_storage_fault()
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        let classified = classify(err);
        if let Self::StorageFault(cause) = &classified {
            // The one log line of the fault, with its cause; the HTTP edge adds none.
            tracing::error!(error = %cause, debug = ?cause, "storage fault");
            faults::notice();
        }
        classified
    }
}

fn classify(err: sqlx::Error) -> DbError {
    match &err {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => DbError::Unique {
                table: table_of(db.as_ref()).unwrap_or_default(),
            },
            ErrorKind::ForeignKeyViolation => DbError::ForeignKey(err),
            _ if sqlite_storage_fault(db.as_ref()) || postgres_cannot_serve(db.as_ref()) => {
                DbError::StorageFault(err)
            }
            _ => DbError::Other(err),
        },
        // The connection to the server broke, or its worker did.
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
            DbError::StorageFault(err)
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => DbError::Unavailable(err),
        _ => DbError::Other(err),
    }
}

/// SQLite result codes (the primary code is the low byte of the extended one sqlx reports) that
/// say the storage cannot take the statement now: BUSY and LOCKED (another process holds the
/// lock past the busy timeout), NOMEM, READONLY (including `PRAGMA query_only`), IOERR (every
/// extended I/O error) and FULL (the disk, or `PRAGMA max_page_count`).
fn sqlite_storage_fault(err: &dyn sqlx::error::DatabaseError) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const NOMEM: i32 = 7;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    if err
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_none()
    {
        return false;
    }
    let Some(code) = err.code().and_then(|code| code.parse::<i32>().ok()) else {
        return false;
    };
    matches!(code & 0xff, BUSY | LOCKED | NOMEM | READONLY | IOERR | FULL)
}

/// PostgreSQL errors that say the server cannot serve now, not that the statement is wrong: any
/// FATAL error (the session is gone or cannot start: shutdown, terminated, too many connections,
/// a database that is not accepting connections), connection exceptions (class 08), insufficient
/// resources (class 53: `53100` disk full, `53200` out of memory), operator intervention (class
/// 57, e.g. `57P01` admin shutdown) and `25006`, a write refused by a read-only server or
/// database (a primary demoted to a replica, `default_transaction_read_only`).
fn postgres_cannot_serve(err: &dyn sqlx::error::DatabaseError) -> bool {
    use sqlx::postgres::{PgDatabaseError, PgSeverity};
    let Some(pg) = err.try_downcast_ref::<PgDatabaseError>() else {
        return false;
    };
    matches!(pg.severity(), PgSeverity::Fatal | PgSeverity::Panic)
        || pg.code() == "25006"
        || ["08", "53", "57"]
            .iter()
            .any(|class| pg.code().starts_with(class))
}

fn table_of(err: &dyn sqlx::error::DatabaseError) -> Option<String> {
    if let Some(pg) = err.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return pg.table().map(str::to_owned);
    }
    // SQLite names no constraint: "UNIQUE constraint failed: medications.user_id, medications.name_key"
    let columns = err.message().split_once(": ")?.1;
    columns
        .split_once('.')
        .map(|(table, _)| table.trim().to_owned())
}
