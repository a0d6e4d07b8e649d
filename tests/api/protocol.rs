//! The conventions every route shares: problem+json, request ids, body limits, headers.

use std::{
    io::{Read, Write},
    net::SocketAddr,
};

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Reply, spawn_app, spawn_app_with};

const JSON_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{status}"
    );
    assert_eq!(reply.code(), code);
    assert_eq!(reply.body["status"], json!(status));
    assert_eq!(reply.body["type"], json!("about:blank"));
    assert!(reply.body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(reply.body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    let request_id = reply.header("x-request-id").expect("an X-Request-Id");
    assert_eq!(reply.body["request_id"], json!(request_id));
}

/// Sends a request over a raw connection and returns the status line's code and the body.
fn raw_http(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request).expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .send_raw(
            Method::POST,
            "/auth/login",
            "application/json",
            b"{\"email\": ".to_vec(),
        )
        .await;
    assert_problem(&reply, 400, "malformed_json");
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_422() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .send_raw(
            Method::POST,
            "/auth/login",
            "application/json",
            b"[1, 2]".to_vec(),
        )
        .await;
    assert_problem(&reply, 422, "validation_failed");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    let client = app.client();
    assert_problem(&client.get("/no/such/route").await, 404, "not_found");
    assert_problem(&client.get("/api/v1/nothing-here").await, 404, "not_found");
    assert_problem(&client.post_empty("/no/such/route").await, 404, "not_found");
    let wrong_method = client.delete("/health").await;
    assert_problem(&wrong_method, 405, "method_not_allowed");
    assert!(
        wrong_method
            .header("allow")
            .is_some_and(|a| a.contains("GET"))
    );
    assert_problem(&client.get("/auth/login").await, 405, "method_not_allowed");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let padding = "x".repeat(65 * 1024);
    let reply = app
        .client()
        .post(
            "/auth/register",
            &json!({"email": "a@example.com", "password": padding}),
        )
        .await;
    assert_problem(&reply, 413, "payload_too_large");
    // Just under the limit is read (and judged on its fields).
    let reply = app
        .client()
        .post(
            "/auth/register",
            &json!({"email": "a@example.com", "password": "x".repeat(60 * 1024)}),
        )
        .await;
    assert_problem(&reply, 422, "validation_failed");
}

#[tokio::test]
async fn exactly_64_kib_is_read_and_one_byte_more_is_not() {
    let app = spawn_app().await;
    let body_of = |size: usize| {
        let frame = br#"{"email": "a@example.com", "password": ""}"#.len();
        let body = format!(
            r#"{{"email": "a@example.com", "password": "{}"}}"#,
            "x".repeat(size - frame)
        );
        assert_eq!(body.len(), size);
        body.into_bytes()
    };
    let client = app.client();
    let limit = 64 * 1024;
    let at_limit = client
        .send_raw(
            Method::POST,
            "/auth/login",
            "application/json",
            body_of(limit),
        )
        .await;
    // Read and judged on its fields (the password is too long for any account).
    assert_problem(&at_limit, 422, "validation_failed");
    let over = client
        .send_raw(
            Method::POST,
            "/auth/login",
            "application/json",
            body_of(limit + 1),
        )
        .await;
    assert_problem(&over, 413, "payload_too_large");
}

