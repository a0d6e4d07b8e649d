//! Two PATCHes of different fields of one record, sent at the same moment (as from two browser
//! tabs), must both land: neither may write back the other's field with the value it read
//! before. Every kind of record that takes a PATCH is tried, many times over.

use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, spawn_app};

const ROUNDS: usize = 20;

/// Two sessions of one new account, as two browser tabs would hold.
async fn two_tabs(app: &TestApp) -> (Client, Client) {
    let (first, email) = app.signed_in().await;
    let second = app.signed_in_as(&email).await;
    (first, second)
}

async fn created(client: &Client, path: &str, body: Value) -> String {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

/// Sends `first` and `second` to `path` at once, `ROUNDS` times with values made from the round
/// number, and checks after each round that the record holds both changes.
async fn both_patches_land(
    (one, other): (&Client, &Client),
    path: &str,
    first: impl Fn(usize) -> (&'static str, Value),
    second: impl Fn(usize) -> (&'static str, Value),
) {
    for round in 0..ROUNDS {
        let (field_a, value_a) = first(round);
        let (field_b, value_b) = second(round);
        let (body_a, body_b) = (json!({ field_a: value_a }), json!({ field_b: value_b }));
        let (a, b) = tokio::join!(one.patch(path, &body_a), other.patch(path, &body_b));
        assert_eq!(a.status, 200, "round {round}: {}", a.text);
        assert_eq!(b.status, 200, "round {round}: {}", b.text);
        let stored = one.get(path).await;
        assert_eq!(stored.status, 200, "{}", stored.text);
        assert_eq!(
            stored.body[field_a], value_a,
            "round {round}: lost `{field_a}`: {}",
            stored.text
        );
        assert_eq!(
            stored.body[field_b], value_b,
            "round {round}: lost `{field_b}`: {}",
            stored.text
        );
    }
}

#[tokio::test]
async fn medications_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let id = created(&one, "/api/v1/medications", json!({"name": "Ibuprofen"})).await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/medications/{id}"),
        |round| ("dosage", json!(format!("{round}00 mg"))),
        |round| ("notes", json!(format!("note {round}"))),
    )
    .await;
}

#[tokio::test]
async fn medication_logs_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let medication = created(&one, "/api/v1/medications", json!({"name": "Ibuprofen"})).await;
    let id = created(
        &one,
        "/api/v1/logs/medications",
        json!({"medication_id": medication}),
    )
    .await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/logs/medications/{id}"),
        |round| ("dose_unit", json!(format!("unit {round}"))),
        |round| ("notes", json!(format!("note {round}"))),
    )
    .await;
}

#[tokio::test]
async fn symptom_types_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let id = created(&one, "/api/v1/symptom-types", json!({"name": "Headache"})).await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/symptom-types/{id}"),
        |round| ("description", json!(format!("description {round}"))),
        |round| ("category", json!(format!("category {round}"))),
    )
    .await;
}

#[tokio::test]
async fn symptom_logs_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let symptom_type = created(&one, "/api/v1/symptom-types", json!({"name": "Headache"})).await;
    let id = created(
        &one,
        "/api/v1/logs/symptoms",
        json!({"symptom_type_id": symptom_type}),
    )
    .await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/logs/symptoms/{id}"),
        |round| ("severity", json!(round % 10 + 1)),
        |round| ("notes", json!(format!("note {round}"))),
    )
    .await;
}

#[tokio::test]
async fn conditions_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let id = created(&one, "/api/v1/conditions", json!({"name": "Asthma"})).await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/conditions/{id}"),
        |round| ("diagnosed_on", json!(format!("2019-04-{:02}", round + 1))),
        |round| ("notes", json!(format!("note {round}"))),
    )
    .await;
}

#[tokio::test]
async fn doctors_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let id = created(&one, "/api/v1/doctors", json!({"name": "Dr. Weber"})).await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/doctors/{id}"),
        |round| ("specialty", json!(format!("specialty {round}"))),
        |round| ("phone", json!(format!("+49 30 {round}"))),
    )
    .await;
}

#[tokio::test]
async fn schedules_keep_both_concurrent_changes() {
    let app = spawn_app().await;
    let (one, other) = two_tabs(&app).await;
    let medication = created(&one, "/api/v1/medications", json!({"name": "Ibuprofen"})).await;
    let id = created(
        &one,
        &format!("/api/v1/medications/{medication}/schedules"),
        json!({"times": ["08:00"], "starts_on": "2026-01-01"}),
    )
    .await;
    both_patches_land(
        (&one, &other),
        &format!("/api/v1/schedules/{id}"),
        |round| ("times", json!([format!("{:02}:30", round % 24)])),
        |round| ("dose_unit", json!(format!("unit {round}"))),
    )
    .await;
}
