use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_is_ok_and_carries_security_headers() {
    let app = spawn_app().await;
    let reply = app.client().get("/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"status": "ok"}));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert!(reply.header("x-request-id").is_some());
    assert_eq!(app.client().get("/health/ready").await.status, 200);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problem_json() {
    let app = spawn_app().await;
    let client = app.client();
    let reply = client.get("/no/such/route").await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.code(), "not_found");
    let reply = client.delete("/health").await;
    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        reply.body["request_id"].as_str(),
        reply.header("x-request-id")
    );
}
