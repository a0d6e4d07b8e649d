//! Hostile bodies and bytes: too large (declared or chunked), nested beyond any parser's depth,
//! not UTF-8 — each answers 4xx problem+json, never 5xx, and the server goes on serving.

use reqwest::Method;
use serde_json::json;

use super::raw;
use crate::helpers::{PASSWORD, Reply, TestApp, spawn_app, unique_email};

const LIMIT: usize = 64 * 1024;

fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.code(), code, "{}", reply.text);
}

async fn post_json(app: &TestApp, path: &str, body: Vec<u8>) -> Reply {
    app.client()
        .send_raw(Method::POST, path, "application/json", body)
        .await
}

/// A registration body padded with whitespace to exactly `size` bytes.
fn padded_registration(size: usize) -> Vec<u8> {
    let body = json!({"email": unique_email(), "password": PASSWORD}).to_string();
    let mut bytes = body.into_bytes();
    let pad = size - bytes.len();
    bytes.splice(1..1, std::iter::repeat_n(b' ', pad));
    bytes
}

#[tokio::test]
async fn the_body_limit_is_64_kib_exactly() {
    let app = spawn_app().await;
    let at_limit = post_json(&app, "/auth/register", padded_registration(LIMIT)).await;
    assert_eq!(at_limit.status, 201, "{}", at_limit.text);
    let over = post_json(&app, "/auth/register", padded_registration(LIMIT + 1)).await;
    assert_problem(&over, 413, "payload_too_large");
    let huge = post_json(&app, "/auth/login", vec![b' '; 10 * 1024 * 1024]).await;
    assert_problem(&huge, 413, "payload_too_large");
}

#[tokio::test]
async fn an_oversized_chunked_body_without_a_length_is_refused() {
    let app = spawn_app().await;
    let head = raw::head(
        "POST",
        "/auth/login",
        &[
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
    );
    let mut request = head.into_bytes();
    // 80 chunks of 1 KiB: only the running total tells that it is too large.
    for _ in 0..80 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b' '; 1024]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let reply = raw::exchange(app.addr, &request).await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert!(reply.is_problem());
    assert_eq!(reply.code(), "payload_too_large");
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_harm() {
    let app = spawn_app().await;
    // Within the size limit: the parser's depth limit answers, the stack is never at risk.
    for nested in [
        "[".repeat(60_000).into_bytes(),
        "{\"a\":".repeat(10_000).into_bytes(),
        format!("{{\"email\":{}", "[".repeat(50_000)).into_bytes(),
    ] {
        let reply = post_json(&app, "/auth/register", nested).await;
        assert_problem(&reply, 400, "malformed_json");
    }
    // 100 000 brackets exceed the size limit before the parser sees them.
    let reply = post_json(&app, "/auth/register", "[".repeat(100_000).into_bytes()).await;
    assert_problem(&reply, 413, "payload_too_large");
    // Nested just short of the depth limit is still only a wrong value.
    let shallow = format!("{{\"email\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    let reply = post_json(&app, "/auth/register", shallow.into_bytes()).await;
    assert_problem(&reply, 422, "validation_failed");
    assert_eq!(app.client().get("/health").await.status, 200);
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_refused_as_client_errors() {
    let app = spawn_app().await;
    let client = app.user().await;
    for body in [
        vec![0xff, 0xfe, 0xfd],
        b"{\"email\": \"\xff@example.com\", \"password\": \"x\"}".to_vec(),
        b"{\"\xc3\x28\": 1}".to_vec(),
    ] {
        let reply = post_json(&app, "/auth/register", body.clone()).await;
        assert_problem(&reply, 400, "malformed_json");
        let reply = client
            .send_raw(
                Method::PATCH,
                "/api/v1/me",
                "application/json",
                body.clone(),
            )
            .await;
        assert_problem(&reply, 400, "malformed_json");
        let reply = client
            .send_raw(
                Method::PATCH,
                "/api/v1/me",
                "text/plain; charset=latin1",
                body,
            )
            .await;
        assert_problem(&reply, 415, "unsupported_media_type");
    }
    // Percent-encoded bytes that are not UTF-8, in a query and in a path.
    let reply = client.get("/api/v1/feel-vs-yesterday?tz=%FF%FE").await;
    assert_problem(&reply, 422, "validation_failed");
    let reply = client.get("/api/v1/%FF%FE").await;
    assert_problem(&reply, 404, "not_found");
}

#[tokio::test]
async fn hostile_headers_are_client_errors() {
    let app = spawn_app().await;
    let client = app.user().await;
    // A session cookie that is not one of ours, in several malformed shapes.
    let long = format!("session={}", "A".repeat(4000));
    for cookie in ["session=", "session=%%%", "session=\u{e9}t\u{e9}", &long] {
        let request = raw::head("GET", "/api/v1/me", &[("Cookie", cookie)]);
        let reply = raw::exchange(app.addr, request.as_bytes()).await;
        assert_eq!(reply.status, 401, "{cookie}: {reply:?}");
        assert!(reply.is_problem());
    }
    let mut request =
        b"POST /auth/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n".to_vec();
    request.extend_from_slice(b"Origin: http://\xff\xfe\r\nContent-Length: 0\r\n\r\n");
    let reply = raw::exchange(app.addr, &request).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(reply.code(), "origin_not_allowed");
    // Too many header fields never reach the router: hyper answers 431 itself (without a
    // problem body, RELIABILITY.md) and the server goes on.
    let many: Vec<(String, String)> = (0..150)
        .map(|n| (format!("X-Pad-{n}"), "x".into()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reply = raw::exchange(app.addr, raw::head("GET", "/health", &many).as_bytes()).await;
    assert_eq!(reply.status, 431, "{reply:?}");
    assert_eq!(app.client().get("/health").await.status, 200);
    let reply = client
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            &[("X-Request-Id", "a b\tc")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_ne!(reply.header("x-request-id"), Some("a b\tc"));
}

#[tokio::test]
async fn a_patch_without_a_body_is_malformed() {
    let app = spawn_app().await;
    let client = app.user().await;

    let no_body = client
        .send_raw(Method::PATCH, "/api/v1/me", "application/json", Vec::new())
        .await;
    assert_problem(&no_body, 400, "malformed_json");
    // Whitespace is a body, and not a JSON text (schemathesis sent "\n").
    for body in [b"\n".to_vec(), b"   ".to_vec()] {
        let reply = client
            .send_raw(Method::PATCH, "/api/v1/me", "application/json", body)
            .await;
        assert_problem(&reply, 400, "malformed_json");
    }
}
