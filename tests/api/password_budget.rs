//! One rate-limit budget for every password check of a client address: sign-in, password change
//! and account deletion draw on the login bucket; IPv6 clients are one client per /64.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Client, PASSWORD, Reply, TestApp, spawn_app_with, unique_email};

async fn limited_app(per_minute: &str) -> TestApp {
    spawn_app_with(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_LOGIN_PER_MIN", per_minute),
        ("TRUST_FORWARDED_FOR", "true"),
    ])
    .await
}

async fn post_from(client: &Client, from: &str, path: &str, body: &serde_json::Value) -> Reply {
    client
        .request(Method::POST, path, Some(body), &[("x-forwarded-for", from)])
        .await
}

async fn login_from(client: &Client, from: &str) -> Reply {
    let body = json!({"email": unique_email(), "password": PASSWORD});
    post_from(client, from, "/auth/login", &body).await
}

#[tokio::test]
async fn password_changes_and_deletions_draw_on_the_login_bucket() {
    let app = limited_app("3").await;
    let (owner, _) = app.signed_in().await;
    let from = "203.0.113.9";
    let wrong = json!({"current_password": "not the right one 99", "new_password": "amber lantern quietly 7 rivers"});

    let change = post_from(&owner, from, "/api/v1/me/password", &wrong).await;
    assert_eq!(change.status, 422, "{}", change.text);
    let delete = post_from(
        &owner,
        from,
        "/api/v1/me/delete",
        &json!({"password": "not the right one 99"}),
    )
    .await;
    assert_eq!(delete.status, 422, "{}", delete.text);
    assert_eq!(login_from(&app.client(), from).await.status, 401);

    // The budget of three is spent across the three routes.
    let limited = login_from(&app.client(), from).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    let change = post_from(&owner, from, "/api/v1/me/password", &wrong).await;
    assert_eq!(change.status, 429, "{}", change.text);
    assert_eq!(change.code(), "rate_limited");
    assert!(change.header("retry-after").is_some());
    let delete = post_from(
        &owner,
        from,
        "/api/v1/me/delete",
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(delete.status, 429, "nothing is deleted: {}", delete.text);
    assert_eq!(owner.get("/api/v1/me").await.status, 200);

    // Another address has its own budget.
    assert_eq!(login_from(&app.client(), "203.0.113.10").await.status, 401);
}

#[tokio::test]
async fn ipv6_clients_are_one_client_per_64_and_mapped_ipv4_is_the_ipv4_client() {
    let app = limited_app("2").await;
    let client = app.client();
    assert_eq!(login_from(&client, "2001:db8:1:2::1").await.status, 401);
    assert_eq!(
        login_from(&client, "2001:db8:1:2:ffff:aaaa:bbbb:cccc")
            .await
            .status,
        401
    );
    let limited = login_from(&client, "2001:db8:1:2::99").await;
    assert_eq!(
        limited.status, 429,
        "the /64 shares one budget: {}",
        limited.text
    );
    assert_eq!(
        login_from(&client, "2001:db8:1:3::1").await.status,
        401,
        "another /64"
    );

    assert_eq!(login_from(&client, "198.51.100.4").await.status, 401);
    assert_eq!(login_from(&client, "::ffff:198.51.100.4").await.status, 401);
    let mapped = login_from(&client, "::ffff:198.51.100.4").await;
    assert_eq!(
        mapped.status, 429,
        "a mapped address is its IPv4 one: {}",
        mapped.text
    );
    assert_eq!(login_from(&client, "198.51.100.5").await.status, 401);
}
