use std::str::FromStr;

use sqlx::{
    migrate::Migrator,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{Db, DbError, GroupWriter, ReaderPool, SqliteDb, wal};
use crate::{config::Config, types::Timestamp};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Opens the pools (creating the SQLite file if it is missing). Nothing is migrated here.
pub async fn connect(config: &Config) -> Result<Db, DbError> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    if config.database_url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(&config.database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged write survives a power cut, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(wal::BUSY_TIMEOUT)
            // The log file is cut back to this size whenever it starts again (see `wal`).
            .pragma(
                "journal_size_limit",
                wal::JOURNAL_SIZE_LIMIT_BYTES.to_string(),
            )
            .pragma("temp_store", "memory");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(config.db_acquire_timeout)
            .connect_with(options.clone())
            .await?;
        let readers = ReaderPool::open(
            &options.read_only(true),
            config.db_max_connections.unwrap_or(cores.max(2)) as usize,
            config.db_acquire_timeout,
        )
        .await?;
        Ok(Db::Sqlite(SqliteDb {
            writer: GroupWriter::new(writer),
            readers,
        }))
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(config.db_max_connections.unwrap_or(2 * cores))
            .acquire_timeout(config.db_acquire_timeout)
            .connect(&config.database_url)
            .await?;
        Ok(Db::Postgres(pool))
    }
}

pub async fn migrate(db: &Db) -> Result<(), sqlx::migrate::MigrateError> {
    match db {
        Db::Sqlite(sqlite) => SQLITE_MIGRATIONS.run(sqlite.writer.pool()).await,
        Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
    }
}

/// True when the database answers and every migration this binary knows is applied.
pub async fn readiness(db: &Db) -> Result<bool, DbError> {
    const SQL: &str = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    let (applied, expected): (i64, usize) = match db {
        Db::Sqlite(sqlite) => (
            sqlx::query_scalar(SQL).fetch_one(&sqlite.readers).await?,
            SQLITE_MIGRATIONS.iter().count(),
        ),
        Db::Postgres(pool) => (
            sqlx::query_scalar(SQL).fetch_one(pool).await?,
            POSTGRES_MIGRATIONS.iter().count(),
        ),
    };
    Ok(usize::try_from(applied).is_ok_and(|n| n >= expected))
}

/// One tiny durable write, through the same path as every other write: proof that writes work
/// again after a storage fault. It rewrites a single row, so the table never grows.
pub async fn heartbeat(db: &Db) -> Result<(), DbError> {
    const SQL: &str = "INSERT INTO heartbeat (id, beat_at) VALUES (1, $1) \
                       ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at";
    const ROOM: &str = "SELECT (SELECT page_count FROM pragma_page_count()) \
                        < (SELECT max_page_count FROM pragma_max_page_count())";
    match db {
        Db::Sqlite(sqlite) => {
            let mut guard = sqlite.writer.lock().await?;
            let mut savepoint = guard.savepoint().await?;
            let query = sqlx::query(SQL).bind(Timestamp::now());
            query.execute(&mut *savepoint).await?;
            // The heartbeat's row fits in a page of its own, so it is written even when the file
            // may not grow, and writes that need a new page all fail: check for room too.
            let room: bool = sqlx::query_scalar(ROOM).fetch_one(&mut *savepoint).await?;
            if !room {
                return Err(DbError::AtSizeLimit);
            }
            savepoint.commit().await?;
            guard.durable().await
        }
        Db::Postgres(pool) => {
            let query = sqlx::query(SQL).bind(Timestamp::now());
            query.execute(pool).await?;
            Ok(())
        }
    }
}
