//! Two servers over one database behave as one (nothing they share lives only in memory).

use medtracker::demo;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with, spawn_replica};

/// The raw `session=...` cookie pair of a reply.
fn session_cookie(reply: &crate::helpers::Reply) -> String {
    reply
        .cookies()
        .iter()
        .find_map(|c| {
            c.split(';')
                .next()
                .filter(|p| p.starts_with("session="))
                .map(str::to_owned)
        })
        .expect("a session cookie")
}

#[tokio::test]
async fn a_session_made_on_one_replica_is_valid_on_the_other_and_ends_on_both() {
    let a = spawn_app().await;
    let b = spawn_replica(&a, &[]).await;
    let email = crate::helpers::unique_email();
    let registered = a
        .client()
        .post(
            "/auth/register",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(registered.status, 201);
    let cookie = session_cookie(&registered);
    let with_cookie = |app: &crate::helpers::TestApp, method: Method, path: &'static str| {
        let client = app.client();
        let cookie = cookie.clone();
        async move {
            client
                .request(method, path, None, &[("cookie", &cookie)])
                .await
        }
    };

    assert_eq!(with_cookie(&b, Method::GET, "/api/v1/me").await.status, 200);
    assert_eq!(
        with_cookie(&b, Method::POST, "/auth/logout").await.status,
        204
    );
    assert_eq!(with_cookie(&a, Method::GET, "/api/v1/me").await.status, 401);
    assert_eq!(with_cookie(&b, Method::GET, "/api/v1/me").await.status, 401);
}

#[tokio::test]
async fn lockout_counts_failures_made_through_both_replicas() {
    let settings = [("LOCKOUT_THRESHOLD", "4")];
    let a = spawn_app_with(&settings).await;
    let b = spawn_replica(&a, &settings).await;
    let (_, email) = a.signed_in().await;
    let wrong = json!({"email": email, "password": "not the password at all"});
    for app in [&a, &b, &a] {
        assert_eq!(app.client().post("/auth/login", &wrong).await.status, 401);
    }
    let fourth = b.client().post("/auth/login", &wrong).await;
    assert_eq!(fourth.status, 423, "{}", fourth.text);
    let right = json!({"email": email, "password": PASSWORD});
    assert_eq!(a.client().post("/auth/login", &right).await.status, 423);
    assert_eq!(b.client().post("/auth/login", &right).await.status, 423);
}

#[tokio::test]
async fn concurrent_sweeps_delete_each_expired_demo_exactly_once() {
    let settings = [
        ("DEMO_LIFETIME_SECS", "1"),
        ("DEMO_SWEEP_INTERVAL_SECS", "3600"),
    ];
    let a = spawn_app_with(&settings).await;
    let b = spawn_replica(&a, &settings).await;
    for app in [&a, &b, &a, &b] {
        assert_eq!(app.client().post_empty("/auth/demo").await.status, 201);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (from_a, from_b) = tokio::join!(demo::sweep(&a.state.db), demo::sweep(&b.state.db));
    let (from_a, from_b) = (from_a.expect("sweep on a"), from_b.expect("sweep on b"));
    assert_eq!(
        from_a + from_b,
        4,
        "each demo deleted once: {from_a} + {from_b}"
    );
    let left = crate::helpers::count_rows(
        &a,
        "SELECT COUNT(*) FROM users WHERE email LIKE $1",
        "%@demo.invalid",
    )
    .await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_same_medication_name_through_both_replicas_is_created_once() {
    let a = spawn_app().await;
    let b = spawn_replica(&a, &[]).await;
    let (client_a, email) = a.signed_in().await;
    let client_b = b.signed_in_as(&email).await;
    for round in 0..5 {
        let body = json!({"name": format!("Ibuprofen {round}")});
        let (first, second) = tokio::join!(
            client_a.post("/api/v1/medications", &body),
            client_b.post("/api/v1/medications", &body)
        );
        let mut statuses = [first.status, second.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: {} / {}",
            first.text,
            second.text
        );
    }
}