#[tokio::test]
async fn a_chunked_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let mut request = format!(
        "POST /auth/register HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    )
    .into_bytes();
    let mut chunks = vec![b"{\"email\": \"".to_vec()];
    chunks.extend((0..9).map(|_| vec![b'x'; 8 * 1024]));
    for chunk in chunks {
        request.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");

    let addr = app.addr;
    let (status, text) = tokio::task::spawn_blocking(move || raw_http(addr, &request))
        .await
        .expect("the request runs");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .send_raw(
            Method::POST,
            "/auth/login",
            "text/plain",
            b"email=a@example.com".to_vec(),
        )
        .await;
    assert_problem(&reply, 415, "unsupported_media_type");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415_on_routes_that_read_no_body_too() {
    let app = spawn_app().await;
    let client = app.client();
    for path in ["/auth/demo", "/auth/logout", "/no/such/route"] {
        let reply = client
            .send_raw(
                Method::POST,
                path,
                "application/x-www-form-urlencoded",
                b"a=1".to_vec(),
            )
            .await;
        assert_problem(&reply, 415, "unsupported_media_type");
        assert!(reply.session_set_cookie().is_none(), "{path}");
    }
    // No body at all needs no content type.
    let demo = client
        .send_raw(Method::POST, "/auth/demo", "text/plain", Vec::new())
        .await;
    assert_eq!(demo.status, 201, "{}", demo.text);
}

#[tokio::test]
async fn json_with_a_charset_is_accepted() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .send_raw(
            Method::POST,
            "/auth/login",
            "application/json; charset=utf-8",
            br#"{"email": "nobody@example.com", "password": "irrelevant 123456"}"#.to_vec(),
        )
        .await;
    assert_problem(&reply, 401, "invalid_credentials");
}

#[tokio::test]
async fn a_well_formed_client_request_id_is_echoed() {
    let app = spawn_app().await;
    let client = app.client();
    let id = "abc-123_X.y";
    let reply = client
        .request(Method::GET, "/nowhere", None, &[("x-request-id", id)])
        .await;
    assert_eq!(reply.header("x-request-id"), Some(id));
    assert_eq!(reply.body["request_id"], json!(id));
    let longest = "a".repeat(64);
    let reply = client
        .request(Method::GET, "/health", None, &[("x-request-id", &longest)])
        .await;
    assert_eq!(reply.header("x-request-id"), Some(longest.as_str()));
}

#[tokio::test]
async fn a_bad_client_request_id_is_replaced() {
    let app = spawn_app().await;
    let client = app.client();
    for bad in ["has space", "semi;colon", &"a".repeat(65), "ünïcode"] {
        let reply = client
            .request(Method::GET, "/nowhere", None, &[("x-request-id", bad)])
            .await;
        let id = reply.header("x-request-id").expect("an id");
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert_eq!(reply.body["request_id"], json!(id));
    }
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let app = spawn_app().await;
    let client = app.client();
    let a = client.get("/health").await;
    let b = client.get("/health").await;
    let (a, b) = (a.header("x-request-id"), b.header("x-request-id"));
    assert!(a.is_some() && b.is_some());
    assert_ne!(a, b);
}

#[tokio::test]
async fn auth_and_api_answers_are_not_cached() {
    let app = spawn_app().await;
    let client = app.client();
    let replies = [
        client.get("/auth/session").await,
        client.post_empty("/auth/login").await,
        client.get("/api/v1/me").await,
        client.get("/api/v1/unknown").await,
        app.user().await.get("/api/v1/me").await,
    ];
    for reply in replies {
        assert_eq!(
            reply.header("cache-control"),
            Some("no-store"),
            "{}",
            reply.text
        );
    }
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = spawn_app().await;
    let client = app.client();
    let replies = [
        client.get("/health").await,
        client.get("/nowhere").await,
        client.post_empty("/auth/login").await,
        client.get("/openapi.json").await,
    ];
    for reply in replies {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(reply.header("content-security-policy"), Some(JSON_CSP));
        assert_eq!(reply.header("strict-transport-security"), None);
    }
}

#[tokio::test]
async fn hsts_only_in_production() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("PUBLIC_URL", "https://diary.example.org"),
    ])
    .await;
    let client = app.client();
    for reply in [client.get("/health").await, client.get("/nowhere").await] {
        let hsts = reply
            .header("strict-transport-security")
            .expect("HSTS in production");
        assert!(hsts.starts_with("max-age="), "{hsts}");
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    }
}

#[tokio::test]
async fn health_needs_no_session() {
    let app = spawn_app().await;
    let client = app.bare_client();
    let live = client.get("/health").await;
    assert_eq!(live.status, 200);
    assert_eq!(live.body, json!({"status": "ok"}));
    let ready = client.get("/health/ready").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn a_database_outage_is_503_never_500() {
    let app = spawn_app().await;
    let client = app.user().await;
    app.state.db.close().await;
    assert_eq!(
        client.get("/health").await.status,
        200,
        "liveness needs no database"
    );
    assert_problem(&client.get("/health/ready").await, 503, "unavailable");
    assert_problem(&client.get("/api/v1/me").await, 503, "unavailable");
    let login = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": "a@example.com", "password": "whatever 12345"}),
        )
        .await;
    assert_problem(&login, 503, "unavailable");
}

#[tokio::test]
async fn a_request_that_runs_too_long_is_503_timeout() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    // A body that never finishes arriving keeps the handler waiting.
    let request = format!(
        "POST /auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n{{\"email\": ",
        app.addr
    );
    let addr = app.addr;
    let started = std::time::Instant::now();
    let (status, text) = tokio::task::spawn_blocking(move || raw_http(addr, request.as_bytes()))
        .await
        .expect("the request runs");
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("\"code\":\"timeout\""), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
