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
                _ if postgres_cannot_serve(db.as_ref()) => Self::Unavailable(err),
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

/// PostgreSQL errors that say the server cannot serve now, not that the statement is wrong: any
/// FATAL error (the session is gone or cannot start: shutdown, terminated, too many connections,
/// a database that is not accepting connections), connection exceptions (class 08), insufficient
/// resources (class 53) and operator intervention (class 57, e.g. `57P01` admin shutdown).
fn postgres_cannot_serve(err: &dyn sqlx::error::DatabaseError) -> bool {
    use sqlx::postgres::{PgDatabaseError, PgSeverity};
    let Some(pg) = err.try_downcast_ref::<PgDatabaseError>() else {
        return false;
    };
    matches!(pg.severity(), PgSeverity::Fatal | PgSeverity::Panic)
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
