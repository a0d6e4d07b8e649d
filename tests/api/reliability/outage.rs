//! Database outages: while PostgreSQL is gone (stopped: connections reset and refused) or refuses
//! this database's connections, requests fail fast with 503 problem+json `unavailable` and
//! `/health/ready` says 503; when it is back, the same process recovers, sessions included.
//! PostgreSQL only: SQLite is a file inside the process and cannot be down on its own.

use std::{future::Future, net::SocketAddr, time::Duration};

use medtracker::http::serve::ServeLimits;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
    time::Instant,
};

use super::{on_postgres, within};
use crate::helpers::{
    Client, PASSWORD, Reply, TestApp, fresh_database, spawn_app_with, spawn_on, unique_email,
};

/// `DB_ACQUIRE_TIMEOUT_SECS=1`, plus the time to answer.
const FAST: Duration = Duration::from_millis(2500);
const VARS: &[(&str, &str)] = &[("DB_ACQUIRE_TIMEOUT_SECS", "1")];

/// These tests are ignored by default and run with `--include-ignored` where PostgreSQL is: a
/// SQLite file inside the process cannot go down on its own, so on SQLite they prove nothing.
fn require_postgres() {
    assert!(
        on_postgres(),
        "database outage tests need PostgreSQL (set TEST_DATABASE_URL)"
    );
}

async fn timed(
    what: &'static str,
    request: impl Future<Output = Reply>,
) -> (&'static str, Reply, Duration) {
    let started = Instant::now();
    let reply = within(10, what, request).await;
    (what, reply, started.elapsed())
}

/// Every kind of request answers 503 `unavailable` quickly; liveness stays 200.
async fn assert_unavailable(app: &TestApp, client: &Client, email: &str, register: &Value) {
    let (anonymous, newcomer) = (app.client(), app.client());
    let login = json!({"email": email, "password": PASSWORD});
    let patch = json!({"display_name": "during the outage"});
    let replies = tokio::join!(
        timed("GET /health/ready", anonymous.get("/health/ready")),
        timed("GET /api/v1/me", client.get("/api/v1/me")),
        timed("PATCH /api/v1/me", client.patch("/api/v1/me", &patch)),
        timed("POST /auth/login", anonymous.post("/auth/login", &login)),
        timed(
            "POST /auth/register",
            newcomer.post("/auth/register", register)
        ),
    );
    let (a, b, c, d, e) = replies;
    for (what, reply, took) in [a, b, c, d, e] {
        assert_eq!(reply.status, 503, "{what}: {}", reply.text);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert_eq!(reply.code(), "unavailable", "{what}: {}", reply.text);
        assert!(took < FAST, "{what} took {took:?}");
    }
    assert_eq!(anonymous.get("/health").await.status, 200, "liveness");
}

/// Readiness comes back, the session outlived the outage, and what was refused was not half-done.
async fn assert_recovered(app: &TestApp, client: &Client, register: &Value) {
    within(15, "readiness after the outage", async {
        while app.client().get("/health/ready").await.status != 200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let me = client.get("/api/v1/me").await;
    assert_eq!(
        me.status, 200,
        "the session outlived the outage: {}",
        me.text
    );
    let patched = client
        .patch("/api/v1/me", &json!({"display_name": "back"}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let registered = app.client().post("/auth/register", register).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_database_that_refuses_connections_gives_fast_503s_then_recovers() {
    require_postgres();
    let app = spawn_app_with(VARS).await;
    let (client, email) = app.signed_in().await;
    let database = app
        .database_url
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned();
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .expect("an admin connection");
    let register = json!({"email": unique_email(), "password": PASSWORD});

    let refuse = format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false");
    sqlx::query(&refuse)
        .execute(&mut admin)
        .await
        .expect("refuse connections");
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .execute(&mut admin)
    .await
    .expect("the app's connections are terminated");
    assert_unavailable(&app, &client, &email, &register).await;
    // A second round: nothing was cached from the first.
    assert_unavailable(&app, &client, &email, &register).await;

    let allow = format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true");
    sqlx::query(&allow)
        .execute(&mut admin)
        .await
        .expect("allow connections");
    assert_recovered(&app, &client, &register).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn a_stopped_database_gives_fast_503s_then_the_process_recovers_when_it_returns() {
    require_postgres();
    let (direct_url, _) = fresh_database().await;
    let proxy = Proxy::start(upstream_of(&direct_url)).await;
    let app = spawn_on(
        &proxy.url_for(&direct_url),
        None,
        VARS,
        ServeLimits::default(),
    )
    .await;
    let (client, email) = app.signed_in().await;
    let register = json!({"email": unique_email(), "password": PASSWORD});

    proxy.stop();
    assert_unavailable(&app, &client, &email, &register).await;
    proxy.resume().await;
    assert_recovered(&app, &client, &register).await;
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn upstream_of(url: &str) -> SocketAddr {
    let authority = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next());
    authority.and_then(|a| a.parse().ok()).expect("a host:port")
}

/// A TCP relay in front of PostgreSQL. Stopped, it resets every relayed connection and refuses
/// new ones (its port is closed), as a stopped server does; resumed, it listens on the same port.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: watch::Sender<bool>,
    acceptor: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let proxy = Self {
            addr: listener.local_addr().expect("an address"),
            upstream,
            running: watch::channel(true).0,
            acceptor: std::sync::Mutex::new(None),
        };
        proxy.accept_on(listener);
        proxy
    }

    fn url_for(&self, direct_url: &str) -> String {
        direct_url.replace(&self.upstream.to_string(), &self.addr.to_string())
    }

    fn accept_on(&self, listener: TcpListener) {
        let (upstream, running) = (self.upstream, self.running.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut stopped = running.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = stopped.wait_for(|running| !running) => {}
                    }
                });
            }
        });
        if let Ok(mut slot) = self.acceptor.lock() {
            *slot = Some(acceptor);
        }
    }

    fn stop(&self) {
        if let Some(acceptor) = self.acceptor.lock().ok().and_then(|mut a| a.take()) {
            acceptor.abort();
        }
        self.running.send_replace(false);
    }

    async fn resume(&self) {
        self.running.send_replace(true);
        let listener = within(5, "rebinding the relay's port", async {
            loop {
                match TcpListener::bind(self.addr).await {
                    Ok(listener) => return listener,
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
        .await;
        self.accept_on(listener);
    }
}
