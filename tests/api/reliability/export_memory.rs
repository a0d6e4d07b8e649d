//! Exports stream (through a temporary file): a client that stops reading one is cut after `REQUEST_TIMEOUT_SECS` without
//! progress, and neither the stalled responses nor their cut-off leave memory behind. Measured on
//! the real binary (its resident set size), with 100 000 logs in the account.

use std::time::Duration;

use medtracker::http::serve::ServeLimits;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{
    process::{Server, SqliteFiles},
    raw, within,
};
use crate::{
    helpers::{credentials, fresh_database, spawn_on},
    records::{bulk_logs, seed, user_id},
};

const STALLED_CLIENTS: usize = 16;
const MIB: u64 = 1024 * 1024;

/// The process's resident set size, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line");
    kib * 1024
}

fn cut_offs(server: &Server) -> usize {
    server
        .logs()
        .iter()
        .filter(|line| line.contains("cut a response its client stopped taking"))
        .count()
}

/// Requests `path` and reads only the response head, then nothing more.
async fn stall_on(server: &Server, path: &str, cookie: &str) -> TcpStream {
    let mut stream = raw::connect(server.addr).await;
    let head = raw::head("GET", path, &[("Cookie", cookie)]);
    stream.write_all(head.as_bytes()).await.expect("a request");
    let mut first = [0_u8; 1024];
    let n = within(30, "the response head", stream.read(&mut first))
        .await
        .expect("a readable stream");
    assert!(
        first[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first[..n])
    );
    stream
}

/// Reads what is left; returns the bytes taken and whether the body was complete (chunked
/// encoding's last chunk), failing if the connection stays open.
async fn drain(mut stream: TcpStream) -> (usize, bool) {
    let mut taken = Vec::new();
    let mut chunk = vec![0_u8; 64 * 1024];
    within(20, "the cut connection ends", async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => taken.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    (taken.len(), taken.ends_with(b"0\r\n\r\n"))
}

#[tokio::test]
async fn clients_that_stop_reading_exports_are_cut_and_memory_returns_to_idle() {
    let (url, file) = fresh_database().await;
    let _files = SqliteFiles(file);
    // The account, seeded through an in-process server on the same database.
    let seeder = spawn_on(&url, None, &[], ServeLimits::default()).await;
    let (client, email) = seeder.signed_in().await;
    let id = user_id(&client).await;
    let mine = seed(&seeder, id, "Mine").await;
    bulk_logs(&seeder, id, mine.medication, 60_000, false).await;
    bulk_logs(&seeder, id, mine.symptom_type, 40_000, true).await;
    seeder.stop().await;

    let server = Server::start(
        &url,
        &[("REQUEST_TIMEOUT_SECS", "5"), ("DB_MAX_CONNECTIONS", "20")],
    )
    .await;
    let login = server
        .client()
        .post("/auth/login", &credentials(&email))
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let cookie = login.session_cookie().expect("a session");
    let reader = server.client();
    let signed_in = reader.post("/auth/login", &credentials(&email)).await;
    assert_eq!(signed_in.status, 200);
    // Whole exports read by a willing client first, so that the idle level includes what any
    // export leaves warm (allocator arenas, prepared statements).
    let mut sizes = Vec::new();
    let mut entries = 0;
    for path in ["/api/v1/me/export", "/api/v1/me/export/fhir"] {
        let full = reader.get(path).await;
        assert_eq!(full.status, 200, "{path}");
        sizes.push(full.text.len() as u64);
        entries = full.body["entry"].as_array().map_or(0, Vec::len);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss(server.pid());

    let mut rounds = Vec::new();
    for round in 1..=2 {
        let (peak, after) = stall_and_cut(&server, &cookie, round, &sizes).await;
        rounds.push((peak, after));
        eprintln!(
            "exports of {} and {} MiB; RSS idle {} MiB; round {round} of {STALLED_CLIENTS} stalled clients: peak {} MiB, after the cut {} MiB",
            sizes[0] / MIB,
            sizes[1] / MIB,
            idle / MIB,
            peak / MIB,
            after / MIB
        );
    }
    let (first_peak, first_after) = rounds[0];
    let (second_peak, second_after) = rounds[1];
    // Buffered, the stalled responses would hold 16 whole documents (over 600 MiB here).
    for peak in [first_peak, second_peak] {
        assert!(
            peak.saturating_sub(idle) < 64 * MIB,
            "{} MiB over idle while clients stalled",
            peak.saturating_sub(idle) / MIB
        );
    }
    // The allocator keeps freed pages for reuse rather than returning them to the system, so
    // what the first round used stays resident. That it was freed shows in the second round, which
    // reuses it: had the first round's buffers leaked, the second would add as much again.
    let first_round = first_peak.saturating_sub(idle);
    assert!(
        second_after.saturating_sub(first_after) < first_round / 2,
        "{} MiB more after a second round (the first took {} MiB): what it held was not freed",
        second_after.saturating_sub(first_after) / MIB,
        first_round / MIB
    );
    // And the server is well: a new export is served in full (on a new connection: the idle one
    // of `reader` was closed by the header read timeout meanwhile).
    let fresh = server.client();
    let signed_in = fresh.post("/auth/login", &credentials(&email)).await;
    assert_eq!(signed_in.status, 200);
    let again = fresh.get("/api/v1/me/export/fhir").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["entry"].as_array().map(Vec::len), Some(entries));
}

/// Sends `STALLED_CLIENTS` export requests that never read, waits until all are cut, checks each
/// got an incomplete body, and returns the RSS peak meanwhile and the RSS after the cut.
async fn stall_and_cut(server: &Server, cookie: &str, round: usize, sizes: &[u64]) -> (u64, u64) {
    let mut stalled = Vec::new();
    for n in 0..STALLED_CLIENTS {
        let path = if n % 2 == 0 {
            "/api/v1/me/export"
        } else {
            "/api/v1/me/export/fhir"
        };
        stalled.push(stall_on(server, path, cookie).await);
    }
    let mut peak = 0;
    within(90, "every stalled response is cut", async {
        while cut_offs(server) < STALLED_CLIENTS * round {
            peak = peak.max(rss(server.pid()));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss(server.pid());
    let smallest = sizes.iter().copied().min().unwrap_or_default();
    for stream in stalled {
        let (taken, complete) = drain(stream).await;
        assert!(!complete, "a cut response must not look complete");
        assert!(
            (taken as u64) < smallest,
            "the client got {taken} bytes: it was not cut"
        );
    }
    (peak.max(after), after)
}
