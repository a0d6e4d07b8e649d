//! Cross-site requests (Origin check, CORS) and the per-IP rate limiter.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Client, Reply, credentials, spawn_app, spawn_app_with, unique_email};

const FOREIGN: &str = "https://evil.example";

async fn post_from(client: &Client, path: &str, body: &Value, origin: &str) -> Reply {
    client
        .request(Method::POST, path, Some(body), &[("origin", origin)])
        .await
}

fn assert_origin_refused(reply: &Reply) {
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert_eq!(reply.code(), "origin_not_allowed");
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn a_foreign_origin_cannot_register_and_nothing_is_created() {
    let app = spawn_app().await;
    let email = unique_email();
    let client = app.client();
    let refused = post_from(&client, "/auth/register", &credentials(&email), FOREIGN).await;
    assert_origin_refused(&refused);
    assert!(refused.session_set_cookie().is_none());
    assert_eq!(client.get("/api/v1/me").await.status, 401);
    let reply = client.post("/auth/register", &credentials(&email)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn a_foreign_origin_is_refused_on_every_changing_method() {
    let app = spawn_app().await;
    let client = app.user().await;
    let patch = client
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&json!({"display_name": "Mallory"})),
            &[("origin", FOREIGN)],
        )
        .await;
    assert_origin_refused(&patch);
    assert_eq!(
        client.get("/api/v1/me").await.body["user"]["display_name"],
        Value::Null
    );
    for method in [Method::PUT, Method::DELETE, Method::POST] {
        let reply = client
            .request(method.clone(), "/api/v1/me", None, &[("origin", FOREIGN)])
            .await;
        assert_origin_refused(&reply);
    }
    let logout = client
        .request(Method::POST, "/auth/logout", None, &[("origin", FOREIGN)])
        .await;
    assert_origin_refused(&logout);
    assert_eq!(
        client.get("/api/v1/me").await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn unknown_paths_are_refused_before_routing() {
    let app = spawn_app().await;
    let client = app.client();
    let refused = post_from(&client, "/no/such/route", &json!({}), FOREIGN).await;
    assert_origin_refused(&refused);
    let refused = client
        .request(Method::DELETE, "/health", None, &[("origin", FOREIGN)])
        .await;
    assert_origin_refused(&refused);
}

#[tokio::test]
async fn reads_from_a_foreign_origin_are_not_refused() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .request(Method::GET, "/health", None, &[("origin", FOREIGN)])
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn odd_origins_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let own_but_https = format!("https://{}", app.addr);
    for origin in [
        "null",
        "http://localhost:3000.evil.example",
        own_but_https.as_str(),
    ] {
        let reply = post_from(&client, "/auth/login", &json!({}), origin).await;
        assert_origin_refused(&reply);
    }
}

#[tokio::test]
async fn the_own_origin_and_allowed_origins_pass() {
    let app = spawn_app().await;
    let own = format!("http://{}", app.addr);
    for origin in [
        own.as_str(),
        "http://localhost:3000",
        "HTTP://LOCALHOST:3000",
    ] {
        let reply = post_from(
            &app.client(),
            "/auth/register",
            &credentials(&unique_email()),
            origin,
        )
        .await;
        assert_eq!(reply.status, 201, "{origin}: {}", reply.text);
    }
}

#[tokio::test]
async fn with_a_public_url_the_own_origin_is_that_url() {
    let app = spawn_app_with(&[("PUBLIC_URL", "https://diary.example.org/app/")]).await;
    let client = app.client();
    let reply = post_from(
        &client,
        "/auth/register",
        &credentials(&unique_email()),
        "https://diary.example.org",
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let host_origin = format!("http://{}", app.addr);
    let reply = post_from(&client, "/auth/login", &json!({}), &host_origin).await;
    assert_origin_refused(&reply);
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let app = spawn_app_with(&[(
        "CORS_ALLOWED_ORIGINS",
        "http://localhost:3000, https://app.example.org",
    )])
    .await;
    let client = app.client();
    let preflight = |origin: &'static str| {
        let client = client.clone();
        async move {
            client
                .request(
                    Method::OPTIONS,
                    "/auth/login",
                    None,
                    &[
                        ("origin", origin),
                        ("access-control-request-method", "POST"),
                        ("access-control-request-headers", "content-type"),
                    ],
                )
                .await
        }
    };
    for origin in ["http://localhost:3000", "https://app.example.org"] {
        let reply = preflight(origin).await;
        assert!(reply.status < 300, "{}: {}", reply.status, reply.text);
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            reply.header("access-control-allow-credentials"),
            Some("true")
        );
        let methods = reply
            .header("access-control-allow-methods")
            .unwrap_or_default();
        assert!(methods.contains("POST"), "{methods}");
    }
    let foreign = preflight(FOREIGN).await;
    assert_eq!(foreign.header("access-control-allow-origin"), None);

    let simple = client
        .request(
            Method::GET,
            "/auth/session",
            None,
            &[("origin", "https://app.example.org")],
        )
        .await;
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://app.example.org")
    );
    assert_eq!(
        simple.header("access-control-allow-credentials"),
        Some("true")
    );
}

