//! Many writers at once: every write is acknowledged (the single SQLite writer queues them; no
//! "database is locked"), nothing is lost or doubled, and reads never wait behind writes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use medtracker::types::Id;
use serde_json::json;
use sqlx::Connection;
use tokio::{sync::Barrier, time::Instant};

use super::{
    records::{count_records, create_record},
    within,
};
use crate::helpers::{Client, spawn_app};

const CLIENTS: usize = 64;
const RECORDS_PER_CLIENT: usize = 2;
const UPDATES_PER_RECORD: usize = 2;

/// Each client creates records and updates its profile after each; returns every failure and the
/// display name it wrote last.
async fn write_burst(client: Client, n: usize, start: Arc<Barrier>) -> (Vec<String>, String) {
    start.wait().await;
    let mut failures = Vec::new();
    let mut last_name = String::new();
    for r in 0..RECORDS_PER_CLIENT {
        if let Err(err) = create_record(&client).await {
            failures.push(format!("create: {err}"));
            continue;
        }
        for u in 0..UPDATES_PER_RECORD {
            let name = format!("client {n} record {r} update {u}");
            let reply = client
                .patch("/api/v1/me", &json!({ "display_name": name }))
                .await;
            if reply.status == 200 {
                last_name = name;
            } else {
                failures.push(format!("update: {} {}", reply.status, reply.text));
            }
        }
    }
    (failures, last_name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_writers_get_only_2xx_and_exact_counts() {
    let app = spawn_app().await;
    let reader = app.user().await;
    let before = count_records(&app).await;
    let start = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<Client> = (0..CLIENTS).map(|_| app.client()).collect();
    let writers: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, client)| tokio::spawn(write_burst(client.clone(), n, start.clone())))
        .collect();

    // A reader polls while the burst runs: each read must answer, and some during the burst.
    let burst_over = Arc::new(AtomicBool::new(false));
    let polling = {
        let (burst_over, start) = (burst_over.clone(), start.clone());
        tokio::spawn(async move {
            start.wait().await;
            let mut reads = Vec::new();
            while !burst_over.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let reply = within(10, "a read during the burst", reader.get("/api/v1/me")).await;
                reads.push((
                    reply.status,
                    asked.elapsed(),
                    burst_over.load(Ordering::Relaxed),
                ));
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            reads
        })
    };

    let mut failures = Vec::new();
    let mut last_names = Vec::new();
    for writer in writers {
        let (failed, last) = within(150, "a writer's burst", writer)
            .await
            .expect("a writer");
        failures.extend(failed);
        last_names.push(last);
    }
    burst_over.store(true, Ordering::Relaxed);
    let reads = within(15, "the reader", polling).await.expect("the reader");

    assert!(
        failures.is_empty(),
        "{} writes were refused, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(
        count_records(&app).await - before,
        i64::try_from(CLIENTS * RECORDS_PER_CLIENT).expect("small"),
        "every acknowledged record is stored exactly once"
    );
    for (client, last) in clients.iter().zip(&last_names) {
        let me = client.get("/api/v1/me").await;
        assert_eq!(
            me.body["user"]["display_name"],
            json!(last),
            "the last update wins"
        );
    }
    let during: Vec<_> = reads.iter().filter(|(_, _, over)| !over).collect();
    assert!(!during.is_empty(), "reads were answered during the burst");
    assert!(
        reads.iter().all(|(status, _, _)| *status == 200),
        "{reads:?}"
    );
    let slowest = reads
        .iter()
        .map(|(_, took, _)| *took)
        .max()
        .unwrap_or_default();
    assert!(
        slowest < Duration::from_secs(5),
        "slowest read: {slowest:?}"
    );
}

/// Another connection (another process, on SQLite) holds the write lock with an uncommitted
/// change: reads answer at once and see only committed data; the API's write waits for the lock
/// instead of failing, and succeeds once it is released.
#[tokio::test]
async fn reads_answer_and_writes_wait_while_another_writer_holds_the_lock() {
    let app = spawn_app().await;
    let client = app.user().await;
    let me = client
        .patch("/api/v1/me", &json!({"display_name": "committed"}))
        .await;
    assert_eq!(me.status, 200);
    let id = Id::parse(me.body["user"]["id"].as_str().unwrap_or_default()).expect("an id");

    const HOLD: &str = "UPDATE users SET display_name = 'uncommitted' WHERE id = $1";
    let mut holder = LockHolder::connect(&app.database_url).await;
    holder.hold(HOLD, id).await;

    let write = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .patch("/api/v1/me", &json!({"display_name": "after the lock"}))
                .await
        })
    };
    // If reads queued behind the lock they would time out (busy timeout) and answer 503.
    let read = within(4, "a read while the lock is held", client.get("/api/v1/me")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["user"]["display_name"], "committed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!write.is_finished(), "the write waits for the lock");

    holder.release().await;
    let written = within(10, "the queued write", write)
        .await
        .expect("the write task");
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.body["user"]["display_name"], "after the lock");
}

/// A second connection to the test database that holds a write lock inside a transaction.
enum LockHolder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl LockHolder {
    async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite(
                sqlx::SqliteConnection::connect(url)
                    .await
                    .expect("a connection"),
            )
        } else {
            Self::Postgres(
                sqlx::PgConnection::connect(url)
                    .await
                    .expect("a connection"),
            )
        }
    }

    async fn hold(&mut self, sql: &str, id: Id) {
        match self {
            Self::Sqlite(conn) => {
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut *conn)
                    .await
                    .expect("begin");
                sqlx::query(sql)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .expect("update");
            }
            Self::Postgres(conn) => {
                sqlx::query("BEGIN")
                    .execute(&mut *conn)
                    .await
                    .expect("begin");
                sqlx::query(sql)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .expect("update");
            }
        }
    }

    async fn release(&mut self) {
        let rolled_back = match self {
            Self::Sqlite(conn) => sqlx::query("ROLLBACK").execute(conn).await.map(drop),
            Self::Postgres(conn) => sqlx::query("ROLLBACK").execute(conn).await.map(drop),
        };
        rolled_back.expect("rollback");
    }
}
