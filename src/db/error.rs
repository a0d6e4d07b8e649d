use sqlx::error::ErrorKind;
use thiserror::Error;

/// A database failure, classified so that the HTTP edge can map it in one place.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("unique constraint violated on table {table}")]
    Unique { table: String },
    #[error("foreign key constraint violated")]
    ForeignKey(#[source] sqlx::Error),
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Self::Unique {
                    table: table_of(db.as_ref()).unwrap_or_default(),
                },
                ErrorKind::ForeignKeyViolation => Self::ForeignKey(err),
                // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the lock.
                _ if matches!(db.code().as_deref(), Some("5" | "6" | "517")) => {
                    Self::Unavailable(err)
                }
                // PostgreSQL: too many connections, shutting down, cannot connect now.
                _ if matches!(
                    db.code().as_deref(),
                    Some("53300" | "57P01" | "57P02" | "57P03")
                ) =>
                {
                    Self::Unavailable(err)
                }
                _ => Self::Other(err),
            },
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err),
            _ => Self::Other(err),
        }
    }
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
