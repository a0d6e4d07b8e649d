//! Arrange steps shared by the conditions, doctors and passport tests.
//!
//! Medication rows are written straight to the database: the medications routes are built on
//! another branch. Once they are merged, `insert_medication` can become a
//! `POST /api/v1/medications`.

use medtracker::{
    db::Db,
    types::{Id, Timestamp},
};
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};

pub fn id(value: &Value) -> Id {
    value
        .as_str()
        .and_then(Id::parse)
        .unwrap_or_else(|| panic!("not an id: {value}"))
}

/// The signed-in account's id.
pub async fn account_id(client: &Client) -> Id {
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    id(&me.body["user"]["id"])
}

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

/// Inserts a medication of the client's account; returns its id.
pub async fn insert_medication(app: &TestApp, client: &Client, medication: Medication<'_>) -> Id {
    const SQL: &str = "INSERT INTO medications (id, user_id, name, name_key, dosage, frequency, \
                       condition_id, prescribing_doctor_id, active, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    let medication_id = Id::new();
    let user_id = account_id(client).await;
    let parse = |raw: Option<&str>| raw.map(|r| Id::parse(r).expect("an id"));
    let now = Timestamp::now();
    // One query per backend: a query's type is tied to its database.
    macro_rules! bound {
        () => {
            sqlx::query(SQL)
                .bind(medication_id)
                .bind(user_id)
                .bind(medication.name)
                .bind(medication.name.to_lowercase())
                .bind(medication.dosage)
                .bind(medication.frequency)
                .bind(parse(medication.condition_id))
                .bind(parse(medication.prescribing_doctor_id))
                .bind(medication.active)
                .bind(now)
        };
    }
    match &app.state.db {
        Db::Sqlite(db) => {
            // Through the group committer, which owns the one writer connection.
            let mut guard = db.writer.lock().await.expect("the writer");
            let mut tx = guard.savepoint().await.expect("a savepoint");
            bound!().execute(&mut *tx).await.expect("insert");
            tx.commit().await.expect("release");
            guard.durable().await.expect("commit");
        }
        Db::Postgres(pool) => {
            bound!().execute(pool).await.expect("insert");
        }
    }
    medication_id
}

/// The `condition_id` of a medication, read from the database.
pub async fn medication_condition(app: &TestApp, medication_id: Id) -> Option<Id> {
    const SQL: &str = "SELECT condition_id FROM medications WHERE id = $1";
    match &app.state.db {
        Db::Sqlite(db) => sqlx::query_scalar(SQL)
            .bind(medication_id)
            .fetch_one(&db.readers)
            .await
            .expect("the medication"),
        Db::Postgres(pool) => sqlx::query_scalar(SQL)
            .bind(medication_id)
            .fetch_one(pool)
            .await
            .expect("the medication"),
    }
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
