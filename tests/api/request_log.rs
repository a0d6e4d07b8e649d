//! The request log: one line per request, in the request's span, with its id, method, route
//! template, status, latency and account; 499 when the client went away first.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    middleware,
    routing::{get, post},
};
use futures_util::StreamExt;
use medtracker::{config::LogFormat, error::ApiError, http};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    helpers::{CapturedLogs, Client, credentials, spawn_app},
    reliability::serve_in_layers,
};

/// A request id of this test's own, so that its lines are told apart from any other's.
fn fresh_request_id() -> String {
    format!("log-test-{}", uuid::Uuid::new_v4().simple())
}

fn the_request_line(request_id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |line| {
        line["request_id"] == json!(request_id)
            && line["status"].is_u64()
            && line["route"].is_string()
    }
}

#[tokio::test]
async fn each_request_logs_one_json_line_with_every_field() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let client = app.user().await;
    let me = client.get("/api/v1/me").await.body["user"]["id"].clone();
    let request_id = fresh_request_id();

    let reply = client
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&json!({"display_name": "Jan"})),
            &[("X-Request-Id", &request_id)],
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let line = logs.json_line(the_request_line(&request_id)).await;
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["message"], "response sent");
    assert_eq!(line["method"], "PATCH");
    assert_eq!(line["route"], "/api/v1/me");
    assert_eq!(line["path"], "/api/v1/me");
    assert_eq!(line["status"], 200);
    assert_eq!(line["user_id"], me);
    let latency = line["latency_ms"].as_f64().expect("a latency in ms");
    assert!((0.0..30_000.0).contains(&latency), "{latency}");
    // Written inside the request's span, like every other line of the request; its fields are
    // listed once, under `spans`.
    assert_eq!(line["spans"][0]["name"], "request");
    assert_eq!(line["spans"][0]["request_id"], json!(request_id));
    assert!(line.get("span").is_none(), "{line}");
    let lines_of_the_request = logs
        .json_lines()
        .into_iter()
        .filter(|l| l["request_id"] == json!(request_id))
        .count();
    assert_eq!(lines_of_the_request, 1, "{}", logs.text());
}

#[tokio::test]
async fn the_route_is_the_template_and_anonymous_requests_have_no_account() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let anonymous = app.client();
    let missing = uuid::Uuid::new_v4();
    let cases = [
        (
            format!("/api/v1/medications/{missing}"),
            "/api/v1/medications/{id}",
            401,
        ),
        ("/nowhere/at/all?q=secret".to_owned(), "unmatched", 404),
    ];
    for (path, route, status) in cases {
        let request_id = fresh_request_id();
        let reply = anonymous
            .request(Method::GET, &path, None, &[("X-Request-Id", &request_id)])
            .await;
        assert_eq!(reply.status, status);

        let line = logs.json_line(the_request_line(&request_id)).await;
        assert_eq!(line["route"], route);
        // The path as requested, without its query string (search terms stay out of the log).
        let without_query = path.split('?').next().unwrap_or_default();
        assert_eq!(line["path"], without_query);
        assert_eq!(line["status"], status);
        assert_eq!(line["level"], "INFO");
        assert!(line.get("user_id").is_none(), "{line}");
    }
}

#[tokio::test]
async fn a_sign_in_logs_its_account_and_shares_the_span_with_the_audit_event() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let me = client.get("/api/v1/me").await.body["user"]["id"].clone();
    let request_id = fresh_request_id();

    let reply = app
        .client()
        .request(
            Method::POST,
            "/auth/login",
            Some(&credentials(&email)),
            &[("X-Request-Id", &request_id)],
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let line = logs.json_line(the_request_line(&request_id)).await;
    assert_eq!(line["route"], "/auth/login");
    assert_eq!(line["user_id"], me);
    // The audit event is written inside the same request span (and a span of the session layer).
    let in_the_request = |l: &Value| {
        l["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(|s| *s == line["spans"][0]))
    };
    let audit = logs
        .json_line(|l| l["event"] == "auth.login.success" && in_the_request(l))
        .await;
    assert_eq!(audit["spans"][0]["request_id"], json!(request_id));
    assert!(!logs.text().contains(&email), "a full email was logged");
}

#[tokio::test]
async fn probes_and_scrapes_log_at_debug() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let client = app.client();
    for path in ["/health", "/health/ready", "/metrics"] {
        let request_id = fresh_request_id();
        let reply = client
            .request(Method::GET, path, None, &[("X-Request-Id", &request_id)])
            .await;
        assert_eq!(reply.status, 200);

        let line = logs.json_line(the_request_line(&request_id)).await;
        assert_eq!(line["level"], "DEBUG", "{path}");
        assert_eq!(line["route"], path);
    }
}

