//! What `/metrics` exposes: every family from start-up, no personal data in labels, the token.

use reqwest::Method;
use serde_json::json;

use crate::{helpers::unique_email, serial_app};

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
    let app = serial_app(&[]).await;
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
async fn no_label_holds_an_email() {
    let app = serial_app(&[]).await;
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
    let app = serial_app(&[("METRICS_TOKEN", "s3cret-token")]).await;
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
