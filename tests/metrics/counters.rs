//! Each counter moves by exactly what the requests under test did: the tests of this binary run
//! one at a time, so nothing else counts meanwhile.

use reqwest::Method;
use serde_json::json;

use crate::{
    SerialApp,
    helpers::{Client, PASSWORD, credentials, metric},
    serial_app,
};

/// Reads one series (or the sum of the series matching `labels`) now.
async fn read(app: &SerialApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    metric(&app.metrics().await, name, labels)
}

#[tokio::test]
async fn requests_are_counted_once_by_route_template_and_status() {
    let app = serial_app(&[]).await;
    let client = app.user().await;
    let me = [
        ("method", "GET"),
        ("route", "/api/v1/me"),
        ("status", "200"),
    ];
    let by_id = [
        ("method", "GET"),
        ("route", "/api/v1/medications/{id}"),
        ("status", "404"),
    ];
    let me_timed = [("method", "GET"), ("route", "/api/v1/me")];
    let before = app.metrics().await;

    assert_eq!(client.get("/api/v1/me").await.status, 200);
    assert_eq!(client.get("/api/v1/me").await.status, 200);
    let missing_id = uuid::Uuid::new_v4().to_string();
    let missing = client
        .get(&format!("/api/v1/medications/{missing_id}"))
        .await;
    assert_eq!(missing.status, 404);

    let after = app.metrics().await;
    let increase = |name: &str, labels: &[(&str, &str)]| {
        metric(&after, name, labels) - metric(&before, name, labels)
    };
    assert_eq!(increase("http_requests_total", &me), 2.0);
    assert_eq!(increase("http_requests_total", &by_id), 1.0);
    assert_eq!(
        increase("http_request_duration_seconds_count", &me_timed),
        2.0
    );
    assert!(!after.contains(&missing_id), "a raw path became a label");
}

#[tokio::test]
async fn documentation_routes_are_counted_by_their_template_too() {
    let app = serial_app(&[]).await;
    let labels = [("route", "/openapi.json"), ("status", "200")];
    let before = read(&app, "http_requests_total", &labels).await;

    assert_eq!(app.client().get("/openapi.json").await.status, 200);

    assert_eq!(
        read(&app, "http_requests_total", &labels).await - before,
        1.0
    );
}

#[tokio::test]
async fn sign_in_attempts_are_counted_by_result() {
    let app = serial_app(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (_, email) = app.signed_in().await;
    let result = |text: &str, result: &str| {
        metric(
            text,
            "authentication_attempts_total",
            &[("result", result), ("method", "password")],
        )
    };
    let lockouts = [("event_type", "account_lockout"), ("severity", "medium")];
    let before = app.metrics().await;
    let client = app.client();
    let login = |password: &'static str| {
        let client = client.clone();
        let email = email.clone();
        async move {
            client
                .post(
                    "/auth/login",
                    &json!({"email": email, "password": password}),
                )
                .await
                .status
        }
    };

    assert_eq!(login(PASSWORD).await, 200);
    assert_eq!(login("wrong password 1234").await, 401);
    // The failure that reaches the threshold locks, and counts as locked rather than failed.
    assert_eq!(login("wrong password 1234").await, 423);
    assert_eq!(login(PASSWORD).await, 423);

    let after = app.metrics().await;
    let increase = |name: &str| result(&after, name) - result(&before, name);
    assert_eq!(increase("success"), 1.0);
    assert_eq!(increase("failure"), 1.0);
    assert_eq!(increase("locked"), 2.0);
    let locks = metric(&after, "security_events_total", &lockouts)
        - metric(&before, "security_events_total", &lockouts);
    assert_eq!(locks, 1.0, "one lock was started");
}

