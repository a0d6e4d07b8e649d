//! Storage faults on PostgreSQL: a database switched to read-only (as a primary demoted to a
//! replica would be), and a server restarted in the middle of a write load, on a cluster of the
//! test's own. Each answers 503 `unavailable` (never 500), readiness follows, the same process
//! recovers without a restart, every acknowledged write is stored and none that was refused.
//! Run with `--include-ignored` where PostgreSQL is (`.ci/run` does).

use std::{
    path::PathBuf,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use medtracker::http::serve::ServeLimits;
use sqlx::{Connection, PgConnection};

use super::{
    faults::{Ledger, readiness, until_ready},
    on_postgres, within,
};
use crate::helpers::{Client, spawn_app_with, spawn_on};

const VARS: &[(&str, &str)] = &[("DB_ACQUIRE_TIMEOUT_SECS", "2")];

fn skip_without_postgres() -> bool {
    if !on_postgres() {
        eprintln!("skipped: needs PostgreSQL (set TEST_DATABASE_URL)");
    }
    !on_postgres()
}

/// Ends the app's sessions with the database, so that new ones take up a changed setting.
async fn terminate_sessions(admin: &mut PgConnection, database: &str) {
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .execute(admin)
    .await
    .expect("the app's sessions are terminated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_database_switched_to_read_only_answers_503_and_recovers_without_a_restart() {
    if skip_without_postgres() {
        return;
    }
    let app = spawn_app_with(VARS).await;
    let client = app.user().await;
    let mut ledger = Ledger::default();
    assert_eq!(ledger.write(&client, "before").await, 201);

    let database = app
        .database_url
        .rsplit('/')
        .next()
        .expect("a name")
        .to_owned();
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let mut admin = PgConnection::connect(&admin_url).await.expect("admin");
    let read_only = format!("ALTER DATABASE {database} SET default_transaction_read_only = on");
    sqlx::query(&read_only)
        .execute(&mut admin)
        .await
        .expect("read-only");
    terminate_sessions(&mut admin, &database).await;

    assert_eq!(ledger.batch(&client, "during", 4).await, [503; 4]);
    assert_eq!(readiness(&app).await, 503, "readiness while read-only");
    assert_eq!(ledger.write(&client, "still").await, 503);
    assert_eq!(
        client.get("/api/v1/medications").await.status,
        200,
        "reads go on"
    );

    let writable = format!("ALTER DATABASE {database} RESET default_transaction_read_only");
    sqlx::query(&writable)
        .execute(&mut admin)
        .await
        .expect("writable");
    terminate_sessions(&mut admin, &database).await;
    until_ready(&app, 15).await;
    assert_eq!(ledger.batch(&client, "after", 4).await, [201; 4]);
    ledger.assert_stored_exactly(&app).await;
}

/// A PostgreSQL server of the test's own (`scripts/pg-throwaway.sh`), on `FAULTS_PG_PORT`
/// (55513 unless set), stopped when dropped.
struct Cluster {
    dir: String,
    url: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-throwaway.sh")
}

impl Cluster {
    fn start() -> Self {
        let port = std::env::var("FAULTS_PG_PORT").unwrap_or_else(|_| "55513".to_owned());
        let output = Command::new(script())
            .arg("start")
            .env("PG_PORT", &port)
            .output()
            .expect("pg-throwaway.sh runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let exports = String::from_utf8_lossy(&output.stdout).into_owned();
        let value = |name: &str| {
            exports
                .lines()
                .find_map(|line| line.strip_prefix(&format!("export {name}=")))
                .unwrap_or_else(|| panic!("{name} in {exports}"))
                .to_owned()
        };
        Self {
            dir: value("PG_THROWAWAY_DIR"),
            url: value("TEST_PG_URL"),
        }
    }

    fn restart(&self) {
        let status = Command::new(script())
            .args(["restart", &self.dir])
            .status()
            .expect("pg-throwaway.sh runs");
        assert!(status.success(), "the cluster restarts");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).args(["stop", &self.dir]).status();
    }
}

/// Writes through `client` until `stop` is set.
async fn keep_writing(client: Client, prefix: String, stop: Arc<AtomicBool>) -> Ledger {
    let mut ledger = Ledger::default();
    let mut n = 0;
    while !stop.load(Ordering::Acquire) {
        ledger.write(&client, &format!("{prefix}-{n}")).await;
        n += 1;
    }
    ledger
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_restart_mid_load_gives_503s_then_the_process_recovers_and_keeps_every_acknowledged_write()
 {
    if skip_without_postgres() {
        return;
    }
    let cluster = tokio::task::spawn_blocking(Cluster::start)
        .await
        .expect("a cluster of its own");
    let app = spawn_on(&cluster.url, None, VARS, ServeLimits::default()).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for i in 0..4 {
        let client = app.user().await;
        writers.push(tokio::spawn(keep_writing(
            client,
            format!("w{i}"),
            stop.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.restart();
        cluster
    })
    .await
    .expect("restarted");
    until_ready(&app, 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Release);

    let mut ledger = Ledger::default();
    for writer in writers {
        let part = within(60, "a writer", writer)
            .await
            .expect("a writer's ledger");
        ledger.absorb(part);
    }
    let (acknowledged, refused) = ledger.counts();
    eprintln!("during the restart: {acknowledged} writes acknowledged, {refused} answered 503");
    let after = app.user().await;
    assert_eq!(ledger.batch(&after, "after", 4).await, [201; 4]);
    ledger.assert_stored_exactly(&app).await;
    app.stop().await;
    drop(cluster);
}
