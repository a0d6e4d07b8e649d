//! Quotas: how many records of each kind one account may hold. One more is 422
//! `quota_exceeded` naming the collection, and changes nothing; deleting makes room again.

use medtracker::types::{Id, Timestamp};
use serde_json::json;

use crate::{
    helpers::{Client, MINUTE, PASSWORD, Reply, TestApp, count_rows, spawn_app},
    records::{Logs, counted, insert_logs, insert_named, set_counted, user_id},
};

const MASTER_DATA: [(&str, &str); 4] = [
    ("/api/v1/medications", "medications"),
    ("/api/v1/symptom-types", "symptom_types"),
    ("/api/v1/conditions", "conditions"),
    ("/api/v1/doctors", "doctors"),
];

async fn rows_of(app: &TestApp, table: &str, user: Id) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST(user_id AS TEXT) = $1");
    count_rows(app, &sql, &user.to_string()).await
}

/// Asserts a refusal by the quota of `collection`.
fn assert_quota_refusal(reply: &Reply, collection: &str) {
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "quota_exceeded");
    assert_eq!(reply.error_fields(), [collection]);
    // The detail names the collection in words ("symptom types") and the quota.
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&collection.replace('_', " ")), "{detail}");
    assert!(detail.contains("at most"), "{detail}");
}