async fn rate_limited_app(extra: &[(&str, &str)]) -> crate::helpers::TestApp {
    let mut vars = vec![
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_LOGIN_PER_MIN", "2"),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(&vars).await
}

async fn login_from(client: &Client, forwarded_for: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = forwarded_for
        .map(|f| vec![("x-forwarded-for", f)])
        .unwrap_or_default();
    client
        .request(
            Method::POST,
            "/auth/login",
            Some(&credentials("nobody@example.com")),
            &headers,
        )
        .await
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let app = rate_limited_app(&[]).await;
    let client = app.client();
    for _ in 0..2 {
        assert_eq!(login_from(&client, None).await.status, 401);
    }
    let limited = login_from(&client, None).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.code(), "rate_limited");
    assert_eq!(
        limited.header("content-type"),
        Some("application/problem+json")
    );
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // Only the login bucket is spent: other routes still answer.
    let register = client
        .post("/auth/register", &credentials(&unique_email()))
        .await;
    assert_eq!(register.status, 201, "{}", register.text);
}

#[tokio::test]
async fn without_trust_x_forwarded_for_is_ignored() {
    let app = rate_limited_app(&[]).await;
    let client = app.client();
    login_from(&client, Some("203.0.113.1")).await;
    login_from(&client, Some("203.0.113.2")).await;
    let limited = login_from(&client, Some("203.0.113.3")).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
}

#[tokio::test]
async fn a_trusted_proxy_is_limited_by_the_right_most_forwarded_address() {
    let app = rate_limited_app(&[("TRUST_FORWARDED_FOR", "true")]).await;
    let client = app.client();
    for _ in 0..2 {
        assert_eq!(login_from(&client, Some("203.0.113.1")).await.status, 401);
    }
    assert_eq!(login_from(&client, Some("203.0.113.1")).await.status, 429);
    // Another right-most address is another client.
    assert_eq!(login_from(&client, Some("203.0.113.2")).await.status, 401);
    // A forged left-most entry does not escape the limit of the real (right-most) address.
    let forged = login_from(&client, Some("198.51.100.7, 203.0.113.1")).await;
    assert_eq!(forged.status, 429, "{}", forged.text);
}

#[tokio::test]
async fn an_unreadable_right_most_entry_does_not_pick_a_client_controlled_one() {
    let app = rate_limited_app(&[("TRUST_FORWARDED_FOR", "true")]).await;
    let client = app.client();
    for _ in 0..2 {
        login_from(&client, None).await;
    }
    // The peer (127.0.0.1) is spent; a forged valid entry before garbage must not be used.
    let forged = login_from(&client, Some("198.51.100.7, garbage")).await;
    assert_eq!(forged.status, 429, "{}", forged.text);
}

#[tokio::test]
async fn register_and_demo_have_their_own_limits() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_REGISTER_PER_MIN", "1"),
        ("RATE_LIMIT_DEMO_PER_MIN", "1"),
    ])
    .await;
    let client = app.client();
    let first = client
        .post("/auth/register", &credentials(&unique_email()))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let second = client
        .post("/auth/register", &credentials(&unique_email()))
        .await;
    assert_eq!(second.status, 429, "{}", second.text);
    assert!(second.header("retry-after").is_some());
    assert_eq!(client.post_empty("/auth/demo").await.status, 201);
    let demo = client.post_empty("/auth/demo").await;
    assert_eq!(demo.status, 429, "{}", demo.text);
    assert_eq!(demo.code(), "rate_limited");
}
