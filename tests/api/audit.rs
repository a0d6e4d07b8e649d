//! Audit events land in `audit_events`, with masked emails only.

use serde_json::json;

use crate::helpers::{AuditRow, audit_rows, credentials, spawn_app_with, unique_email};

fn masked(email: &str) -> String {
    let (local, domain) = email.split_once('@').expect("an email");
    format!("{}…@{domain}", &local[..3])
}

fn find<'a>(rows: &'a [AuditRow], event: &str) -> &'a AuditRow {
    rows.iter()
        .find(|r| r.event == event)
        .unwrap_or_else(|| panic!("no {event} in {rows:?}"))
}

#[tokio::test]
async fn sign_in_events_are_stored_with_masked_emails() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let email = unique_email();
    let client = app.client();
    let register = client.post("/auth/register", &credentials(&email)).await;
    assert_eq!(register.status, 201);
    let wrong = json!({"email": email, "password": "not the right one 99"});
    let failure = client.post("/auth/login", &wrong).await;
    assert_eq!(failure.status, 401);
    assert_eq!(
        client
            .post("/auth/login", &credentials(&email))
            .await
            .status,
        200
    );
    assert_eq!(client.post_empty("/auth/logout").await.status, 204);
    client.post("/auth/login", &wrong).await;
    assert_eq!(client.post("/auth/login", &wrong).await.status, 423);
    assert_eq!(app.client().post_empty("/auth/demo").await.status, 201);

    let rows = audit_rows(&app).await;
    let with_email = [
        "auth.register.success",
        "auth.login.failure",
        "auth.login.success",
        "auth.lockout.trigger",
    ];
    for event in with_email {
        assert_eq!(
            find(&rows, event).email_masked.as_deref(),
            Some(masked(&email).as_str()),
            "{event}"
        );
    }
    for event in [
        "auth.register.success",
        "auth.login.success",
        "auth.logout",
        "auth.demo.start",
    ] {
        assert!(find(&rows, event).has_user, "{event} names its account");
    }
    assert_eq!(
        find(&rows, "auth.login.failure").reason.as_deref(),
        Some("invalid_credentials")
    );
    assert!(find(&rows, "auth.lockout.trigger").reason.is_some());
    assert_eq!(
        find(&rows, "auth.register.success").request_id.as_deref(),
        register.header("x-request-id")
    );
    assert_eq!(
        find(&rows, "auth.login.failure").request_id.as_deref(),
        failure.header("x-request-id")
    );
    let local = email.split('@').next().unwrap_or_default();
    for row in &rows {
        let text = format!("{row:?}");
        assert!(!text.contains(local), "the full email leaked: {text}");
    }
}

#[tokio::test]
async fn a_failure_for_an_unknown_email_is_recorded_without_an_account() {
    let app = spawn_app_with(&[]).await;
    let email = unique_email();
    app.client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": "some password 1234"}),
        )
        .await;
    let rows = audit_rows(&app).await;
    let failure = find(&rows, "auth.login.failure");
    assert!(!failure.has_user);
    assert_eq!(
        failure.email_masked.as_deref(),
        Some(masked(&email).as_str())
    );
}
