//! A 503 `timeout` means nothing was written. A write that has already joined a commit when the
//! request timeout strikes is answered with its real outcome (later than the timeout), so that a
//! client that retries after a 503 never creates a duplicate.

use std::{sync::Arc, time::Duration};

use axum::{Extension, Router, extract::State, http::StatusCode, routing::post};
use medtracker::{
    db::Db,
    state::AppState,
    types::{Id, Timestamp},
};
use serde_json::json;
use tokio::{sync::Notify, time::Instant};

use super::{raw, serve_in_layers, within};
use crate::helpers::{count_rows, spawn_app_with};

const MARKER: &str = "test.joined_a_commit";

/// Lets the test act between a write's INSERT and the release of its savepoint.
#[derive(Default)]
struct Gate {
    inserted: Notify,
    go: Notify,
}

/// Writes a row in its savepoint, waits for the test's go, then releases it into the group
/// commit and answers once that commit is durable: the write path of every SQLite route.
async fn write_when_told(
    State(state): State<AppState>,
    Extension(gate): Extension<Arc<Gate>>,
) -> StatusCode {
    const SQL: &str = "INSERT INTO audit_events (id, occurred_at, event) VALUES ($1, $2, $3)";
    let Db::Sqlite(db) = &state.db else {
        return StatusCode::NOT_IMPLEMENTED;
    };
    let mut guard = db.writer.lock().await.expect("the writer");
    let mut savepoint = guard.savepoint().await.expect("a savepoint");
    let query = sqlx::query(SQL).bind(Id::new()).bind(Timestamp::now());
    query
        .bind(MARKER)
        .execute(&mut *savepoint)
        .await
        .expect("insert");
    savepoint.commit().await.expect("released");
    // Released into the group: past its commit point. The test holds the group back from here.
    gate.inserted.notify_one();
    gate.go.notified().await;
    match guard.durable().await {
        Ok(()) => StatusCode::CREATED,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_joined_a_group_commit_answers_its_outcome_past_the_timeout() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    let Db::Sqlite(_) = &app.state.db else {
        eprintln!("skipped: the group commit is SQLite's (PostgreSQL: the test below)");
        return;
    };
    let gate = Arc::new(Gate::default());
    let routes = Router::new()
        .route("/write-when-told", post(write_when_told))
        .layer(Extension(gate.clone()))
        .with_state(app.state.clone());
    let addr = serve_in_layers(&app, routes).await;

    let started = Instant::now();
    let request = tokio::spawn(async move {
        raw::exchange(addr, raw::head("POST", "/write-when-told", &[]).as_bytes()).await
    });
    within(5, "the insert", gate.inserted.notified()).await;
    // The group commit waits past the request's 1 s timeout (as behind a slow writer); the
    // request has released its savepoint, so it must wait for the commit and answer its outcome.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    gate.go.notify_one();

    let reply = within(10, "the answer", request)
        .await
        .expect("the request");
    let took = started.elapsed();
    assert_eq!(
        reply.status, 201,
        "the real outcome, not a timeout: {reply:?}"
    );
    assert!(
        took > Duration::from_millis(1500),
        "answered after {took:?}"
    );
    let stored = "SELECT COUNT(*) FROM audit_events WHERE event = $1";
    assert_eq!(count_rows(&app, stored, MARKER).await, 1);
}

/// On PostgreSQL the commit point is the COMMIT statement: a deferred trigger makes COMMIT take
/// 2 s, longer than the 1 s request timeout, through a real route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_commit_outlasts_the_timeout_answers_its_outcome() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    let Db::Postgres(pool) = &app.state.db else {
        eprintln!("skipped: PostgreSQL's COMMIT (SQLite: the test above)");
        return;
    };
    let client = app.user().await;
    for sql in [
        "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON medications \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()",
    ] {
        sqlx::query(sql).execute(pool).await.expect(sql);
    }
    let started = Instant::now();
    let reply = client
        .post("/api/v1/medications", &json!({"name": "Slow to commit"}))
        .await;
    let took = started.elapsed();
    assert_eq!(
        reply.status, 201,
        "the real outcome, not a timeout: {}",
        reply.text
    );
    assert!(
        took > Duration::from_millis(1500),
        "answered after {took:?}"
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM medications")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(count, 1);
}
