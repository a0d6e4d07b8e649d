//! `/metrics`: every family from start-up, route templates, and the counters the contract names.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, metric, spawn_app, spawn_app_with, unique_email};

const FAMILIES: &[(&str, &str)] = &[
    ("http_requests_total", "counter"),
    ("http_request_duration_seconds", "histogram"),
    ("authentication_attempts_total", "counter"),
    ("session_status_checks_total", "counter"),
    ("demo_session_creations_total", "counter"),
    ("security_events_total", "counter"),
    ("medication_logs_created_total", "counter"),
    ("symptom_logs_created_total", "counter"),
    ("db_pool_connections", "gauge"),
];

#[tokio::test]
async fn every_family_has_help_and_type_from_the_start() {
    let app = spawn_app().await;
    let reply = app.client().get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain")),
        "{:?}",
        reply.header("content-type")
    );
    for (name, kind) in FAMILIES {
        assert!(
            reply.text.contains(&format!("# HELP {name} ")),
            "no HELP for {name}"
        );
        assert!(
            reply.text.contains(&format!("# TYPE {name} {kind}\n")),
            "no TYPE {kind} for {name}"
        );
    }
    for result in ["success", "failure", "locked"] {
        let series =
            format!("authentication_attempts_total{{result=\"{result}\",method=\"password\"}}");
        assert!(reply.text.contains(&series), "{series}");
    }
    assert!(reply.text.contains("db_pool_connections{state=\"idle\"}"));
    assert!(reply.text.contains("db_pool_connections{state=\"in_use\"}"));
    // Explicit histogram buckets.
    assert!(reply.text.contains("http_request_duration_seconds_bucket{"));
    assert!(reply.text.contains("le=\"0.005\""));
}

#[tokio::test]
async fn requests_are_counted_by_route_template() {
    let app = spawn_app().await;
    let client = app.user().await;
    let labels = [
        ("method", "GET"),
        ("route", "/api/v1/me"),
        ("status", "200"),
    ];
    let before = metric(&app.metrics().await, "http_requests_total", &labels);
    assert_eq!(client.get("/api/v1/me").await.status, 200);
    let missing_id = uuid::Uuid::new_v4().to_string();
    client
        .get(&format!("/api/v1/medications/{missing_id}"))
        .await;
    let text = app.metrics().await;
    assert!(metric(&text, "http_requests_total", &labels) > before);
    assert!(
        metric(
            &text,
            "http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api/v1/me")]
        ) >= 1.0
    );
    assert!(!text.contains(&missing_id), "a raw path became a label");
}

#[tokio::test]
async fn documentation_routes_have_their_template_too() {
    let app = spawn_app().await;
    app.client().get("/openapi.json").await;
    let text = app.metrics().await;
    let labels = [("route", "/openapi.json"), ("status", "200")];
    assert!(metric(&text, "http_requests_total", &labels) >= 1.0);
}

#[tokio::test]
async fn sign_in_attempts_are_counted_by_result() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (_, email) = app.signed_in().await;
    let count = |text: &str, result: &str| {
        metric(
            text,
            "authentication_attempts_total",
            &[("result", result), ("method", "password")],
        )
    };
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
    assert_eq!(login("wrong password 1234").await, 423);
    let after = app.metrics().await;
    for result in ["success", "failure", "locked"] {
        assert!(
            count(&after, result) > count(&before, result),
            "{result} did not increase"
        );
    }
}

#[tokio::test]
async fn session_status_checks_are_counted_by_validity() {
    let app = spawn_app().await;
    let valid = |text: &str, v: &str| metric(text, "session_status_checks_total", &[("valid", v)]);
    let before = app.metrics().await;
    app.client().get("/auth/session").await;
    app.user().await.get("/auth/session").await;
    let after = app.metrics().await;
    assert!(valid(&after, "true") > valid(&before, "true"));
    assert!(valid(&after, "false") > valid(&before, "false"));
}

#[tokio::test]
async fn demo_creations_are_counted() {
    let app = spawn_app().await;
    let labels = [("success", "true")];
    let before = metric(
        &app.metrics().await,
        "demo_session_creations_total",
        &labels,
    );
    assert_eq!(app.client().post_empty("/auth/demo").await.status, 201);
    let after = metric(
        &app.metrics().await,
        "demo_session_creations_total",
        &labels,
    );
    assert!(after > before);
}

#[tokio::test]
async fn refused_origins_are_security_events() {
    let app = spawn_app().await;
    let labels = [("event_type", "origin_rejected")];
    let before = metric(&app.metrics().await, "security_events_total", &labels);
    app.client()
        .request(
            Method::POST,
            "/auth/login",
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    let after = metric(&app.metrics().await, "security_events_total", &labels);
    assert!(after > before);
}

#[tokio::test]
async fn no_label_holds_an_email() {
    let app = spawn_app().await;
    let email = unique_email();
    app.client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": "whatever 123456"}),
        )
        .await;
    assert!(!app.metrics().await.contains(&email));
}

#[tokio::test]
async fn a_metrics_token_is_required_when_set() {
    let app = spawn_app_with(&[("METRICS_TOKEN", "s3cret-token")]).await;
    let client = app.client();
    let missing = client.get("/metrics").await;
    assert_eq!(missing.status, 401, "{}", missing.text);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    let wrong = client
        .request(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "Bearer s3cret-tokem")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let right = client
        .request(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "Bearer s3cret-token")],
        )
        .await;
    assert_eq!(right.status, 200);
    assert!(right.text.contains("# TYPE http_requests_total counter"));
    let lower_case_scheme = client
        .request(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "bearer s3cret-token")],
        )
        .await;
    assert_eq!(lower_case_scheme.status, 200);
}
