//! Storage faults on SQLite: a database that may not grow, a full disk, a file locked by another
//! process, a read-only writer. Each answers 503 `unavailable` with `Retry-After` (never 500),
//! readiness answers 503 while writes fail, the same process serves again once the fault ends,
//! every acknowledged write is stored and no write that was answered 503 is.
//! The PostgreSQL faults are in `faults_postgres`.

use std::{
    collections::HashSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use medtracker::{db::Db, http::serve::ServeLimits};
use serde_json::json;
use sqlx::SqliteConnection;

use super::{on_postgres, within};
use crate::helpers::{Client, TestApp, spawn_app, spawn_on};

/// A note long enough that each record takes a good part of a page.
fn padding() -> String {
    "n".repeat(900)
}

/// The names of the writes made during a fault test, by their answer.
#[derive(Default)]
pub struct Ledger {
    acknowledged: Vec<String>,
    refused: Vec<String>,
}

impl Ledger {
    /// Creates medication `name`; a refusal must be a 503 `unavailable` problem with `Retry-After`.
    pub async fn write(&mut self, client: &Client, name: &str) -> u16 {
        let body = json!({"name": name, "notes": padding()});
        let reply = within(30, name, client.post("/api/v1/medications", &body)).await;
        match reply.status {
            201 => self.acknowledged.push(name.to_owned()),
            503 => {
                assert_eq!(reply.code(), "unavailable", "{name}: {}", reply.text);
                assert!(
                    reply.header("retry-after").is_some(),
                    "{name}: a 503 without Retry-After"
                );
                self.refused.push(name.to_owned());
            }
            other => panic!("{name}: {other} {}", reply.text),
        }
        reply.status
    }

    /// `count` concurrent writes (so that they share group commits); their statuses.
    pub async fn batch(&mut self, client: &Client, prefix: &str, count: usize) -> Vec<u16> {
        let names: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
        let replies = futures_util::future::join_all(names.iter().map(|name| {
            let body = json!({"name": name, "notes": padding()});
            async move { (name, client.post("/api/v1/medications", &body).await) }
        }));
        let mut statuses = Vec::new();
        for (name, reply) in within(60, prefix, replies).await {
            match reply.status {
                201 => self.acknowledged.push(name.clone()),
                503 => {
                    assert_eq!(reply.code(), "unavailable", "{name}: {}", reply.text);
                    assert!(reply.header("retry-after").is_some(), "{name}");
                    self.refused.push(name.clone());
                }
                other => panic!("{name}: {other} {}", reply.text),
            }
            statuses.push(reply.status);
        }
        statuses
    }

    /// (acknowledged, refused) counts, for the test's output.
    pub fn counts(&self) -> (usize, usize) {
        (self.acknowledged.len(), self.refused.len())
    }

    /// Adds another ledger's writes (one per concurrent writer) to this one.
    pub fn absorb(&mut self, other: Ledger) {
        self.acknowledged.extend(other.acknowledged);
        self.refused.extend(other.refused);
    }

    /// Every acknowledged write is stored, and none that was refused.
    pub async fn assert_stored_exactly(&self, app: &TestApp) {
        const SQL: &str = "SELECT name FROM medications";
        let stored: HashSet<String> = match &app.state.db {
            Db::Sqlite(db) => sqlx::query_scalar(SQL).fetch_all(&db.readers).await,
            Db::Postgres(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await,
        }
        .expect("the stored names")
        .into_iter()
        .collect();
        for name in &self.acknowledged {
            assert!(stored.contains(name), "acknowledged but not stored: {name}");
        }
        for name in &self.refused {
            assert!(!stored.contains(name), "answered 503 but stored: {name}");
        }
        assert_eq!(stored.len(), self.acknowledged.len(), "no other record");
    }
}

pub async fn readiness(app: &TestApp) -> u16 {
    within(10, "readiness", app.client().get("/health/ready"))
        .await
        .status
}

/// Waits (up to `secs`) until readiness answers 200, probing as an orchestrator would.
pub async fn until_ready(app: &TestApp, secs: u64) {
    within(secs, "readiness after the fault", async {
        while readiness(app).await != 200 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
}

fn skip_on_postgres() -> bool {
    if on_postgres() {
        eprintln!("skipped: a SQLite fault (the PostgreSQL faults are in faults_postgres)");
    }
    on_postgres()
}

/// Runs `sql` on the writer connection itself (between group commits it rests in its pool).
async fn on_writer_connection(app: &TestApp, sql: &str) -> i64 {
    let Db::Sqlite(db) = &app.state.db else {
        unreachable!("SQLite only")
    };
    let mut conn = within(10, "the writer connection", db.writer.pool().acquire())
        .await
        .expect("the writer connection");
    let conn: &mut SqliteConnection = &mut conn;
    sqlx::query_scalar(sql)
        .fetch_optional(conn)
        .await
        .expect(sql)
        .unwrap_or_default()
}

/// Writes in batches until one is refused (at most `rounds` batches).
async fn fill(ledger: &mut Ledger, client: &Client, rounds: usize) {
    for round in 0..rounds {
        if ledger
            .batch(client, &format!("fill{round}"), 8)
            .await
            .contains(&503)
        {
            return;
        }
    }
    panic!("no write was refused in {rounds} rounds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_may_not_grow_answers_503_and_recovers_without_a_restart() {
    if skip_on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let client = app.user().await;
    let mut ledger = Ledger::default();
    assert_eq!(ledger.batch(&client, "before", 4).await, [201; 4]);

    let pages = on_writer_connection(&app, "PRAGMA page_count").await;
    on_writer_connection(&app, &format!("PRAGMA max_page_count = {pages}")).await;
    fill(&mut ledger, &client, 200).await;
    assert_eq!(
        readiness(&app).await,
        503,
        "readiness while the file is full"
    );
    assert_eq!(ledger.write(&client, "during").await, 503);
    assert_eq!(readiness(&app).await, 503);
    let read = client.get("/api/v1/medications").await;
    assert_eq!(read.status, 200, "reads go on: {}", read.text);

    on_writer_connection(&app, "PRAGMA max_page_count = 1073741823").await;
    until_ready(&app, 10).await;
    assert_eq!(ledger.batch(&client, "after", 4).await, [201; 4]);
    ledger.assert_stored_exactly(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_writer_answers_503_and_recovers_without_a_restart() {
    if skip_on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let client = app.user().await;
    let mut ledger = Ledger::default();
    assert_eq!(ledger.write(&client, "before").await, 201);

    on_writer_connection(&app, "PRAGMA query_only = ON").await;
    assert_eq!(ledger.batch(&client, "during", 4).await, [503; 4]);
    assert_eq!(readiness(&app).await, 503, "readiness while read-only");
    assert_eq!(client.get("/api/v1/medications").await.status, 200);

    on_writer_connection(&app, "PRAGMA query_only = OFF").await;
    until_ready(&app, 10).await;
    assert_eq!(ledger.write(&client, "after").await, 201);
    ledger.assert_stored_exactly(&app).await;
}

/// Another process (Python's sqlite3) holding the file's write lock until its stdin closes.
struct LockHolder(Child);

impl LockHolder {
    async fn hold(file: &Path) -> Self {
        const SCRIPT: &str = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
            c.execute('BEGIN IMMEDIATE')\n\
            print('locked', flush=True)\n\
            sys.stdin.read()\n";
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .arg(file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("its stdout");
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = within(10, "the lock", line).await.expect("a line");
        assert_eq!(line.expect("readable").trim(), "locked");
        Self(child)
    }

    fn release(mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sqlite_file(app: &TestApp) -> PathBuf {
    PathBuf::from(
        app.database_url
            .strip_prefix("sqlite://")
            .expect("a SQLite URL"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_locked_by_another_process_answers_503_after_the_busy_timeout_then_recovers() {
    if skip_on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let client = app.user().await;
    let mut ledger = Ledger::default();
    assert_eq!(ledger.write(&client, "before").await, 201);

    let holder = LockHolder::hold(&sqlite_file(&app)).await;
    let started = std::time::Instant::now();
    assert_eq!(ledger.write(&client, "during").await, 503);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(9),
        "refused after {waited:?} (busy timeout 5 s)"
    );
    assert_eq!(readiness(&app).await, 503, "readiness while locked");
    assert_eq!(client.get("/api/v1/medications").await.status, 200);

    holder.release();
    until_ready(&app, 15).await;
    assert_eq!(ledger.write(&client, "after").await, 201);
    ledger.assert_stored_exactly(&app).await;
}

/// A tmpfs of its own, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` when mounting is not permitted here (it needs root with CAP_SYS_ADMIN).
    fn mount(size: &str) -> Option<Self> {
        let dir = std::env::temp_dir()
            .join("medtracker-tests")
            .join(format!("tmpfs-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(Self(dir))
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .expect("mount runs");
        assert!(status.success(), "the tmpfs is resized");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_and_recovers_when_space_returns() {
    if skip_on_postgres() {
        return;
    }
    let Some(disk) = Tmpfs::mount("1m") else {
        eprintln!(
            "skipped: mounting a tmpfs is not permitted here (needs root with CAP_SYS_ADMIN)"
        );
        return;
    };
    let url = format!("sqlite://{}", disk.0.join("full.db").display());
    let app = spawn_on(&url, None, &[], ServeLimits::default()).await;
    let client = app.user().await;
    let mut ledger = Ledger::default();
    assert_eq!(ledger.write(&client, "before").await, 201);

    fill(&mut ledger, &client, 300).await;
    // A refused group leaves the space it had taken to smaller writes, the heartbeat's among
    // them, so on a nearly full disk readiness may pass between refusals; it answers 503 once not
    // even the heartbeat fits, and then ordinary writes do not either.
    let mut tail = 0;
    while readiness(&app).await != 503 {
        assert!(tail < 100, "readiness stayed 200 on a full disk");
        ledger.write(&client, &format!("tail-{tail}")).await;
        tail += 1;
    }
    assert_eq!(ledger.write(&client, "during").await, 503);

    disk.resize("64m");
    until_ready(&app, 10).await;
    assert_eq!(ledger.batch(&client, "after", 4).await, [201; 4]);
    ledger.assert_stored_exactly(&app).await;
    app.stop().await;
}
