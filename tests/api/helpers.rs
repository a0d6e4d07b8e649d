#![allow(dead_code)] // helpers are shared by all test modules; not every one uses each

//! Test harness: each test starts the real server on port 0 over a fresh database (a SQLite file
//! by default; a fresh PostgreSQL database when `TEST_DATABASE_URL=postgres://...`), and talks
//! to it over HTTP with a cookie-aware client, as a browser would.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use medtracker::{
    app::App,
    config::{Config, LogFormat},
    http::serve::ServeLimits,
    state::AppState,
    telemetry,
    types::Timestamp,
};
use reqwest::{Method, header::HeaderMap};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub state: AppState,
    pub database_url: String,
    sqlite_file: Option<PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A response, read in full: status, headers and JSON body (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem+json `code`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// Fields named in a 422's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` header.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `Set-Cookie` header of the `session` cookie, if this response sets one.
    pub fn session_set_cookie(&self) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|c| c.starts_with("session="))
    }

    /// `session=<value>`, ready to send back in a `Cookie` header.
    pub fn session_cookie(&self) -> Option<String> {
        self.session_set_cookie()
            .and_then(|c| c.split(';').next().map(str::to_owned))
    }
}

/// A browser-like client with its own cookie jar: one per signed-in person.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

/// No request of the suite may hang: a server that stops answering fails the test instead.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    /// A client with an empty cookie jar for the server at `base` (`http://host:port`).
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("a client"),
            base: base.to_owned(),
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.try_request(method, path, body, headers)
            .await
            .expect("the server answers")
    }

    /// Like [`Client::request`], for tests where the server may be gone (killed, stopping).
    pub async fn try_request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
            text,
        })
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.request(Method::POST, path, Some(body), &[]).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.request(Method::POST, path, None, &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.request(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str) -> Reply {
        self.request(Method::PUT, path, None, &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None, &[]).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }
}

pub const PASSWORD: &str = "violet harbour engine 42";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, unique email address.
pub fn unique_email() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "user{n}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

impl TestApp {
    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client without a cookie jar: it sends only the `Cookie` headers a test passes it.
    pub fn bare_client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            base: self.base.clone(),
        }
    }

    /// The `/metrics` text (no token).
    pub async fn metrics(&self) -> String {
        let reply = self.client().get("/metrics").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.text
    }

    /// A newly registered, signed-in account: its client and its email.
    pub async fn signed_in(&self) -> (Client, String) {
        let client = self.client();
        let email = unique_email();
        let reply = client
            .post(
                "/auth/register",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 201, "register: {}", reply.text);
        (client, email)
    }

    /// A second session of an existing account: a fresh client signed in as `email`.
    pub async fn signed_in_as(&self, email: &str) -> Client {
        let client = self.client();
        let reply = client
            .post(
                "/auth/login",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 200, "login: {}", reply.text);
        client
    }

    /// A signed-in client, when the email does not matter.
    pub async fn user(&self) -> Client {
        self.signed_in().await.0
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// The server with test defaults (rate limiting off).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The server with extra or overriding environment variables.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    let (database_url, sqlite_file) = fresh_database().await;
    spawn_on(&database_url, sqlite_file, vars, ServeLimits::default()).await
}

/// The server with shortened accept-loop limits (header read timeout, connection cap, drain).
pub async fn spawn_app_with_limits(vars: &[(&str, &str)], limits: ServeLimits) -> TestApp {
    let (database_url, sqlite_file) = fresh_database().await;
    spawn_on(&database_url, sqlite_file, vars, limits).await
}

/// A second server over the same database (a replica).
pub async fn spawn_replica(of: &TestApp, vars: &[(&str, &str)]) -> TestApp {
    spawn_on(&of.database_url, None, vars, ServeLimits::default()).await
}

pub async fn spawn_on(
    database_url: &str,
    sqlite_file: Option<PathBuf>,
    vars: &[(&str, &str)],
    limits: ServeLimits,
) -> TestApp {
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", database_url),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("APP_ENV", "test"),
        ("RATE_LIMIT_ENABLED", "false"),
        ("DB_MAX_CONNECTIONS", "4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in vars {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_vars(&env).expect("a valid test configuration");
    if std::env::var_os("TEST_LOG").is_some() {
        medtracker::telemetry::init_logging(&config);
    }
    let app = App::build(config)
        .await
        .expect("the app starts")
        .with_serve_limits(limits);
    let addr = app.local_addr().expect("a bound address");
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        base: format!("http://{addr}"),
        state,
        database_url: database_url.to_owned(),
        sqlite_file,
        shutdown: Some(tx),
        server: Some(server),
    }
}

