//! Slow requests and slow clients cannot hold the server: a request that runs too long answers
//! 503 `timeout` (and what it began writing is rolled back), a client that stalls its body gets the
//! same, a client that trickles its headers is disconnected, open connections are capped, and a
//! client that stops taking a streamed export is cut while one that reads slowly gets all of it.

use std::time::Duration;

use axum::{Router, extract::State, routing::post};
use medtracker::{
    db::Db,
    http::serve::{DRAIN_TIMEOUT, HEADER_READ_TIMEOUT, MAX_CONNECTIONS, ServeLimits},
    state::AppState,
    types::{Id, Timestamp},
};
use serde_json::json;
use tokio::{io::AsyncWriteExt, time::Instant};

use super::{raw, serve_in_layers, within};
use crate::{
    helpers::{PASSWORD, count_rows, spawn_app_with, spawn_app_with_limits},
    records::{bulk_logs, seed, user_id},
};

const MARKER: &str = "test.half_written";

/// Begins a write transaction, writes a row, then never finishes.
async fn write_then_hang(State(state): State<AppState>) -> &'static str {
    const SQL: &str = "INSERT INTO audit_events (id, occurred_at, event) VALUES ($1, $2, $3)";
    match &state.db {
        Db::Sqlite(db) => {
            let mut writer = db.writer.lock().await.expect("the writer");
            let mut tx = writer.savepoint().await.expect("begin");
            let query = sqlx::query(SQL).bind(Id::new()).bind(Timestamp::now());
            query.bind(MARKER).execute(&mut *tx).await.expect("insert");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            tx.commit().await.expect("commit");
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.expect("begin");
            let query = sqlx::query(SQL).bind(Id::new()).bind(Timestamp::now());
            query.bind(MARKER).execute(&mut *tx).await.expect("insert");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            tx.commit().await.expect("commit");
        }
    }
    "committed"
}

#[tokio::test]
async fn a_request_that_runs_too_long_answers_503_and_its_transaction_rolls_back() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    let routes = Router::new()
        .route("/write-then-hang", post(write_then_hang))
        .with_state(app.state.clone());
    let addr = serve_in_layers(&app, routes).await;

    let started = Instant::now();
    let reply = raw::exchange(addr, raw::head("POST", "/write-then-hang", &[]).as_bytes()).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.is_problem());
    assert_eq!(reply.code(), "timeout");
    assert_eq!(
        reply.body["request_id"].as_str(),
        reply.header("x-request-id")
    );
    assert!(took < Duration::from_secs(3), "answered after {took:?}");

    // Nothing half-written, and the single writer connection is free again.
    let client = app.user().await;
    let write = within(5, "a write after the timeout", async {
        client
            .patch("/api/v1/me", &json!({"display_name": "next"}))
            .await
    })
    .await;
    assert_eq!(write.status, 200, "{}", write.text);
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE event = $1",
            MARKER
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_client_that_stalls_its_body_gets_a_timeout_problem() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    let mut stream = raw::connect(app.addr).await;
    let head = raw::head(
        "POST",
        "/auth/login",
        &[
            ("Content-Type", "application/json"),
            ("Content-Length", "200"),
        ],
    );
    let started = Instant::now();
    stream
        .write_all(format!("{head}{{\"email\": \"jan@exa").as_bytes())
        .await
        .expect("a partial request");
    // ...and nothing more: the JSON extractor waits for a body that never comes.
    let reply = raw::read_reply(&mut stream, 5).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.is_problem());
    assert_eq!(reply.code(), "timeout");
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    assert!(
        raw::time_until_closed(&mut stream, Duration::from_secs(3))
            .await
            .is_some(),
        "the connection is closed after the answer"
    );
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected_and_holds_nobody_up() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ServeLimits::default()
    };
    let app = spawn_app_with_limits(&[], limits).await;
    let stream = raw::connect(app.addr).await;
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        let _ = writer
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await;
        // One byte every 100 ms, never ending the head; stops when the server hangs up.
        for _ in 0..100 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    let other = within(5, "another client meanwhile", app.client().get("/health")).await;
    assert_eq!(other.status, 200);

    let closed = within(6, "the trickling client is dropped", async {
        let mut chunk = [0_u8; 256];
        loop {
            match tokio::io::AsyncReadExt::read(&mut reader, &mut chunk).await {
                Ok(0) | Err(_) => break started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed >= Duration::from_millis(800) && closed < Duration::from_secs(4),
        "closed after {closed:?} (header read timeout 1 s)"
    );
    trickle.abort();
}

#[tokio::test]
async fn connections_are_capped_and_idle_ones_are_evicted() {
    let limits = ServeLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(1),
        ..ServeLimits::default()
    };
    let app = spawn_app_with_limits(&[], limits).await;
    // Two connections that never send a byte take both slots.
    let mut idle = [raw::connect(app.addr).await, raw::connect(app.addr).await];
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    let reply = within(6, "a request beyond the cap", app.client().get("/health")).await;
    let waited = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        waited >= Duration::from_millis(500),
        "answered after {waited:?}: the cap of 2 connections did not hold it back"
    );
    for stream in &mut idle {
        assert!(
            raw::time_until_closed(stream, Duration::from_secs(3))
                .await
                .is_some(),
            "an idle connection is closed after the header read timeout"
        );
    }
}

