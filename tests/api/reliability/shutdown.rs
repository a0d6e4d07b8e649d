//! SIGTERM drains: requests in flight finish and are stored, new connections are refused at once,
//! the exit code is 0; a request that never finishes holds the exit back at most the drain timeout.

use std::{io::ErrorKind, net::SocketAddr, time::Duration};

use medtracker::http::serve::DRAIN_TIMEOUT;
use serde_json::json;
use tokio::{io::AsyncWriteExt, net::TcpStream, time::Instant};

use super::{
    process::{Server, SqliteFiles},
    raw, within,
};
use crate::helpers::{Client, PASSWORD, fresh_database, unique_email};

/// Sends a registration's head and the first half of its body, and returns the stream and the rest.
async fn start_registration(addr: SocketAddr, email: &str) -> (TcpStream, Vec<u8>) {
    let body = json!({"email": email, "password": PASSWORD})
        .to_string()
        .into_bytes();
    let length = body.len().to_string();
    let head = raw::head(
        "POST",
        "/auth/register",
        &[
            ("Content-Type", "application/json"),
            ("Content-Length", &length),
        ],
    );
    let mut stream = raw::connect(addr).await;
    let (first, rest) = body.split_at(body.len() / 2);
    stream
        .write_all(&[head.as_bytes(), first].concat())
        .await
        .expect("a partial request");
    (stream, rest.to_vec())
}

async fn wait_until_refused(addr: SocketAddr) {
    within(5, "new connections are refused", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(err) if err.kind() == ErrorKind::ConnectionRefused => return,
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0() {
    let (database_url, sqlite_file) = fresh_database().await;
    let _cleanup = SqliteFiles(sqlite_file);
    let mut server = Server::start(&database_url, &[]).await;
    let email = unique_email();
    let (mut in_flight, rest) = start_registration(server.addr, &email).await;
    // Let the server read the head and enter the handler, which waits for the body.
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.terminate();
    wait_until_refused(server.addr).await;
    in_flight
        .write_all(&rest)
        .await
        .expect("the rest of the body");
    let reply = raw::read_reply(&mut in_flight, 10).await;
    assert_eq!(
        reply.status, 201,
        "the request in flight finishes: {reply:?}"
    );
    let status = server.wait_exit(15).await;
    assert_eq!(status.code(), Some(0), "logs: {:?}", server.logs());

    // What the drained request wrote is all there.
    let server = Server::start(&database_url, &[]).await;
    let login = server
        .client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_finishes_holds_the_exit_back_only_for_the_drain_timeout() {
    let (database_url, sqlite_file) = fresh_database().await;
    let _cleanup = SqliteFiles(sqlite_file);
    // A request timeout longer than the drain, so that only the drain can end the wait.
    let mut server = Server::start(&database_url, &[("REQUEST_TIMEOUT_SECS", "120")]).await;
    let (_stalled, _never_sent) = start_registration(server.addr, &unique_email()).await;
    // An idle kept-alive connection must not hold the exit back at all.
    let idle = Client::new(&server.base);
    assert_eq!(idle.get("/health").await.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    server.terminate();
    let status = server.wait_exit(DRAIN_TIMEOUT.as_secs() + 10).await;
    let took = started.elapsed();
    assert_eq!(status.code(), Some(0), "logs: {:?}", server.logs());
    assert!(
        took >= DRAIN_TIMEOUT - Duration::from_secs(1)
            && took < DRAIN_TIMEOUT + Duration::from_secs(6),
        "exited {took:?} after SIGTERM (drain timeout {DRAIN_TIMEOUT:?})"
    );
}
