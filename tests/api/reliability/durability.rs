//! Acknowledged writes survive SIGKILL: what the server answered 2xx for is there after a restart
//! on the same database, also when the kill lands in the middle of more writes.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use medtracker::db::Db;
use tokio::sync::Mutex;

use super::{
    process::{Server, SqliteFiles},
    records::{Record, create_record, record_exists},
    within,
};
use crate::helpers::fresh_database;

/// Acknowledged records before the kill; writers keep going while it lands.
const ACKNOWLEDGED: usize = 24;
const WRITERS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_restart() {
    let (database_url, sqlite_file) = fresh_database().await;
    let _cleanup = SqliteFiles(sqlite_file.clone());
    let mut server = Server::start(&database_url, &[]).await;

    let acknowledged: Arc<Mutex<Vec<Record>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (client, acknowledged, stop) =
                (server.client(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                // Runs until the server dies under it: every Ok is a 2xx the server sent.
                while !stop.load(Ordering::Relaxed) {
                    match create_record(&client).await {
                        Ok(record) => acknowledged.lock().await.push(record),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    within(60, "acknowledged writes before the kill", async {
        while acknowledged.lock().await.len() < ACKNOWLEDGED {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    // No shutdown code runs: what was acknowledged must already be on disk.
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        within(40, "a writer notices the kill", writer)
            .await
            .expect("a writer task");
    }
    let acknowledged = acknowledged.lock().await.clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED);

    let server = Server::start(&database_url, &[]).await;
    let client = server.client();
    let mut missing = Vec::new();
    for record in &acknowledged {
        let found = within(30, "looking a record up", record_exists(&client, record)).await;
        if found != Ok(true) {
            missing.push((record.clone(), found));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged records are missing after SIGKILL: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    if let Some(file) = &sqlite_file {
        assert_eq!(
            integrity_check(file).await,
            "ok",
            "the SQLite file is intact"
        );
    }
}

async fn integrity_check(file: &std::path::Path) -> String {
    use sqlx::{ConnectOptions, sqlite::SqliteConnectOptions};
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .connect()
        .await
        .expect("the SQLite file opens");
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("an integrity check")
}

/// The settings the durability guarantee rests on (RELIABILITY.md): on SQLite, WAL with
/// `synchronous=FULL` (a commit is on disk before the answer, so it survives a power cut too) and
/// exactly one writer connection; on PostgreSQL, the server's durable defaults.
#[tokio::test]
async fn the_database_is_configured_for_durability() {
    let app = crate::helpers::spawn_app().await;
    match &app.state.db {
        Db::Sqlite(db) => {
            assert_eq!(
                db.writer.pool().options().get_max_connections(),
                1,
                "one writer"
            );
            let mut writer = db.writer.pool().acquire().await.expect("the writer");
            let pragma = |name: &'static str| format!("PRAGMA {name}");
            let mode: String = sqlx::query_scalar(&pragma("journal_mode"))
                .fetch_one(&mut *writer)
                .await
                .expect("journal_mode");
            assert_eq!(mode, "wal");
            let synchronous: i64 = sqlx::query_scalar(&pragma("synchronous"))
                .fetch_one(&mut *writer)
                .await
                .expect("synchronous");
            assert_eq!(synchronous, 2, "synchronous=FULL");
            let foreign_keys: i64 = sqlx::query_scalar(&pragma("foreign_keys"))
                .fetch_one(&mut *writer)
                .await
                .expect("foreign_keys");
            assert_eq!(foreign_keys, 1);
        }
        Db::Postgres(pool) => {
            for (setting, expected) in [
                ("fsync", "on"),
                ("synchronous_commit", "on"),
                ("full_page_writes", "on"),
                ("default_transaction_isolation", "read committed"),
            ] {
                let value: String = sqlx::query_scalar(&format!("SHOW {setting}"))
                    .fetch_one(pool)
                    .await
                    .expect("a setting");
                assert_eq!(value, expected, "{setting}");
            }
        }
    }
}
