//! Sign-in lockout: kept per normalised email, whether or not an account exists.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Client, PASSWORD, Reply, spawn_app_with, unique_email};

const WRONG: &str = "not the right one 99";

async fn login(client: &Client, email: &str, password: &str) -> Reply {
    client
        .post(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
}

fn retry_after(reply: &Reply) -> u64 {
    reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After")
}

#[tokio::test]
async fn the_failure_that_reaches_the_threshold_locks_the_email() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "3")]).await;
    let (_, email) = app.signed_in().await;
    let client = app.client();
    for _ in 0..2 {
        assert_eq!(login(&client, &email, WRONG).await.status, 401);
    }
    let locked = login(&client, &email, WRONG).await;
    assert_eq!(locked.status, 423, "{}", locked.text);
    assert_eq!(locked.code(), "account_locked");
    assert_eq!(
        locked.header("content-type"),
        Some("application/problem+json")
    );
    assert!((1..=900).contains(&retry_after(&locked)));
    let when = format!("try again in {} seconds", retry_after(&locked));
    assert!(
        locked.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&when)),
        "the body says when to retry: {}",
        locked.text
    );

    let correct = login(&client, &email.to_uppercase(), PASSWORD).await;
    assert_eq!(
        correct.status, 423,
        "the correct password is locked out too"
    );
    assert!(retry_after(&correct) >= 1);
    assert!(correct.session_set_cookie().is_none());
}

#[tokio::test]
async fn an_email_without_an_account_locks_the_same_way() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let client = app.client();
    let email = unique_email();
    assert_eq!(login(&client, &email, WRONG).await.status, 401);
    let locked = login(&client, &email, WRONG).await;
    assert_eq!(locked.status, 423, "{}", locked.text);
    assert!(retry_after(&locked) >= 1);
    assert_eq!(login(&client, &email, WRONG).await.status, 423);
}

#[tokio::test]
async fn a_lock_is_per_email() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (_, locked_email) = app.signed_in().await;
    let (_, other_email) = app.signed_in().await;
    let client = app.client();
    for _ in 0..2 {
        login(&client, &locked_email, WRONG).await;
    }
    assert_eq!(login(&client, &locked_email, PASSWORD).await.status, 423);
    assert_eq!(login(&client, &other_email, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn the_lock_ends_and_attempts_during_it_neither_extend_nor_count() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2"), ("LOCKOUT_SECS", "2")]).await;
    let (_, email) = app.signed_in().await;
    let client = app.client();
    login(&client, &email, WRONG).await;
    assert_eq!(login(&client, &email, WRONG).await.status, 423);

    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(login(&client, &email, WRONG).await.status, 423);
    // Had that attempt extended the lock, it would last until about 3 s from its start.
    tokio::time::sleep(Duration::from_millis(1300)).await;

    let after = login(&client, &email, WRONG).await;
    assert_eq!(
        after.status, 401,
        "the lock ended and counting started afresh: {}",
        after.text
    );
    let reply = login(&client, &email, PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn failures_older_than_the_window_no_longer_count() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2"), ("LOCKOUT_SECS", "1")]).await;
    let email = unique_email();
    let client = app.client();
    assert_eq!(login(&client, &email, WRONG).await.status, 401);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(login(&client, &email, WRONG).await.status, 401);
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "3")]).await;
    let (_, email) = app.signed_in().await;
    let client = app.client();
    for _ in 0..2 {
        assert_eq!(login(&client, &email, WRONG).await.status, 401);
    }
    assert_eq!(login(&client, &email, PASSWORD).await.status, 200);
    for _ in 0..2 {
        assert_eq!(login(&client, &email, WRONG).await.status, 401);
    }
    assert_eq!(login(&client, &email, WRONG).await.status, 423);
}

#[tokio::test]
async fn lockout_rows_never_hold_the_email() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let email = unique_email();
    let client = app.client();
    for _ in 0..3 {
        login(&client, &email, WRONG).await;
    }
    let guards = "SELECT COUNT(*) FROM login_guards WHERE email_key <> $1";
    assert_eq!(crate::helpers::count_rows(&app, guards, &email).await, 1);
    for table in ["login_guards", "login_failures"] {
        let holding = format!("SELECT COUNT(*) FROM {table} WHERE email_key LIKE '%' || $1 || '%'");
        let local = email.split('@').next().unwrap_or_default();
        assert_eq!(
            crate::helpers::count_rows(&app, &holding, local).await,
            0,
            "{table}"
        );
    }
}