fn id_of(body: &serde_json::Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn each_kind_of_master_data_holds_at_most_1000_per_account() {
    let app = spawn_app().await;
    let client = app.user().await;
    let user = user_id(&client).await;
    let stranger = app.user().await;

    for (path, table) in MASTER_DATA {
        insert_named(&app, table, user, 999).await;
        let thousandth = client.post(path, &json!({"name": "Number 1000"})).await;
        assert_eq!(thousandth.status, 201, "{path}: {}", thousandth.text);

        let refused = client.post(path, &json!({"name": "Number 1001"})).await;

        assert_quota_refusal(&refused, table);
        assert_eq!(rows_of(&app, table, user).await, 1000, "{table}");
        assert_eq!(counted(&app, user, table).await, 1000, "{table}");
        // Another account's quota is its own.
        let other = stranger.post(path, &json!({"name": "Number 1001"})).await;
        assert_eq!(other.status, 201, "{path}: {}", other.text);
        // Deleting one makes room for one.
        let deleted = client
            .delete(&format!("{path}/{}", id_of(&thousandth.body)))
            .await;
        assert_eq!(deleted.status, 204, "{path}: {}", deleted.text);
        let again = client.post(path, &json!({"name": "Number 1001"})).await;
        assert_eq!(again.status, 201, "{path}: {}", again.text);
    }
}

/// The first active medication and the first symptom type of the account.
async fn parents(client: &Client) -> (String, String) {
    let medications = client.get("/api/v1/medications?active=true").await;
    let types = client.get("/api/v1/symptom-types").await;
    (
        id_of(&medications.body["items"][0]),
        id_of(&types.body["items"][0]),
    )
}

/// `n` instants, 37 minutes apart, going back from an hour ago (fewer than 40 a day).
fn past_times(n: i64) -> Vec<Timestamp> {
    let start = Timestamp::now().plus_millis(-60 * MINUTE);
    (0..n)
        .map(|i| start.plus_millis(-37 * MINUTE * i))
        .collect()
}

#[tokio::test]
async fn a_demo_account_holds_at_most_2000_logs_of_each_kind_its_sample_data_included() {
    let app = spawn_app().await;
    let client = app.client();
    let demo = client.post_empty("/auth/demo").await;
    assert_eq!(demo.status, 201, "{}", demo.text);
    let user = user_id(&client).await;
    let (medication, symptom_type) = parents(&client).await;
    let kinds = [
        (
            Logs::Medication,
            "medication_logs",
            "/api/v1/logs/medications",
            json!({"medication_id": medication}),
            &medication,
        ),
        (
            Logs::Symptom,
            "symptom_logs",
            "/api/v1/logs/symptoms",
            json!({"symptom_type_id": symptom_type}),
            &symptom_type,
        ),
    ];

    for (logs, table, path, body, parent) in kinds {
        let sample = rows_of(&app, table, user).await;
        assert!(sample > 0, "{table}: the demo has sample logs");
        assert_eq!(counted(&app, user, table).await, sample, "{table}");
        let parent = Id::parse(parent).expect("a uuid");
        insert_logs(&app, logs, user, parent, &past_times(2_000 - sample - 1)).await;
        let last = client.post(path, &body).await;
        assert_eq!(last.status, 201, "{path}: {}", last.text);

        let refused = client.post(path, &body).await;

        assert_quota_refusal(&refused, table);
        assert_eq!(rows_of(&app, table, user).await, 2_000, "{table}");
    }
}

#[tokio::test]
async fn an_account_holds_at_most_200000_logs_of_each_kind() {
    let app = spawn_app().await;
    let client = app.user().await;
    let user = user_id(&client).await;
    let medication = client
        .post("/api/v1/medications", &json!({"name": "Iron"}))
        .await;
    let symptom_type = client
        .post("/api/v1/symptom-types", &json!({"name": "Ache"}))
        .await;
    let kinds = [
        (
            "medication_logs",
            "/api/v1/logs/medications",
            json!({"medication_id": id_of(&medication.body)}),
        ),
        (
            "symptom_logs",
            "/api/v1/logs/symptoms",
            json!({"symptom_type_id": id_of(&symptom_type.body)}),
        ),
    ];

    for (table, path, body) in kinds {
        let first = client.post(path, &body).await;
        assert_eq!(first.status, 201, "{path}: {}", first.text);
        // 200 000 rows would take minutes to write: the counter stands in for them.
        set_counted(&app, user, table, 199_999).await;
        let last = client.post(path, &body).await;
        assert_eq!(last.status, 201, "{path}: {}", last.text);
        assert_eq!(counted(&app, user, table).await, 200_000);

        let refused = client.post(path, &body).await;

        assert_quota_refusal(&refused, table);
        assert_eq!(rows_of(&app, table, user).await, 2, "{table}");
        let deleted = client
            .delete(&format!("{path}/{}", id_of(&last.body)))
            .await;
        assert_eq!(deleted.status, 204);
        assert_eq!(counted(&app, user, table).await, 199_999);
        let again = client.post(path, &body).await;
        assert_eq!(again.status, 201, "{path}: {}", again.text);
    }
}

#[tokio::test]
async fn the_counters_follow_inserts_deletes_and_cascades_and_leave_with_the_account() {
    let app = spawn_app().await;
    let client = app.user().await;
    let user = user_id(&client).await;
    let kept = client
        .post("/api/v1/medications", &json!({"name": "Kept"}))
        .await;
    let dropped = client
        .post("/api/v1/medications", &json!({"name": "Dropped"}))
        .await;
    let schedule = json!({"times": ["08:00"], "starts_on": "2026-01-01"});
    for medication in [&kept, &dropped] {
        let path = format!("/api/v1/medications/{}/schedules", id_of(&medication.body));
        assert_eq!(client.post(&path, &schedule).await.status, 201);
    }
    let log_body = json!({"medication_id": id_of(&kept.body)});
    let log = client.post("/api/v1/logs/medications", &log_body).await;
    assert_eq!(
        client
            .post("/api/v1/logs/medications", &log_body)
            .await
            .status,
        201
    );
    let log_path = format!("/api/v1/logs/medications/{}", id_of(&log.body));
    assert_eq!(client.delete(&log_path).await.status, 204);
    // Deleting a medication takes its schedules along.
    let dropped_path = format!("/api/v1/medications/{}", id_of(&dropped.body));
    assert_eq!(client.delete(&dropped_path).await.status, 204);

    for (table, expected) in [("medications", 1), ("schedules", 1), ("medication_logs", 1)] {
        assert_eq!(rows_of(&app, table, user).await, expected, "{table}");
        assert_eq!(counted(&app, user, table).await, expected, "{table}");
    }

    let deleted = client
        .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(rows_of(&app, "account_usage", user).await, 0);
}
