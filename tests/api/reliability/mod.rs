//! Reliability under faults, load and hostile input. RELIABILITY.md maps each guarantee to the
//! test here that fails when it breaks. Every await that could hang is bounded by [`within`].

mod bodies;
mod concurrency;
mod durability;
mod export_memory;
mod fuzz;
mod outage;
mod panics;
mod parsers;
mod process;
mod raw;
mod records;
mod shutdown;
mod slow_clients;
mod strategies;

use std::{future::Future, time::Duration};

/// Awaits `future`, failing the test when it takes longer than `secs` seconds.
pub async fn within<T>(secs: u64, what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no result within {secs} s"))
}

/// Whether the tests run on PostgreSQL (`TEST_DATABASE_URL=postgres://...`).
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"))
}

/// Serves `routes` inside the service's own layer stack (request id, problem safety net, timeout,
/// panic catcher, sessions...) over `app`'s state, on a port of its own; returns its address.
/// Test-only handlers (one that panics, one that hangs) thus never enter the real router.
pub async fn serve_in_layers(
    app: &crate::helpers::TestApp,
    routes: axum::Router,
) -> std::net::SocketAddr {
    let router = medtracker::app::with_layers(&app.state, routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(medtracker::http::serve::serve(
        listener,
        router,
        medtracker::http::serve::ServeLimits::default(),
        std::future::pending(),
    ));
    addr
}
