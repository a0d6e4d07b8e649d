//! Keeps SQLite's write-ahead log bounded while readers never pause.
//!
//! SQLite checkpoints on its own (PASSIVE, after a commit once the log holds 1 000 pages), but a
//! checkpoint copies only the frames no open reader still needs, and the log starts again from its
//! beginning only when no reader uses it at all. Readers that overlap without a gap (a landing
//! screen open in many tabs) therefore let the log grow without end. So between groups the writer
//! looks at the log (at most once per `check_every`); once it has stayed above `restart_above` for
//! `starved_for`, it runs a RESTART checkpoint, which waits up to `restart_wait` for the readers
//! of older snapshots to finish. Readers that start meanwhile read the checkpointed file and do not
//! hold it back, so the next write starts the log from its beginning, and `journal_size_limit`
//! truncates the file. The wait holds up writes, which is why it is short and rare.
//!
//! A reader that stays open for long (an export streaming to a slow client) still holds the log
//! back for as long as it reads: no checkpoint may take away the snapshot it reads.

use std::time::{Duration, Instant};

use metrics::gauge;
use sqlx::{Executor as _, SqliteConnection};

/// The size the log file is cut back to when it starts again (SQLite's `journal_size_limit`).
pub const JOURNAL_SIZE_LIMIT_BYTES: u64 = 32 * 1024 * 1024;

/// How long a write waits for another process's lock (SQLite's busy timeout).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
pub struct WalPolicy {
    pub check_every: Duration,
    pub restart_above_bytes: u64,
    pub starved_for: Duration,
    pub restart_wait: Duration,
}

impl Default for WalPolicy {
    fn default() -> Self {
        Self {
            check_every: Duration::from_secs(1),
            restart_above_bytes: 16 * 1024 * 1024,
            starved_for: Duration::from_secs(5),
            restart_wait: Duration::from_millis(100),
        }
    }
}

/// The writer's view of the log between groups.
#[derive(Debug, Default)]
pub(super) struct WalKeeper {
    policy: WalPolicy,
    last_check: Option<Instant>,
    above_since: Option<Instant>,
    page_size: Option<u64>,
}

/// One row of `PRAGMA wal_checkpoint`: whether it was blocked, frames in the log, frames copied.
type CheckpointRow = (i64, i64, i64);

impl WalKeeper {
    pub(super) fn new(policy: WalPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// Called with the writer connection right after a group committed, outside any transaction.
    /// A failure here loses nothing (the group is committed), so it is only logged.
    pub(super) async fn after_commit(&mut self, conn: &mut SqliteConnection) {
        let now = Instant::now();
        if self
            .last_check
            .is_some_and(|last| now.duration_since(last) < self.policy.check_every)
        {
            return;
        }
        self.last_check = Some(now);
        if let Err(err) = self.check(conn, now).await {
            tracing::debug!(error = %err, "write-ahead log checkpoint failed");
        }
    }

    async fn check(
        &mut self,
        conn: &mut SqliteConnection,
        now: Instant,
    ) -> Result<(), sqlx::Error> {
        let page_size = match self.page_size {
            Some(size) => size,
            None => {
                let size: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(&mut *conn)
                    .await?;
                let size = u64::try_from(size).unwrap_or(4096);
                self.page_size = Some(size);
                size
            }
        };
        let (_blocked, frames, _copied): CheckpointRow =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut *conn)
                .await?;
        let bytes = u64::try_from(frames).unwrap_or(0) * page_size;
        #[allow(clippy::cast_precision_loss)] // a gauge; exact to 2^53 bytes
        gauge!("sqlite_wal_bytes").set(bytes as f64);
        if bytes <= self.policy.restart_above_bytes {
            self.above_since = None;
            return Ok(());
        }
        let since = *self.above_since.get_or_insert(now);
        if now.duration_since(since) < self.policy.starved_for {
            return Ok(());
        }
        let restarted = self.restart(conn).await?;
        if restarted {
            self.above_since = None;
            tracing::info!(
                wal_bytes = bytes,
                "restarted the write-ahead log that readers kept from being checkpointed"
            );
        } else {
            tracing::debug!(
                wal_bytes = bytes,
                "readers still hold the write-ahead log; trying again later"
            );
        }
        Ok(())
    }