#[test]
fn production_limits_are_the_documented_ones() {
    let limits = ServeLimits::default();
    assert_eq!(limits.max_connections, MAX_CONNECTIONS);
    assert_eq!(MAX_CONNECTIONS, 4096);
    assert_eq!(limits.header_read_timeout, HEADER_READ_TIMEOUT);
    assert_eq!(HEADER_READ_TIMEOUT, Duration::from_secs(10));
    assert_eq!(limits.drain_timeout, DRAIN_TIMEOUT);
    assert_eq!(DRAIN_TIMEOUT, Duration::from_secs(10));
}

/// An app whose cut-off for clients that take no bytes is 2 s, with
/// one database connection for requests, and an account whose export is several MiB (more than
/// the sockets' buffers hold).
async fn app_with_a_large_export() -> (crate::helpers::TestApp, String) {
    let limits = ServeLimits {
        send_stall_timeout: Duration::from_secs(2),
        ..ServeLimits::default()
    };
    // The request timeout stays at its default: on a busy machine registering (Argon2) can take
    // seconds, and only the cut-off for stalled responses is under test here.
    let vars = [("DB_MAX_CONNECTIONS", "1")];
    let app = spawn_app_with_limits(&vars, limits).await;
    let (client, email) = app.signed_in().await;
    let id = user_id(&client).await;
    let mine = seed(&app, id, "Mine").await;
    bulk_logs(&app, id, mine.medication, 30_000, false).await;
    let login = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    (app, login.session_cookie().expect("a session"))
}

/// Sends `GET path` with a small receive buffer, so that the server's writes wait for the client.
async fn request_export(
    app: &crate::helpers::TestApp,
    path: &str,
    cookie: &str,
) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(16 * 1024)
        .expect("a buffer size");
    let mut stream = within(5, "connect", socket.connect(app.addr))
        .await
        .expect("connected");
    let head = raw::head("GET", path, &[("Cookie", cookie)]);
    stream.write_all(head.as_bytes()).await.expect("a request");
    stream
}

/// Reads until the connection ends, pausing `pause` after every `step` bytes; returns the bytes.
async fn read_slowly(stream: &mut tokio::net::TcpStream, step: usize, pause: Duration) -> Vec<u8> {
    let mut taken = Vec::new();
    let mut chunk = vec![0_u8; 16 * 1024];
    let mut since_pause = 0;
    loop {
        match tokio::io::AsyncReadExt::read(stream, &mut chunk).await {
            Ok(0) | Err(_) => break taken,
            Ok(n) => {
                taken.extend_from_slice(&chunk[..n]);
                since_pause += n;
                if since_pause >= step {
                    since_pause = 0;
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_an_export_is_cut_and_holds_up_no_one() {
    let (app, cookie) = app_with_a_large_export().await;
    let client = app.user().await;
    for path in ["/api/v1/me/export", "/api/v1/me/export/fhir"] {
        let mut stream = request_export(&app, path, &cookie).await;
        // Take the head, then nothing for longer than the cut-off.
        let mut head = [0_u8; 512];
        let n = within(
            10,
            "the head",
            tokio::io::AsyncReadExt::read(&mut stream, &mut head),
        )
        .await
        .expect("readable");
        assert!(head[..n].starts_with(b"HTTP/1.1 200"), "{path}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        // Meanwhile the stalled export holds no connection that requests wait for: there is only
        // one here (one reader on SQLite, a pool of one on PostgreSQL).
        for _ in 0..4 {
            let me = within(
                5,
                "a read beside the stalled export",
                client.get("/api/v1/me"),
            )
            .await;
            assert_eq!(me.status, 200, "{path}");
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let rest = within(
            10,
            "the cut connection ends",
            read_slowly(&mut stream, usize::MAX, Duration::ZERO),
        )
        .await;
        assert!(
            !rest.ends_with(b"0\r\n\r\n"),
            "{path}: the response was sent in full ({} bytes), not cut",
            rest.len()
        );
    }
}

#[tokio::test]
async fn a_slow_client_that_keeps_reading_takes_a_whole_export() {
    let (app, cookie) = app_with_a_large_export().await;
    let started = Instant::now();
    let mut stream = request_export(&app, "/api/v1/me/export/fhir", &cookie).await;
    // Never idle as long as the cut-off (2 s), but far longer than it in total.
    let body = within(
        120,
        "a slow download",
        read_slowly(&mut stream, 512 * 1024, Duration::from_millis(500)),
    )
    .await;
    let took = started.elapsed();
    assert!(
        body.ends_with(b"0\r\n\r\n"),
        "the response was cut after {} bytes",
        body.len()
    );
    assert!(
        took > Duration::from_secs(5),
        "took {took:?}: the client was not slow enough to prove it"
    );
    let bundle: serde_json::Value = serde_json::from_slice(&dechunk(&body)).expect("a JSON bundle");
    let statements = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["resource"]["resourceType"] == "MedicationStatement")
        .count();
    assert_eq!(statements, 30_003);
}

/// The body of a chunked HTTP/1.1 response read off the wire (head included).
fn dechunk(response: &[u8]) -> Vec<u8> {
    let mut rest = &response[response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4..];
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).expect("hex"), 16)
            .expect("a chunk size");
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
}