#[tokio::test]
async fn session_status_checks_are_counted_by_validity() {
    let app = serial_app(&[]).await;
    let valid = |text: &str, v: &str| metric(text, "session_status_checks_total", &[("valid", v)]);
    let signed_in = app.user().await;
    let before = app.metrics().await;

    app.client().get("/auth/session").await;
    app.client().get("/auth/session").await;
    signed_in.get("/auth/session").await;

    let after = app.metrics().await;
    assert_eq!(valid(&after, "true") - valid(&before, "true"), 1.0);
    assert_eq!(valid(&after, "false") - valid(&before, "false"), 2.0);
}

#[tokio::test]
async fn demo_creations_are_counted() {
    let app = serial_app(&[]).await;
    let labels = [("success", "true")];
    let before = read(&app, "demo_session_creations_total", &labels).await;

    assert_eq!(app.client().post_empty("/auth/demo").await.status, 201);

    let after = read(&app, "demo_session_creations_total", &labels).await;
    assert_eq!(after - before, 1.0);
}

#[tokio::test]
async fn refused_origins_are_security_events() {
    let app = serial_app(&[]).await;
    let labels = [("event_type", "origin_rejected"), ("severity", "medium")];
    let before = read(&app, "security_events_total", &labels).await;

    let refused = app
        .client()
        .request(
            Method::POST,
            "/auth/login",
            None,
            &[("origin", "https://evil.example")],
        )
        .await;

    assert_eq!(refused.status, 403);
    let after = read(&app, "security_events_total", &labels).await;
    assert_eq!(after - before, 1.0);
}

#[tokio::test]
async fn each_rate_limited_request_is_one_security_event() {
    let app = serial_app(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_LOGIN_PER_MIN", "2"),
    ])
    .await;
    let labels = [("event_type", "rate_limit"), ("severity", "low")];
    let before = read(&app, "security_events_total", &labels).await;
    let client = app.client();
    let nobody = credentials("nobody@example.com");
    let login = || client.post("/auth/login", &nobody);

    assert_eq!(login().await.status, 401);
    assert_eq!(login().await.status, 401);
    assert_eq!(login().await.status, 429);
    assert_eq!(login().await.status, 429);

    let after = read(&app, "security_events_total", &labels).await;
    assert_eq!(after - before, 2.0);
}

#[tokio::test]
async fn each_request_over_an_accounts_limit_is_one_security_event() {
    let app = serial_app(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_ACCOUNT_PER_MIN", "2"),
    ])
    .await;
    let labels = [("event_type", "rate_limit"), ("severity", "low")];
    let client = app.user().await;
    let before = read(&app, "security_events_total", &labels).await;

    for expected in [200, 200, 429, 429, 429] {
        assert_eq!(client.get("/api/v1/me").await.status, expected);
    }

    let after = read(&app, "security_events_total", &labels).await;
    assert_eq!(after - before, 3.0);
}

async fn created(client: &Client, path: &str, body: serde_json::Value) {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
}

#[tokio::test]
async fn each_created_log_is_counted_once() {
    let app = serial_app(&[]).await;
    let client = app.user().await;
    let medication = client
        .post("/api/v1/medications", &json!({"name": "Ibuprofen"}))
        .await
        .body["id"]
        .clone();
    let symptom_type = client
        .post("/api/v1/symptom-types", &json!({"name": "Headache"}))
        .await
        .body["id"]
        .clone();
    let before = app.metrics().await;

    for _ in 0..2 {
        let body = json!({"medication_id": medication});
        created(&client, "/api/v1/logs/medications", body).await;
    }
    let body = json!({"symptom_type_id": symptom_type, "severity": 3});
    created(&client, "/api/v1/logs/symptoms", body).await;
    // A refused log is not counted.
    let refused = client
        .post(
            "/api/v1/logs/medications",
            &json!({"medication_id": medication, "effectiveness": 9}),
        )
        .await;
    assert_eq!(refused.status, 422);

    let after = app.metrics().await;
    let increase = |name: &str| metric(&after, name, &[]) - metric(&before, name, &[]);
    assert_eq!(increase("medication_logs_created_total"), 2.0);
    assert_eq!(increase("symptom_logs_created_total"), 1.0);
}
