//! A panicking handler answers 500 problem+json with the request id, leaks nothing of the panic,
//! rolls back what it began writing, and the server (and the connection) keep serving.

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use medtracker::{
    db::Db,
    state::AppState,
    types::{Id, Timestamp},
};
use serde_json::json;
use std::sync::{Arc, Mutex};

use super::serve_in_layers;
use crate::helpers::{Client, count_rows, spawn_app};

const MARKER: &str = "test.panicked_mid_write";

async fn panics() -> &'static str {
    panic!("secret detail that must not reach the client")
}

async fn answers() -> &'static str {
    "still here"
}

async fn panics_mid_transaction(State(state): State<AppState>) -> &'static str {
    const SQL: &str = "INSERT INTO audit_events (id, occurred_at, event) VALUES ($1, $2, $3)";
    match &state.db {
        Db::Sqlite(db) => {
            let mut writer = db.writer.lock().await.expect("the writer");
            let mut tx = writer.savepoint().await.expect("begin");
            let query = sqlx::query(SQL).bind(Id::new()).bind(Timestamp::now());
            query.bind(MARKER).execute(&mut *tx).await.expect("insert");
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.expect("begin");
            let query = sqlx::query(SQL).bind(Id::new()).bind(Timestamp::now());
            query.bind(MARKER).execute(&mut *tx).await.expect("insert");
        }
    }
    panic!("after a write, before the commit")
}

/// Collects this thread's log lines (the test runs the server on its own single thread).
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = self.0.lock() {
            logs.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn a_panic_becomes_a_500_problem_with_the_request_id_and_the_server_keeps_serving() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let app = spawn_app().await;
    let routes = Router::new()
        .route("/panics", get(panics))
        .route("/answers", get(answers))
        .route("/panics-mid-transaction", post(panics_mid_transaction))
        .with_state(app.state.clone());
    let addr = serve_in_layers(&app, routes).await;
    // One client, one kept-alive connection: the panic must not take it down either.
    let client = Client::new(&format!("http://{addr}"));

    let reply = client.get("/panics").await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.code(), "internal_error");
    let request_id = reply.header("x-request-id").expect("a request id");
    assert_eq!(reply.body["request_id"], json!(request_id));
    assert!(!reply.text.contains("secret"), "{}", reply.text);
    // ...but the log has the panic's message, with the request id.
    let logged = logs.text();
    assert!(
        logged
            .lines()
            .any(|line| line.contains("handler panicked: secret detail")
                && line.contains(request_id)
                && line.contains("\"level\":\"ERROR\"")),
        "the panic is logged with its request id: {logged}"
    );

    let after = client.get("/answers").await;
    assert_eq!((after.status, after.text.as_str()), (200, "still here"));

    let reply = client.post_empty("/panics-mid-transaction").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.code(), "internal_error");
    // The real service still writes (the writer connection came back), and the panicked
    // transaction left nothing behind.
    let user = app.user().await;
    let write = user
        .patch("/api/v1/me", &json!({"display_name": "after a panic"}))
        .await;
    assert_eq!(write.status, 200, "{}", write.text);
    let marker = "SELECT COUNT(*) FROM audit_events WHERE event = $1";
    assert_eq!(count_rows(&app, marker, MARKER).await, 0);
}