    /// A RESTART checkpoint with a short wait for readers; true when it completed.
    async fn restart(&self, conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
        conn.execute(busy_timeout(self.policy.restart_wait).as_str())
            .await?;
        let outcome: Result<CheckpointRow, _> = sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
            .fetch_one(&mut *conn)
            .await;
        // Restored whatever the checkpoint did: every write relies on the long timeout.
        conn.execute(busy_timeout(BUSY_TIMEOUT).as_str()).await?;
        let (blocked, _frames, _copied) = outcome?;
        Ok(blocked == 0)
    }
}

fn busy_timeout(wait: Duration) -> String {
    format!("PRAGMA busy_timeout = {}", wait.as_millis())
}

#[cfg(test)]
mod tests {
    use std::{
        path::{Path, PathBuf},
        str::FromStr,
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
    };

    use sqlx::{
        Connection as _,
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    };

    use super::*;
    use crate::db::GroupWriter;

    /// A policy that acts within a test's few seconds.
    fn eager() -> WalPolicy {
        WalPolicy {
            check_every: Duration::from_millis(50),
            restart_above_bytes: 256 * 1024,
            starved_for: Duration::from_millis(200),
            restart_wait: Duration::from_millis(300),
        }
    }

    fn never() -> WalPolicy {
        WalPolicy {
            restart_above_bytes: u64::MAX,
            ..eager()
        }
    }

    fn options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .expect("options")
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("journal_size_limit", (256 * 1024_u32).to_string())
    }

    /// Two readers that take turns so that one read transaction is always open, each on a snapshot
    /// older than the newest write.
    fn overlapping_readers(path: &Path, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
        let options = options(path).read_only(true);
        tokio::spawn(async move {
            let mut readers = [
                sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("reader"),
                sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("reader"),
            ];
            begin_read(&mut readers[0]).await;
            let mut open = 0;
            while !stop.load(Ordering::Acquire) {
                tokio::time::sleep(Duration::from_millis(60)).await;
                begin_read(&mut readers[1 - open]).await;
                readers[open].execute("ROLLBACK").await.expect("end");
                open = 1 - open;
            }
            readers[open].execute("ROLLBACK").await.expect("end");
        })
    }

    async fn begin_read(reader: &mut sqlx::SqliteConnection) {
        reader.execute("BEGIN").await.expect("begin");
        sqlx::query("SELECT count(*) FROM notes")
            .fetch_one(&mut *reader)
            .await
            .expect("read");
    }

    /// 400 writes of three pages each, paced over two seconds or more, beside never-pausing
    /// readers; the largest log file seen.
    async fn largest_log_under_readers(policy: WalPolicy) -> u64 {
        let path = std::env::temp_dir().join(format!("wal-{}.db", uuid::Uuid::new_v4()));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(&path))
            .await
            .expect("writer");
        sqlx::query("CREATE TABLE notes (body BLOB NOT NULL)")
            .execute(&pool)
            .await
            .expect("table");
        let writer = GroupWriter::with_wal_policy(pool, policy);
        let stop = Arc::new(AtomicBool::new(false));
        let readers = overlapping_readers(&path, stop.clone());
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let mut largest = 0;
        for _ in 0..400 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let mut guard = writer.lock().await.expect("lock");
            let mut savepoint = guard.savepoint().await.expect("savepoint");
            sqlx::query("INSERT INTO notes (body) VALUES (zeroblob(8000))")
                .execute(&mut *savepoint)
                .await
                .expect("insert");
            savepoint.commit().await.expect("release");
            guard.durable().await.expect("durable");
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        stop.store(true, Ordering::Release);
        readers.await.expect("readers");
        writer.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        largest
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_that_never_pause_do_not_grow_the_log_without_end() {
        let unbounded = largest_log_under_readers(never()).await;
        let bounded = largest_log_under_readers(eager()).await;
        eprintln!("largest log file: {unbounded} bytes without restarts, {bounded} with them");
        // Without restarts every write of the run stays in the log (about 5 MiB); with them the
        // log starts again whenever it has passed 256 KiB for 200 ms.
        assert!(
            unbounded > 3 * 1024 * 1024,
            "the readers did not hold the log back ({unbounded} bytes): the test proves nothing"
        );
        assert!(
            bounded < 2 * 1024 * 1024,
            "the log reached {bounded} bytes (without restarts: {unbounded})"
        );
    }
}