async fn fails() -> ApiError {
    ApiError::internal("a failure made by the test")
}

async fn hangs() -> &'static str {
    std::future::pending().await
}

/// A body that never ends: the client decides when the response stops.
async fn endless() -> Body {
    let chunk = axum::body::Bytes::from(vec![b'x'; 16 * 1024]);
    let chunks = futures_util::stream::repeat(chunk).map(Ok::<_, std::io::Error>);
    Body::from_stream(chunks)
}

/// Test-only routes inside the service's layer stack, with their route templates noted as the
/// service's own routes have them.
fn test_routes(app: &crate::helpers::TestApp) -> Router {
    Router::new()
        .route("/fails", post(fails))
        .route("/hangs", get(hangs))
        .route("/endless", get(endless))
        .route_layer(middleware::from_fn(http::metrics::remember_route))
        .with_state(app.state.clone())
}

#[tokio::test]
async fn a_server_error_logs_at_error() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let addr = serve_in_layers(&app, test_routes(&app)).await;
    let request_id = fresh_request_id();

    let reply = Client::new(&format!("http://{addr}"))
        .request(
            Method::POST,
            "/fails",
            None,
            &[("X-Request-Id", &request_id)],
        )
        .await;

    assert_eq!(reply.status, 500);
    let line = logs.json_line(the_request_line(&request_id)).await;
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["status"], 500);
    assert_eq!(line["route"], "/fails");
}

#[tokio::test]
async fn a_client_that_leaves_before_the_answer_is_logged_with_499() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let addr = serve_in_layers(&app, test_routes(&app)).await;
    let request_id = fresh_request_id();

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("a client");
    let gave_up = impatient
        .get(format!("http://{addr}/hangs"))
        .header("X-Request-Id", &request_id)
        .send()
        .await;

    assert!(gave_up.is_err_and(|e| e.is_timeout()));
    let line = logs.json_line(the_request_line(&request_id)).await;
    assert_eq!(line["status"], 499);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["route"], "/hangs");
    assert_eq!(line["message"], "client went away before the response");
}

#[tokio::test]
async fn a_client_that_stops_reading_the_body_is_logged_with_499() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Json);
    let app = spawn_app().await;
    let addr = serve_in_layers(&app, test_routes(&app)).await;
    let request_id = fresh_request_id();

    let mut connection = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("GET /endless HTTP/1.1\r\nHost: {addr}\r\nX-Request-Id: {request_id}\r\n\r\n");
    connection
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut start = vec![0; 4096];
    let read = connection
        .read(&mut start)
        .await
        .expect("the answer starts");
    assert!(String::from_utf8_lossy(&start[..read]).starts_with("HTTP/1.1 200"));
    drop(connection);

    let line = logs.json_line(the_request_line(&request_id)).await;
    assert_eq!(line["status"], 499);
    assert_eq!(line["route"], "/endless");
    assert_eq!(line["message"], "client stopped reading the response");
}

#[tokio::test]
async fn the_pretty_format_has_the_same_fields_and_no_colour_codes() {
    let logs = CapturedLogs::default();
    let _logging = logs.install(LogFormat::Pretty);
    let app = spawn_app().await;
    let client = app.user().await;
    let request_id = fresh_request_id();

    let reply = client
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            &[("X-Request-Id", &request_id)],
        )
        .await;

    assert_eq!(reply.status, 200);
    let me = reply.body["user"]["id"].as_str().expect("an id").to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let line = loop {
        let text = logs.text();
        if let Some(line) = text
            .lines()
            .find(|l| l.contains("response sent") && l.contains(&request_id))
        {
            break line.to_owned();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no request line in:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for field in [
        format!("request_id={request_id}"),
        "method=GET".to_owned(),
        "route=/api/v1/me".to_owned(),
        "status=200".to_owned(),
        "latency_ms=".to_owned(),
        format!("user_id={me}"),
    ] {
        assert!(line.contains(&field), "{field} in {line}");
    }
    assert!(line.contains(" INFO "), "{line}");
    assert!(!logs.text().contains('\u{1b}'), "colour codes in the log");
}
