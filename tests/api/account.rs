//! `/api/v1/me` beyond the profile: password change, logout everywhere, export and deletion.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{
        Client, PASSWORD, Reply, TestApp, count_rows, instant, spawn_app, spawn_app_with,
        unique_email,
    },
    records::{bulk_logs, counts, ids_of, places_holding, seed, user_id},
};

const NEW_PASSWORD: &str = "amber lantern quietly 7 rivers";

/// The value of the `session` cookie a reply sets.
fn session_cookie(reply: &Reply) -> Option<String> {
    reply.cookies().iter().find_map(|c| {
        c.strip_prefix("session=")
            .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

async fn login(app: &TestApp, email: &str, password: &str) -> (Client, Reply) {
    let client = app.client();
    let reply = client
        .post(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await;
    (client, reply)
}

async fn password_hash(app: &TestApp, email: &str) -> String {
    use medtracker::db::Db;
    let sql = "SELECT password_hash FROM users WHERE email = $1";
    match &app.state.db {
        Db::Sqlite(db) => {
            sqlx::query_scalar(sql)
                .bind(email)
                .fetch_one(&db.readers)
                .await
        }
        Db::Postgres(pool) => sqlx::query_scalar(sql).bind(email).fetch_one(pool).await,
    }
    .expect("a hash")
}

#[tokio::test]
async fn every_account_route_needs_a_session() {
    let app = spawn_app().await;
    let anonymous = app.client();
    for reply in [
        anonymous
            .post(
                "/api/v1/me/password",
                &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
            )
            .await,
        anonymous.post_empty("/api/v1/me/logout-all").await,
        anonymous.get("/api/v1/me/export").await,
        anonymous
            .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
            .await,
    ] {
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.code(), "unauthenticated");
        assert_eq!(reply.header("www-authenticate"), Some("Session"));
    }
}

#[tokio::test]
async fn a_password_change_keeps_this_session_under_a_new_id_and_ends_the_others() {
    let app = spawn_app().await;
    let client = app.client();
    let email = unique_email();
    let registered = client
        .post(
            "/auth/register",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    let old_cookie = session_cookie(&registered).expect("a session cookie");
    let other = app.signed_in_as(&email).await;
    let stranger = app.user().await;

    let reply = client
        .post(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    let new_cookie = session_cookie(&reply).expect("a fresh session cookie");
    assert_ne!(new_cookie, old_cookie);
    assert_eq!(client.get("/api/v1/me").await.status, 200);
    assert_eq!(other.get("/api/v1/me").await.status, 401);
    let old = app
        .client()
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            &[("cookie", &format!("session={old_cookie}"))],
        )
        .await;
    assert_eq!(old.status, 401, "the old session id is dead");
    assert_eq!(stranger.get("/api/v1/me").await.status, 200);
    let (_, old_password) = login(&app, &email, PASSWORD).await;
    assert_eq!(old_password.status, 401);
    assert_eq!(old_password.code(), "invalid_credentials");
    let (_, new_password) = login(&app, &email, NEW_PASSWORD).await;
    assert_eq!(new_password.status, 200);
}

#[tokio::test]
async fn a_wrong_current_password_is_422_and_counts_toward_the_lockout() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (client, email) = app.signed_in().await;
    let hash = password_hash(&app, &email).await;
    let wrong = json!({"current_password": "not my password at all", "new_password": NEW_PASSWORD});

    let first = client.post("/api/v1/me/password", &wrong).await;
    assert_eq!(first.status, 422, "{}", first.text);
    assert_eq!(first.code(), "validation_failed");
    assert_eq!(first.error_fields(), ["current_password"]);

    let second = client.post("/api/v1/me/password", &wrong).await;
    assert_eq!(second.status, 423, "{}", second.text);
    assert_eq!(second.code(), "account_locked");
    let retry: u64 = second
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=900).contains(&retry));

    // While locked even the right password is refused, here and at sign-in.
    let right = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    let locked = client.post("/api/v1/me/password", &right).await;
    assert_eq!(locked.status, 423);
    let (_, sign_in) = login(&app, &email, PASSWORD).await;
    assert_eq!(sign_in.status, 423);
    assert_eq!(password_hash(&app, &email).await, hash, "nothing changed");
    assert_eq!(
        client.get("/api/v1/me").await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (client, _) = app.signed_in().await;
    let wrong = json!({"current_password": "not my password at all", "new_password": NEW_PASSWORD});
    assert_eq!(client.post("/api/v1/me/password", &wrong).await.status, 422);
    let right = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    assert_eq!(client.post("/api/v1/me/password", &right).await.status, 204);
    let wrong_again =
        json!({"current_password": "not my password at all", "new_password": PASSWORD});
    let reply = client.post("/api/v1/me/password", &wrong_again).await;
    assert_eq!(
        reply.status, 422,
        "one failure since the success: not locked"
    );
}

#[tokio::test]
async fn a_bad_new_password_or_body_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let hash = password_hash(&app, &email).await;
    let local_part = email.split('@').next().expect("a local part");
    let cases = [
        (
            json!({"current_password": PASSWORD, "new_password": "short"}),
            vec!["new_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "password1234"}),
            vec!["new_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": format!("{local_part} violet harbour")}),
            vec!["new_password"],
        ),
        (json!({}), vec!["current_password", "new_password"]),
        (
            json!({"current_password": PASSWORD, "new_password": 42}),
            vec!["new_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "user_id": "x"}),
            vec!["user_id"],
        ),
    ];
    for (body, fields) in cases {
        let reply = client.post("/api/v1/me/password", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert_eq!(password_hash(&app, &email).await, hash);
    assert_eq!(client.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn a_demo_account_has_no_password_to_change() {
    let app = spawn_app().await;
    let demo = app.client();
    assert_eq!(demo.post_empty("/auth/demo").await.status, 201);
    let reply = demo
        .post(
            "/api/v1/me/password",
            &json!({"current_password": "anything at all here", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.error_fields(), ["current_password"]);
}

#[tokio::test]
async fn logout_all_ends_every_session_of_the_account_and_no_other() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let other = app.signed_in_as(&email).await;
    let stranger = app.user().await;
    let id = user_id(&client).await;

    let reply = client.post_empty("/api/v1/me/logout-all").await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(
        reply
            .cookies()
            .iter()
            .any(|c| c.starts_with("session=") && c.contains("Max-Age=0")),
        "the cookie is cleared: {:?}",
        reply.cookies()
    );
    assert_eq!(client.get("/api/v1/me").await.status, 401);
    assert_eq!(other.get("/api/v1/me").await.status, 401);
    assert_eq!(stranger.get("/api/v1/me").await.status, 200);
    let sessions = count_rows(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE CAST(user_id AS TEXT) = $1",
        &id.to_string(),
    )
    .await;
    assert_eq!(sessions, 0);
    let (_, again) = login(&app, &email, PASSWORD).await;
    assert_eq!(again.status, 200, "the account itself is fine");
}

/// The keys of an API object, sorted.
fn keys(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    fields.sort();
    fields
}

#[tokio::test]
async fn the_export_holds_exactly_the_accounts_records_as_the_api_shows_them() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = user_id(&client).await;
    let mine = seed(&app, id, "Mine").await;
    let stranger = app.user().await;
    let theirs = seed(&app, user_id(&stranger).await, "Theirs").await;
    let me = client.get("/api/v1/me").await.body["user"].clone();

    let reply = client.get("/api/v1/me/export").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    let date = body["exported_at"].as_str().expect("a timestamp");
    assert_eq!(
        reply.header("content-disposition"),
        Some(
            format!(
                "attachment; filename=\"medtracker-export-{}.json\"",
                &date[..10]
            )
            .as_str()
        )
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(body["profile"], me);
    assert_eq!(
        keys(body),
        sorted(&[
            "exported_at",
            "profile",
            "medications",
            "medication_logs",
            "schedules",
            "symptom_types",
            "symptom_logs",
            "conditions",
            "doctors",
            "doctor_conditions",
        ])
    );

    // Ordered by name key: "mine plain" < "mine ä-med".
    assert_eq!(
        ids_of(&body["medications"]),
        [
            mine.plain_medication.to_string(),
            mine.medication.to_string()
        ]
    );
    let created = "2026-01-02T03:04:05.678Z";
    assert_eq!(
        body["medications"][1],
        json!({"id": mine.medication.to_string(), "name": "Mine Ä-Med", "dosage": "500 mg",
            "form": "tablet", "purpose": null, "frequency": "daily",
            "prescribing_doctor_id": mine.doctor.to_string(), "condition_id": mine.condition.to_string(),
            "notes": null, "active": true, "created_at": created, "updated_at": created})
    );
    assert_eq!(body["medications"][0]["active"], json!(false));
    assert_eq!(
        body["medication_logs"],
        json!([{"id": mine.medication_log.to_string(), "medication_id": mine.medication.to_string(),
            "medication_name": "Mine Ä-Med", "taken_at": "2026-01-03T08:00:00.001Z", "dose_amount": 1.5,
            "dose_unit": "tablets", "effectiveness": 4, "side_effects": "dry mouth",
            "side_effect_severity": 2, "notes": "with food", "created_at": created, "updated_at": created}])
    );
    assert_eq!(
        body["symptom_types"],
        json!([{"id": mine.symptom_type.to_string(), "name": "Mine ache", "description": null,
            "category": "Pain", "default_severity": 6, "default_impact": 4, "active": true,
            "created_at": created, "updated_at": created}])
    );
    // Newest first, with the severity labels the API gives symptom logs.
    assert_eq!(
        body["symptom_logs"],
        json!([
            {"id": mine.ongoing_symptom_log.to_string(), "symptom_type_id": mine.symptom_type.to_string(),
             "symptom_name": "Mine ache", "started_at": "2026-01-04T09:00:00.000Z", "ended_at": null,
             "duration_minutes": null, "severity": 7, "severity_label": "severe", "impact": 4,
             "impact_label": "moderate", "notes": null, "created_at": created, "updated_at": created},
            {"id": mine.ended_symptom_log.to_string(), "symptom_type_id": mine.symptom_type.to_string(),
             "symptom_name": "Mine ache", "started_at": "2026-01-03T09:00:00.000Z",
             "ended_at": "2026-01-03T10:30:00.000Z", "duration_minutes": 90, "severity": 9,
             "severity_label": "critical", "impact": 3, "impact_label": "mild", "notes": null,
             "created_at": created, "updated_at": created}
        ])
    );
    assert_eq!(
        body["conditions"],
        json!([{"id": mine.condition.to_string(), "name": "Mine condition", "status": "active",
            "diagnosed_on": "2025-06-30", "notes": "since childhood", "doctor_ids": [mine.doctor.to_string()],
            "created_at": created, "updated_at": created}])
    );
    assert_eq!(
        body["doctors"],
        json!([{"id": mine.doctor.to_string(), "name": "Dr. Mine", "specialty": "Neurology",
            "phone": "+49 30 123", "email": "dr@example.org", "address": "Main St 1", "notes": null,
            "condition_ids": [mine.condition.to_string()], "created_at": created, "updated_at": created}])
    );
    assert_eq!(
        body["doctor_conditions"],
        json!([{"doctor_id": mine.doctor.to_string(), "condition_id": mine.condition.to_string(),
            "created_at": created}])
    );
    assert!(
        !reply.text.contains(&theirs.medication.to_string()) && !reply.text.contains("Theirs"),
        "nothing of another account"
    );
}

#[tokio::test]
async fn an_empty_account_exports_empty_lists() {
    let app = spawn_app().await;
    let client = app.user().await;
    let reply = client.get("/api/v1/me/export").await;
    assert_eq!(reply.status, 200);
    for list in [
        "medications",
        "medication_logs",
        "schedules",
        "symptom_types",
        "symptom_logs",
        "conditions",
        "doctors",
        "doctor_conditions",
    ] {
        assert_eq!(reply.body[list], json!([]), "{list}");
    }
}

#[tokio::test]
async fn an_account_with_100_000_logs_exports_in_one_document() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = user_id(&client).await;
    let mine = seed(&app, id, "Mine").await;
    bulk_logs(&app, id, mine.medication, 60_000, false).await;
    bulk_logs(&app, id, mine.symptom_type, 40_000, true).await;
    let stranger = app.user().await;
    let theirs = seed(&app, user_id(&stranger).await, "Theirs").await;
    bulk_logs(
        &app,
        user_id(&stranger).await,
        theirs.medication,
        1_000,
        false,
    )
    .await;

    // Within the default request timeout (30 s), even in a debug build on a busy machine.
    let reply = client.get("/api/v1/me/export").await;

    assert_eq!(reply.status, 200, "{}", reply.code());
    assert_eq!(
        reply.body["medication_logs"].as_array().map(Vec::len),
        Some(60_001)
    );
    assert_eq!(
        reply.body["symptom_logs"].as_array().map(Vec::len),
        Some(40_002)
    );
    let newest = &reply.body["medication_logs"][0]["taken_at"];
    assert_eq!(newest, &json!(instant("2026-01-31T00:00:00Z").to_string()));
}

#[tokio::test]
async fn deleting_the_account_leaves_no_row_holding_its_id_or_email() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let id = user_id(&client).await;
    seed(&app, id, "Mine").await;
    // A second session, a failed sign-in (lockout rows) and a few audit events.
    let other = app.signed_in_as(&email).await;
    let (_, failed) = login(&app, &email, "not my password at all").await;
    assert_eq!(failed.status, 401);
    assert_eq!(client.get("/api/v1/me/export").await.status, 200);
    let stranger = app.user().await;
    let stranger_id = user_id(&stranger).await;
    seed(&app, stranger_id, "Theirs").await;
    let stranger_before = counts(&app, stranger_id).await;

    let reply = client
        .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
        .await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(
        reply
            .cookies()
            .iter()
            .any(|c| c.starts_with("session=") && c.contains("Max-Age=0"))
    );
    for (table, count) in counts(&app, id).await {
        assert_eq!(count, 0, "{table} still holds rows of the account");
    }
    let local_part = email.split('@').next().expect("a local part");
    for needle in [
        id.to_string(),
        id.0.simple().to_string(),
        email.clone(),
        local_part.to_owned(),
    ] {
        assert_eq!(
            places_holding(&app, &needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let kept = count_rows(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE event = $1 AND user_id IS NULL AND email_masked IS NULL",
        "account.delete",
    )
    .await;
    assert_eq!(kept, 1, "the audit trail keeps the event, anonymised");
    let guards = count_rows(
        &app,
        "SELECT COUNT(*) FROM login_guards WHERE email_key <> $1",
        "",
    )
    .await;
    assert!(guards >= 1, "lockout rows remain, keyed by an HMAC only");
    assert_eq!(client.get("/api/v1/me").await.status, 401);
    assert_eq!(other.get("/api/v1/me").await.status, 401);
    let (_, sign_in) = login(&app, &email, PASSWORD).await;
    assert_eq!(sign_in.status, 401);
    assert_eq!(counts(&app, stranger_id).await, stranger_before);
    assert_eq!(stranger.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn a_wrong_or_missing_password_deletes_nothing() {
    let app = spawn_app_with(&[("LOCKOUT_THRESHOLD", "2")]).await;
    let (client, email) = app.signed_in().await;
    let id = user_id(&client).await;
    seed(&app, id, "Mine").await;
    let before = counts(&app, id).await;

    for (body, field) in [
        (json!({}), "password"),
        (json!({"password": ""}), "password"),
        (json!({"password": PASSWORD, "confirm": true}), "confirm"),
    ] {
        let reply = client.post("/api/v1/me/delete", &body).await;
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    let wrong = client
        .post(
            "/api/v1/me/delete",
            &json!({"password": "not my password at all"}),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(wrong.error_fields(), ["password"]);
    let locked = client
        .post(
            "/api/v1/me/delete",
            &json!({"password": "not my password at all"}),
        )
        .await;
    assert_eq!(
        locked.status, 423,
        "the second failure reaches the threshold"
    );
    assert!(locked.header("retry-after").is_some());
    let right_but_locked = client
        .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(right_but_locked.status, 423);

    let mut after = counts(&app, id).await;
    // Only the audit trail grew (the failures are recorded).
    let audit = |counts: &mut Vec<(&str, i64)>| counts.retain(|(t, _)| *t != "audit_events");
    let mut before = before;
    audit(&mut before);
    audit(&mut after);
    assert_eq!(after, before);
    assert_eq!(client.get("/api/v1/me").await.status, 200);
    let (_, sign_in) = login(&app, &email, PASSWORD).await;
    assert_eq!(sign_in.status, 423, "the email is locked");
}
