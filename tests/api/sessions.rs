//! Sessions: the cookie, rotation, logout, expiry and `/auth/session`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Client, Reply, TestApp, count_rows, credentials, spawn_app, spawn_app_with, unique_email,
};

/// GET with a raw `Cookie` header, from a client that keeps no cookies of its own.
async fn get_with(client: &Client, path: &str, cookie: &str) -> Reply {
    client
        .request(Method::GET, path, None, &[("cookie", cookie)])
        .await
}

/// Registers a new account with a bare client; returns its email and `session=...` cookie.
async fn register_bare(app: &TestApp) -> (String, String) {
    let email = unique_email();
    let reply = app
        .bare_client()
        .post("/auth/register", &credentials(&email))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    (email, reply.session_cookie().expect("a session cookie"))
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_not_secure_outside_production() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .post("/auth/register", &credentials(&unique_email()))
        .await;
    let cookie = reply.session_set_cookie().expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"HttpOnly"), "{cookie}");
    assert!(attributes.contains(&"Path=/"), "{cookie}");
    assert!(attributes.contains(&"SameSite=Lax"), "{cookie}");
    assert!(!attributes.contains(&"Secure"), "{cookie}");
}

#[tokio::test]
async fn in_production_the_cookie_is_secure_and_strict() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("PUBLIC_URL", "https://diary.example.org"),
    ])
    .await;
    let reply = app
        .bare_client()
        .post("/auth/register", &credentials(&unique_email()))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let cookie = reply.session_set_cookie().expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure"), "{cookie}");
    assert!(attributes.contains(&"SameSite=Strict"), "{cookie}");
    assert!(attributes.contains(&"HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn login_rotates_the_session_id() {
    let app = spawn_app().await;
    let (email, old) = register_bare(&app).await;
    let client = app.bare_client();
    let login = client
        .request(
            Method::POST,
            "/auth/login",
            Some(&credentials(&email)),
            &[("cookie", &old)],
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let new = login.session_cookie().expect("a new session cookie");
    assert_ne!(new, old);
    assert_eq!(get_with(&client, "/api/v1/me", &old).await.status, 401);
    assert_eq!(get_with(&client, "/api/v1/me", &new).await.status, 200);
}

#[tokio::test]
async fn a_session_fixed_by_someone_else_is_not_kept() {
    let app = spawn_app().await;
    let (_, attacker) = register_bare(&app).await;
    let client = app.bare_client();
    let email = unique_email();
    let reply = client
        .request(
            Method::POST,
            "/auth/register",
            Some(&credentials(&email)),
            &[("cookie", &attacker)],
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let victim = reply.session_cookie().expect("a fresh cookie");
    assert_ne!(victim, attacker);
    let me = get_with(&client, "/api/v1/me", &victim).await;
    assert_eq!(me.body["user"]["email"], json!(email));
    // The planted cookie is no longer signed in as anyone.
    assert_eq!(get_with(&client, "/api/v1/me", &attacker).await.status, 401);
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    let (_, cookie) = register_bare(&app).await;
    let client = app.bare_client();
    let reply = client
        .request(Method::POST, "/auth/logout", None, &[("cookie", &cookie)])
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let cleared = reply.session_set_cookie().expect("a clearing cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.starts_with("session=;"), "{cleared}");
    assert_eq!(get_with(&client, "/api/v1/me", &cookie).await.status, 401);
    // The old cookie cannot be revived by a second logout either.
    let again = client
        .request(Method::POST, "/auth/logout", None, &[("cookie", &cookie)])
        .await;
    assert_eq!(again.status, 204);
}

#[tokio::test]
async fn logout_without_a_session_is_204() {
    let app = spawn_app().await;
    let reply = app.bare_client().post_empty("/auth/logout").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty());
}

#[tokio::test]
async fn unknown_and_malformed_session_cookies_are_401() {
    let app = spawn_app().await;
    let client = app.bare_client();
    for cookie in [
        "session=AAAAAAAAAAAAAAAAAAAAAA",
        "session=not-a-session",
        "session=",
    ] {
        let reply = get_with(&client, "/api/v1/me", cookie).await;
        assert_eq!(reply.status, 401, "{cookie}: {}", reply.text);
        assert_eq!(reply.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = spawn_app_with(&[("SESSION_IDLE_TIMEOUT_SECS", "2")]).await;
    let client = app.user().await;
    assert_eq!(client.get("/api/v1/me").await.status, 200);
    sleep_ms(2300).await;
    let reply = client.get("/api/v1/me").await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.code(), "unauthenticated");
}

#[tokio::test]
async fn activity_keeps_a_session_alive() {
    let app = spawn_app_with(&[("SESSION_IDLE_TIMEOUT_SECS", "2")]).await;
    let client = app.user().await;
    for _ in 0..4 {
        sleep_ms(1200).await;
        let reply = client.get("/api/v1/me").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_despite_activity() {
    let app = spawn_app_with(&[("SESSION_ABSOLUTE_TIMEOUT_SECS", "3")]).await;
    let client = app.user().await;
    for _ in 0..2 {
        sleep_ms(1000).await;
        assert_eq!(client.get("/api/v1/me").await.status, 200);
    }
    sleep_ms(1300).await;
    let reply = client.get("/api/v1/me").await;
    assert_eq!(reply.status, 401, "{}", reply.text);
}

#[tokio::test]
async fn an_anonymous_session_status() {
    let app = spawn_app().await;
    let reply = app.bare_client().get("/auth/session").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({"authenticated": false, "user": null, "demo": false, "expires_at": null})
    );
    assert!(reply.session_set_cookie().is_none());
}

#[tokio::test]
async fn a_signed_in_session_status() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let reply = client.get("/auth/session").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["authenticated"], json!(true));
    assert_eq!(reply.body["demo"], json!(false));
    assert_eq!(reply.body["user"]["email"], json!(email));
    let expires_at = reply.body["expires_at"].as_str().expect("expires_at");
    assert!(
        expires_at.ends_with('Z') && expires_at.len() == 24,
        "{expires_at}"
    );
    assert!(
        reply.session_set_cookie().is_none(),
        "a status check writes nothing"
    );
}

#[tokio::test]
async fn session_status_does_not_extend_the_session() {
    let app = spawn_app_with(&[("SESSION_IDLE_TIMEOUT_SECS", "2")]).await;
    let client = app.user().await;
    let first = client.get("/auth/session").await;
    sleep_ms(1200).await;
    let second = client.get("/auth/session").await;
    assert_eq!(second.body["authenticated"], json!(true));
    assert_eq!(second.body["expires_at"], first.body["expires_at"]);
    sleep_ms(1100).await;
    let expired = client.get("/auth/session").await;
    assert_eq!(expired.status, 200, "never 401");
    assert_eq!(expired.body["authenticated"], json!(false));
    assert_eq!(expired.body["expires_at"], Value::Null);
    assert_eq!(client.get("/api/v1/me").await.status, 401);
}

#[tokio::test]
async fn a_demo_session() {
    let app = spawn_app().await;
    let client = app.client();
    let reply = client.post_empty("/auth/demo").await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["demo"], json!(true));
    let user = &reply.body["user"];
    assert!(
        user["email"]
            .as_str()
            .is_some_and(|e| e.ends_with("@demo.invalid")),
        "{user}"
    );
    assert_eq!(user["timezone"], json!("UTC"));
    assert!(reply.body["expires_at"].as_str().is_some());
    assert!(reply.session_set_cookie().is_some());

    let status = client.get("/auth/session").await;
    assert_eq!(status.body["authenticated"], json!(true));
    assert_eq!(status.body["demo"], json!(true));
    assert_eq!(status.body["user"], *user);
    assert_eq!(status.body["expires_at"], reply.body["expires_at"]);
    assert_eq!(client.get("/api/v1/me").await.body["user"], *user);
}

#[tokio::test]
async fn each_demo_is_its_own_account() {
    let app = spawn_app().await;
    let first = app.client().post_empty("/auth/demo").await;
    let second = app.client().post_empty("/auth/demo").await;
    assert_ne!(first.body["user"]["id"], second.body["user"]["id"]);
    assert_ne!(first.body["user"]["email"], second.body["user"]["email"]);
}

#[tokio::test]
async fn an_expired_demo_account_is_swept_away() {
    let app = spawn_app_with(&[
        ("DEMO_LIFETIME_SECS", "1"),
        ("DEMO_SWEEP_INTERVAL_SECS", "1"),
    ])
    .await;
    let client = app.client();
    let demo = client.post_empty("/auth/demo").await;
    let email = demo.body["user"]["email"]
        .as_str()
        .expect("an email")
        .to_owned();
    let accounts = "SELECT COUNT(*) FROM users WHERE email = $1";
    assert_eq!(count_rows(&app, accounts, &email).await, 1);
    sleep_ms(2500).await;
    assert_eq!(client.get("/api/v1/me").await.status, 401);
    assert_eq!(count_rows(&app, accounts, &email).await, 0);
}

#[tokio::test]
async fn the_sessions_table_holds_a_digest_never_the_cookie_value() {
    let app = spawn_app().await;
    let (_, cookie) = register_bare(&app).await;
    let value = cookie.trim_start_matches("session=");
    let by_value = "SELECT COUNT(*) FROM sessions WHERE id = $1";
    assert_eq!(count_rows(&app, by_value, value).await, 0);
    let others = "SELECT COUNT(*) FROM sessions WHERE id <> $1";
    assert_eq!(count_rows(&app, others, value).await, 1);
}

#[tokio::test]
async fn an_account_holds_at_most_50_sessions_and_a_new_sign_in_ends_the_oldest() {
    let app = spawn_app().await;
    let (email, first) = register_bare(&app).await;
    let mut cookies = vec![first];
    for _ in 0..150 {
        let reply = app
            .bare_client()
            .post("/auth/login", &credentials(&email))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        cookies.push(reply.session_cookie().expect("a session cookie"));
    }

    let live =
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1";
    assert_eq!(count_rows(&app, live, &email).await, 50);
    let bare = app.bare_client();
    for (i, cookie) in cookies.iter().enumerate() {
        let status = get_with(&bare, "/api/v1/me", cookie).await.status;
        let expected = if i < 101 { 401 } else { 200 };
        assert_eq!(status, expected, "session {i} of 151");
    }
}