/// A new empty database: a temporary SQLite file, or a new database on the PostgreSQL server
/// named by `TEST_DATABASE_URL`.
pub async fn fresh_database() -> (String, Option<PathBuf>) {
    let name = format!("medtracker_test_{}", uuid::Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("the test PostgreSQL answers");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("a test database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), None)
        }
        _ => {
            let dir = std::env::temp_dir().join("medtracker-tests");
            std::fs::create_dir_all(&dir).expect("a temp dir");
            let file = dir.join(format!("{name}.db"));
            (format!("sqlite://{}", file.display()), Some(file))
        }
    }
}

/// Runs a SQL count on the test database (for "no row remains" checks).
pub async fn count_rows(app: &TestApp, sql: &str, bind: &str) -> i64 {
    use medtracker::db::Db;
    match &app.state.db {
        Db::Sqlite(db) => sqlx::query_scalar(sql)
            .bind(bind)
            .fetch_one(&db.readers)
            .await
            .expect("count"),
        Db::Postgres(pool) => sqlx::query_scalar(sql)
            .bind(bind)
            .fetch_one(pool)
            .await
            .expect("count"),
    }
}

/// The sum of the samples of metric `name` whose labels include every pair in `labels`.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| series_labels.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

/// One stored audit event: its name, masked email, reason, request id and whether it has an account.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub event: String,
    pub email_masked: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub has_user: bool,
    /// Which document an export wrote.
    pub format: Option<String>,
}

/// Every row of `audit_events`, oldest first.
pub async fn audit_rows(app: &TestApp) -> Vec<AuditRow> {
    use medtracker::db::Db;
    const SQL: &str = "SELECT event, email_masked, reason, request_id, \
                       CASE WHEN user_id IS NULL THEN 'no' ELSE 'yes' END, format \
                       FROM audit_events ORDER BY occurred_at, id";
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = match &app.state.db {
        Db::Sqlite(db) => sqlx::query_as(SQL).fetch_all(&db.readers).await,
        Db::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await,
    }
    .expect("audit rows");
    rows.into_iter()
        .map(
            |(event, email_masked, reason, request_id, has_user, format)| AuditRow {
                event,
                email_masked,
                reason,
                request_id,
                has_user: has_user == "yes",
                format,
            },
        )
        .collect()
}

/// `{"email": email, "password": PASSWORD}`: a register or login body.
pub fn credentials(email: &str) -> Value {
    json!({"email": email, "password": PASSWORD})
}

/// Log output captured for one test: install it on the test's thread (a `#[tokio::test]` runs
/// the server it spawns on that same thread), then read what the server logged.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

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

impl<'writer> MakeWriter<'writer> for CapturedLogs {
    type Writer = Self;

    fn make_writer(&'writer self) -> Self {
        self.clone()
    }
}

impl CapturedLogs {
    /// The service's own subscriber in `format`, at every level, writing here until the guard
    /// is dropped.
    pub fn install(&self, format: LogFormat) -> DefaultGuard {
        let subscriber =
            telemetry::subscriber(format, EnvFilter::new("debug"), false, self.clone());
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|logs| String::from_utf8_lossy(&logs).into_owned())
            .unwrap_or_default()
    }

    /// Every line that is a JSON object.
    pub fn json_lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The first JSON line that `wanted` accepts, waiting up to 5 s for it (some lines are
    /// written when a connection ends, a moment after the client has its answer).
    pub async fn json_line(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(line) = self.json_lines().into_iter().find(|line| wanted(line)) {
                return line;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no such log line in:\n{}",
                self.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A fixed instant well in the past, so that times derived from it never meet the future rules.
pub const BASE_INSTANT: &str = "2025-11-27T08:00:00Z";
pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;

/// An RFC 3339 instant (for records written straight to the database, and for comparisons).
pub fn instant(raw: &str) -> Timestamp {
    Timestamp::parse_rfc3339(raw).expect("a valid RFC 3339 instant")
}

/// [`BASE_INSTANT`] plus `offset_millis`, rendered as the API renders times.
pub fn at(offset_millis: i64) -> String {
    Timestamp::from_millis(instant(BASE_INSTANT).as_millis() + offset_millis).to_string()
}

/// Now plus `offset_millis`, rendered as the API renders times.
pub fn from_now(offset_millis: i64) -> String {
    Timestamp::now().plus_millis(offset_millis).to_string()
}

/// The `field` of every item of a list answer (`{"items": [...]}`).
fn each_item(list: &Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list answer: {list}"))
        .iter()
        .map(|item| item[field].as_str().expect("a string field").to_owned())
        .collect()
}

/// The names of a list answer's items, in its order.
pub fn names(list: &Value) -> Vec<String> {
    each_item(list, "name")
}

/// The ids of a list answer's items, in its order.
pub fn ids(list: &Value) -> Vec<String> {
    each_item(list, "id")
}

impl Client {
    /// The names of the items listed at `path`, which must answer 200.
    pub async fn names(&self, path: &str) -> Vec<String> {
        let reply = self.get(path).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
        names(&reply.body)
    }
}
