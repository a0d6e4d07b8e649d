//! Arrange steps shared by the conditions, doctors and passport tests.

use medtracker::{db::Db, types::Id};
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

pub async fn create_condition(client: &Client, body: Value) -> Value {
    let reply = client.post("/api/v1/conditions", &body).await;
    assert_eq!(reply.status, 201, "create condition: {}", reply.text);
    reply.body
}

/// A new active condition's id.
pub async fn condition(client: &Client, name: &str) -> String {
    let body = create_condition(client, json!({ "name": name })).await;
    body["id"].as_str().expect("an id").to_owned()
}

pub async fn create_doctor(client: &Client, body: Value) -> Value {
    let reply = client.post("/api/v1/doctors", &body).await;
    assert_eq!(reply.status, 201, "create doctor: {}", reply.text);
    reply.body
}

/// A new doctor's id.
pub async fn doctor(client: &Client, name: &str) -> String {
    let body = create_doctor(client, json!({ "name": name })).await;
    body["id"].as_str().expect("an id").to_owned()
}

pub async fn link(client: &Client, doctor_id: &str, condition_id: &str) {
    let reply = client
        .put(&format!(
            "/api/v1/doctors/{doctor_id}/conditions/{condition_id}"
        ))
        .await;
    assert_eq!(reply.status, 204, "link: {}", reply.text);
}

pub struct Medication<'a> {
    pub name: &'a str,
    pub dosage: Option<&'a str>,
    pub frequency: Option<&'a str>,
    pub condition_id: Option<&'a str>,
    pub prescribing_doctor_id: Option<&'a str>,
    pub active: bool,
}

impl<'a> Medication<'a> {
    pub fn named(name: &'a str) -> Self {
        Self {
            name,
            dosage: None,
            frequency: None,
            condition_id: None,
            prescribing_doctor_id: None,
            active: true,
        }
    }
}

/// Creates a medication through the API (deactivated afterwards when `active` is false);
/// returns its id.
pub async fn add_medication(client: &Client, medication: Medication<'_>) -> String {
    let reply = client
        .post(
            "/api/v1/medications",
            &json!({"name": medication.name, "dosage": medication.dosage,
                    "frequency": medication.frequency, "condition_id": medication.condition_id,
                    "prescribing_doctor_id": medication.prescribing_doctor_id}),
        )
        .await;
    assert_eq!(reply.status, 201, "create medication: {}", reply.text);
    let medication_id = reply.body["id"].as_str().expect("an id").to_owned();
    if !medication.active {
        let reply = client
            .post_empty(&format!("/api/v1/medications/{medication_id}/deactivate"))
            .await;
        assert_eq!(reply.status, 200, "deactivate: {}", reply.text);
    }
    medication_id
}

/// A medication's `condition_id` as the API shows it.
pub async fn medication_condition(client: &Client, medication_id: &str) -> Value {
    let reply = client
        .get(&format!("/api/v1/medications/{medication_id}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["condition_id"].clone()
}

/// Rows of `doctor_conditions` for a doctor, whoever owns them.
pub async fn link_rows(app: &TestApp, doctor_id: &str) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM doctor_conditions WHERE doctor_id = $1";
    let doctor_id = Id::parse(doctor_id).expect("an id");
    match &app.state.db {
        Db::Sqlite(db) => sqlx::query_scalar(SQL)
            .bind(doctor_id)
            .fetch_one(&db.readers)
            .await
            .expect("count"),
        Db::Postgres(pool) => sqlx::query_scalar(SQL)
            .bind(doctor_id)
            .fetch_one(pool)
            .await
            .expect("count"),
    }
}
