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

/// Sends `n` logins for `email` at the same moment and returns their statuses.
async fn burst(app: &crate::helpers::TestApp, email: &str, passwords: &[&str]) -> Vec<u16> {
    let mut tasks = Vec::new();
    for password in passwords {
        let (client, email, password) = (app.client(), email.to_owned(), (*password).to_owned());
        tasks.push(tokio::spawn(async move {
            login(&client, &email, &password).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("the login task finishes"));
    }
    statuses
}

#[tokio::test]
async fn a_burst_of_guesses_is_worth_no_more_than_the_same_guesses_one_by_one() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "5")]).await;
    let (_, email) = app.signed_in().await;

    let statuses = burst(&app, &email, &[WRONG; 40]).await;

    let unauthorised = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 423).count();
    assert_eq!(
        (unauthorised, locked),
        (4, 36),
        "every answer is 401 or 423: {statuses:?}"
    );
    let rows = crate::helpers::audit_rows(&app).await;
    let verified_failures = rows
        .iter()
        .filter(|r| {
            r.event == "auth.login.failure" && r.reason.as_deref() == Some("invalid_credentials")
        })
        .count();
    let triggers = rows
        .iter()
        .filter(|r| r.event == "auth.lockout.trigger")
        .count();
    assert_eq!((verified_failures, triggers), (4, 1));

    let correct = login(&app.client(), &email, PASSWORD).await;
    assert_eq!(correct.status, 423, "{}", correct.text);
    assert!(correct.session_set_cookie().is_none());
}

#[tokio::test]
async fn a_reservation_left_by_a_crashed_replica_expires() {
    use medtracker::types::{Id, Timestamp};
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (_, email) = app.signed_in().await;
    // Two checks in flight fill the budget; they belong to a replica that died mid-hash.
    let email_key = app
        .state
        .lockout
        .email_key(&medtracker::auth::email::Email::parse(&email).expect("an email"));
    let expired = Timestamp::now().plus_millis(-1);
    let live = Timestamp::now().plus_millis(60_000);
    for expires_at in [expired, expired, live] {
        insert_reservation(&app, &email_key, Id::new(), expires_at).await;
    }
    // One live reservation and the threshold of two leave room for one check.
    let reply = login(&app.client(), &email, PASSWORD).await;
    assert_eq!(
        reply.status, 200,
        "expired reservations no longer count: {}",
        reply.text
    );

    insert_reservation(&app, &email_key, Id::new(), live).await;
    let refused = login(&app.client(), &email, PASSWORD).await;
    assert_eq!(
        refused.status, 423,
        "two live reservations fill the budget: {}",
        refused.text
    );
    assert_eq!(retry_after(&refused), 1);
}

async fn insert_reservation(
    app: &crate::helpers::TestApp,
    email_key: &str,
    id: medtracker::types::Id,
    expires_at: medtracker::types::Timestamp,
) {
    use medtracker::db::Db;
    const GUARD: &str =
        "INSERT INTO login_guards (email_key) VALUES ($1) ON CONFLICT (email_key) DO NOTHING";
    const SQL: &str = "INSERT INTO login_attempts (id, email_key, expires_at) VALUES ($1, $2, $3)";
    match &app.state.db {
        Db::Sqlite(db) => {
            let pool = db.writer.pool();
            sqlx::query(GUARD)
                .bind(email_key)
                .execute(pool)
                .await
                .expect("guard");
            sqlx::query(SQL)
                .bind(id)
                .bind(email_key)
                .bind(expires_at)
                .execute(pool)
                .await
                .expect("reservation");
        }
        Db::Postgres(pool) => {
            sqlx::query(GUARD)
                .bind(email_key)
                .execute(pool)
                .await
                .expect("guard");
            sqlx::query(SQL)
                .bind(id)
                .bind(email_key)
                .bind(expires_at)
                .execute(pool)
                .await
                .expect("reservation");
        }
    }
}
