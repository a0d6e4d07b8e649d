//! The per-account rate limit: signed-in requests under `/api/v1` draw on a bucket of their
//! account (`RATE_LIMIT_ACCOUNT_PER_MIN`, here 5); one more is 429 `rate_limited` with
//! `Retry-After`. Other accounts, `/health`, `/auth` and requests without a session do not count.

use crate::helpers::{Client, spawn_app_with};

const LIMITED: [(&str, &str); 3] = [
    ("RATE_LIMIT_ENABLED", "true"),
    ("RATE_LIMIT_ACCOUNT_PER_MIN", "5"),
    ("RATE_LIMIT_REGISTER_PER_MIN", "100"),
];

async fn statuses(client: &Client, path: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(n);
    for _ in 0..n {
        statuses.push(client.get(path).await.status);
    }
    statuses
}

#[tokio::test]
async fn the_sixth_request_of_a_minute_is_429_for_that_account_only() {
    let app = spawn_app_with(&LIMITED).await;
    let client = app.user().await;
    let other = app.user().await;
    let anonymous = app.client();

    // None of these count: no account, or not under /api/v1.
    assert_eq!(
        statuses(&anonymous, "/api/v1/medications", 8).await,
        [401; 8]
    );
    assert_eq!(statuses(&client, "/health", 8).await, [200; 8]);
    assert_eq!(statuses(&client, "/auth/session", 8).await, [200; 8]);
    assert_eq!(statuses(&client, "/api/v1/medications", 5).await, [200; 5]);

    let limited = client.get("/api/v1/medications").await;

    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.code(), "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    // Five a minute: one token comes back every 12 seconds.
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    let detail = limited.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!("{retry_after} seconds")),
        "{detail}"
    );
    // Writes count on the same bucket and are refused without effect.
    let write = client
        .post("/api/v1/medications", &serde_json::json!({"name": "Iron"}))
        .await;
    assert_eq!(write.status, 429);
    assert_eq!(statuses(&other, "/api/v1/medications", 5).await, [200; 5]);
    assert!(app.user().await.get("/api/v1/me").await.status == 200);
}

#[tokio::test]
async fn the_account_limit_is_off_with_the_others() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_ENABLED", "false"),
        ("RATE_LIMIT_ACCOUNT_PER_MIN", "5"),
    ])
    .await;
    let client = app.user().await;

    assert_eq!(
        statuses(&client, "/api/v1/medications", 12).await,
        [200; 12]
    );
}
