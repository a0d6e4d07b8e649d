//! Medications (`/api/v1/medications`): the master list, its field rules, names unique per account,
//! activation, deletion guarded by history, and isolation between accounts.

use medtracker::{
    db::Db,
    types::{Id, Timestamp},
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, spawn_app};

const MEDICATIONS: &str = "/api/v1/medications";

pub async fn create_medication(client: &Client, body: Value) -> Value {
    let reply = client.post(MEDICATIONS, &body).await;
    assert_eq!(reply.status, 201, "create medication: {}", reply.text);
    reply.body
}

pub async fn medication(client: &Client, name: &str) -> String {
    let body = create_medication(client, json!({ "name": name })).await;
    body["id"].as_str().expect("an id").to_owned()
}

pub async fn account_id(client: &Client) -> String {
    let me = client.get("/api/v1/me").await;
    me.body["user"]["id"].as_str().expect("an id").to_owned()
}

/// A doctor or condition of the account, written straight to the database: their own routes
/// belong to another part of the API.
pub async fn insert_owned(app: &TestApp, table: &str, client: &Client) -> String {
    let user_id = Id::parse(&account_id(client).await).expect("a uuid");
    let id = Id::new();
    let name = format!("{table} {id}");
    let sql = format!(
        "INSERT INTO {table} (id, user_id, name, name_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)"
    );
    let now = Timestamp::now();
    match &app.state.db {
        Db::Sqlite(db) => sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(now)
            .execute(db.writer.pool())
            .await
            .map(drop),
        Db::Postgres(pool) => sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(now)
            .execute(pool)
            .await
            .map(drop),
    }
    .expect("insert");
    id.to_string()
}

#[tokio::test]
async fn a_new_medication_has_defaults_and_can_be_read_back() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_medication(&client, json!({"name": "  Ibuprofen  "})).await;
    assert_eq!(created["name"], "Ibuprofen");
    assert_eq!(created["active"], true);
    for field in [
        "dosage",
        "form",
        "purpose",
        "frequency",
        "prescribing_doctor_id",
        "condition_id",
        "notes",
    ] {
        assert_eq!(created[field], Value::Null, "{field}");
    }
    let created_at = created["created_at"].as_str().expect("a time");
    assert_eq!(created_at.len(), "2026-11-27T08:30:00.123Z".len());
    assert!(created_at.ends_with('Z'));
    assert_eq!(created["updated_at"], created["created_at"]);
    let id = created["id"].as_str().expect("an id");
    let read = client.get(&format!("{MEDICATIONS}/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created);
}

#[tokio::test]
async fn every_field_is_stored_as_sent() {
    let app = spawn_app().await;
    let client = app.user().await;
    let doctor = insert_owned(&app, "doctors", &client).await;
    let condition = insert_owned(&app, "conditions", &client).await;
    let created = create_medication(
        &client,
        json!({"name": "Metformin", "dosage": "500 mg", "form": "tablet", "purpose": "blood sugar",
            "frequency": "twice a day", "prescribing_doctor_id": doctor, "condition_id": condition,
            "notes": "with meals\r\n\tnever on an empty stomach", "active": false}),
    )
    .await;
    assert_eq!(created["dosage"], "500 mg");
    assert_eq!(created["form"], "tablet");
    assert_eq!(created["purpose"], "blood sugar");
    assert_eq!(created["frequency"], "twice a day");
    assert_eq!(created["prescribing_doctor_id"], json!(doctor));
    assert_eq!(created["condition_id"], json!(condition));
    assert_eq!(
        created["notes"],
        "with meals\r\n\tnever on an empty stomach"
    );
    assert_eq!(created["active"], false);
}

#[tokio::test]
async fn field_rules_are_enforced_and_a_refused_body_creates_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cases = [
        (json!({}), vec!["name"]),
        (json!({"name": "   "}), vec!["name"]),
        (json!({"name": null}), vec!["name"]),
        (json!({"name": "x".repeat(101)}), vec!["name"]),
        (json!({"name": "two\nlines"}), vec!["name"]),
        (json!({"name": 42}), vec!["name"]),
        (
            json!({"name": "A", "dosage": "x".repeat(51)}),
            vec!["dosage"],
        ),
        (json!({"name": "A", "form": "x".repeat(51)}), vec!["form"]),
        (
            json!({"name": "A", "purpose": "x".repeat(501)}),
            vec!["purpose"],
        ),
        (json!({"name": "A", "purpose": "a\nb"}), vec!["purpose"]),
        (
            json!({"name": "A", "frequency": "x".repeat(101)}),
            vec!["frequency"],
        ),
        (
            json!({"name": "A", "notes": "x".repeat(1001)}),
            vec!["notes"],
        ),
        (json!({"name": "A", "notes": "bell\u{7}"}), vec!["notes"]),
        (json!({"name": "A", "active": "yes"}), vec!["active"]),
        (
            json!({"name": "A", "condition_id": "not-a-uuid"}),
            vec!["condition_id"],
        ),
        (
            json!({"name": "A", "id": Id::new().to_string(), "user_id": Id::new().to_string(),
                "created_at": "2026-01-01T00:00:00Z", "colour": "red"}),
            vec!["colour", "created_at", "id", "user_id"],
        ),
        (
            json!({"name": "", "dosage": "x".repeat(51)}),
            vec!["name", "dosage"],
        ),
    ];
    for (body, fields) in cases {
        let reply = client.post(MEDICATIONS, &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert!(client.names("/api/v1/medications").await.is_empty());
}

#[tokio::test]
async fn limits_are_inclusive_and_counted_in_characters() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_medication(
        &client,
        json!({"name": "ä".repeat(100), "dosage": "µ".repeat(50), "form": "x".repeat(50),
            "purpose": "x".repeat(500), "frequency": "x".repeat(100), "notes": "ß".repeat(1000)}),
    )
    .await;
    assert_eq!(
        created["name"].as_str().map(|s| s.chars().count()),
        Some(100)
    );
    assert_eq!(
        created["notes"].as_str().map(|s| s.chars().count()),
        Some(1000)
    );
}

#[tokio::test]
async fn blank_optional_text_is_stored_as_null() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_medication(
        &client,
        json!({"name": "Aspirin", "dosage": "  ", "notes": "\n", "form": null}),
    )
    .await;
    assert_eq!(created["dosage"], Value::Null);
    assert_eq!(created["notes"], Value::Null);
    assert_eq!(created["form"], Value::Null);
}

#[tokio::test]
async fn names_are_unique_per_account_ignoring_case() {
    let app = spawn_app().await;
    let client = app.user().await;
    medication(&client, "Ibuprofen").await;
    medication(&client, "Ärzte-Mix").await;
    for name in ["ibuprofen", " IBUPROFEN ", "ärzte-mix", "ÄRZTE-MIX"] {
        let reply = client.post(MEDICATIONS, &json!({ "name": name })).await;
        assert_eq!(reply.status, 409, "{name}: {}", reply.text);
        assert_eq!(reply.code(), "duplicate_name");
    }
    assert_eq!(
        client.names("/api/v1/medications").await,
        ["Ibuprofen", "Ärzte-Mix"]
    );

    let other = app.user().await;
    medication(&other, "Ibuprofen").await;
    medication(&other, "ärzte-mix").await;
}

#[tokio::test]
async fn renaming_onto_another_name_is_a_conflict_but_recasing_is_not() {
    let app = spawn_app().await;
    let client = app.user().await;
    medication(&client, "Aspirin").await;
    let id = medication(&client, "Paracetamol").await;
    let path = format!("{MEDICATIONS}/{id}");
    let reply = client.patch(&path, &json!({"name": "ASPIRIN"})).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "duplicate_name");
    assert_eq!(client.get(&path).await.body["name"], "Paracetamol");
    let reply = client.patch(&path, &json!({"name": "PARACETAMOL"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["name"], "PARACETAMOL");
}

#[tokio::test]
async fn the_list_is_ordered_by_name_key_then_id_and_filtered() {
    let app = spawn_app().await;
    let client = app.user().await;
    for name in ["beta", "Zeta", "ärzte", "Alpha"] {
        medication(&client, name).await;
    }
    let inactive = medication(&client, "Gamma").await;
    let reply = client
        .post_empty(&format!("{MEDICATIONS}/{inactive}/deactivate"))
        .await;
    assert_eq!(reply.status, 200);
    medication(&app.user().await, "Delta").await;

    // Code-point order of the lower-cased names, the same on both databases.
    assert_eq!(
        client.names("/api/v1/medications").await,
        ["Alpha", "beta", "Gamma", "Zeta", "ärzte"]
    );
    assert_eq!(
        client.names("/api/v1/medications?active=true").await,
        ["Alpha", "beta", "Zeta", "ärzte"]
    );
    assert_eq!(
        client.names("/api/v1/medications?active=false").await,
        ["Gamma"]
    );
    assert_eq!(
        client.names("/api/v1/medications?q=ET").await,
        ["beta", "Zeta"]
    );
    assert_eq!(
        client.names("/api/v1/medications?q=%C3%84RZ").await,
        ["ärzte"]
    );
    assert_eq!(
        client.names("/api/v1/medications?q=a&active=false").await,
        ["Gamma"]
    );
    assert_eq!(client.names("/api/v1/medications?q=%20%20").await.len(), 5);
    assert!(client.names("/api/v1/medications?q=delta").await.is_empty());

    let reply = client.get(&format!("{MEDICATIONS}?active=yes")).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["active"]);
}

#[tokio::test]
async fn search_treats_like_wildcards_literally() {
    let app = spawn_app().await;
    let client = app.user().await;
    for name in ["50% Gel", "5000 Gel", "a_b", "axb", "back\\slash"] {
        medication(&client, name).await;
    }
    assert_eq!(client.names("/api/v1/medications?q=%25").await, ["50% Gel"]);
    assert_eq!(client.names("/api/v1/medications?q=_").await, ["a_b"]);
    assert_eq!(
        client.names("/api/v1/medications?q=0%25").await,
        ["50% Gel"]
    );
    assert_eq!(
        client.names("/api/v1/medications?q=%5C").await,
        ["back\\slash"]
    );
}

#[tokio::test]
async fn patch_merges_sets_clears_and_keeps() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_medication(
        &client,
        json!({"name": "Ibuprofen", "dosage": "400 mg", "form": "tablet", "notes": "with food",
            "frequency": "daily"}),
    )
    .await;
    let path = format!("{MEDICATIONS}/{}", created["id"].as_str().expect("an id"));
    let reply = client
        .patch(
            &path,
            &json!({"dosage": "200 mg", "notes": null, "frequency": "  ", "purpose": "pain"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let updated = reply.body;
    assert_eq!(updated["name"], "Ibuprofen");
    assert_eq!(updated["dosage"], "200 mg");
    assert_eq!(updated["form"], "tablet");
    assert_eq!(updated["notes"], Value::Null);
    assert_eq!(updated["frequency"], Value::Null);
    assert_eq!(updated["purpose"], "pain");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert!(updated["updated_at"].as_str() >= created["updated_at"].as_str());
    assert_eq!(client.get(&path).await.body, updated);

    let unchanged = client.patch(&path, &json!({})).await;
    assert_eq!(unchanged.status, 200);
    assert_eq!(unchanged.body["dosage"], "200 mg");
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created =
        create_medication(&client, json!({"name": "Ibuprofen", "dosage": "400 mg"})).await;
    let path = format!("{MEDICATIONS}/{}", created["id"].as_str().expect("an id"));
    let cases = [
        (json!({"name": null}), vec!["name"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"active": null}), vec!["active"]),
        (
            json!({"dosage": "x".repeat(51), "name": "New"}),
            vec!["dosage"],
        ),
        (json!({"id": Id::new().to_string()}), vec!["id"]),
        (
            json!({"user_id": Id::new().to_string(), "name": "New"}),
            vec!["user_id"],
        ),
        (
            json!({"updated_at": "2026-01-01T00:00:00Z"}),
            vec!["updated_at"],
        ),
    ];
    for (body, fields) in cases {
        let reply = client.patch(&path, &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert_eq!(client.get(&path).await.body, created);
}

#[tokio::test]
async fn references_must_be_the_accounts_own() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    let own_doctor = insert_owned(&app, "doctors", &client).await;
    let own_condition = insert_owned(&app, "conditions", &client).await;
    let their_doctor = insert_owned(&app, "doctors", &other).await;
    let their_condition = insert_owned(&app, "conditions", &other).await;
    let missing = Id::new().to_string();

    for (doctor, condition, fields) in [
        (&their_doctor, &own_condition, vec!["prescribing_doctor_id"]),
        (&own_doctor, &their_condition, vec!["condition_id"]),
        (
            &missing,
            &missing,
            vec!["prescribing_doctor_id", "condition_id"],
        ),
        // A doctor's id is not a condition's.
        (
            &own_condition,
            &own_doctor,
            vec!["prescribing_doctor_id", "condition_id"],
        ),
    ] {
        let reply = client
            .post(
                MEDICATIONS,
                &json!({"name": "X", "prescribing_doctor_id": doctor, "condition_id": condition}),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), fields);
    }
    assert!(client.names("/api/v1/medications").await.is_empty());

    let created = create_medication(
        &client,
        json!({"name": "X", "prescribing_doctor_id": own_doctor, "condition_id": own_condition}),
    )
    .await;
    let path = format!("{MEDICATIONS}/{}", created["id"].as_str().expect("an id"));
    let reply = client
        .patch(&path, &json!({"prescribing_doctor_id": their_doctor}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["prescribing_doctor_id"]);
    let reply = client.patch(&path, &json!({"condition_id": missing})).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["condition_id"]);
    assert_eq!(client.get(&path).await.body, created);

    let reply = client
        .patch(
            &path,
            &json!({"prescribing_doctor_id": null, "condition_id": null}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["prescribing_doctor_id"], Value::Null);
    assert_eq!(reply.body["condition_id"], Value::Null);
}

#[tokio::test]
async fn activation_is_idempotent() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = medication(&client, "Ibuprofen").await;
    let deactivate = format!("{MEDICATIONS}/{id}/deactivate");
    let activate = format!("{MEDICATIONS}/{id}/activate");

    let first = client.post_empty(&deactivate).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["active"], false);
    let second = client.post_empty(&deactivate).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.body, first.body,
        "a repeated deactivation changes nothing"
    );

    let first = client.post_empty(&activate).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["active"], true);
    let second = client.post_empty(&activate).await;
    assert_eq!(second.body, first.body);
    assert_eq!(
        client.get(&format!("{MEDICATIONS}/{id}")).await.body,
        first.body
    );
}

#[tokio::test]
async fn a_medication_without_logs_can_be_deleted() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = medication(&client, "Ibuprofen").await;
    let path = format!("{MEDICATIONS}/{id}");
    let reply = client.delete(&path).await;
    assert_eq!(reply.status, 204);
    assert!(reply.text.is_empty());
    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(client.delete(&path).await.status, 404);
    // The name is free again.
    medication(&client, "ibuprofen").await;
}

#[tokio::test]
async fn a_medication_with_logs_cannot_be_deleted() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = medication(&client, "Ibuprofen").await;
    let log = client
        .post("/api/v1/logs/medications", &json!({ "medication_id": id }))
        .await;
    assert_eq!(log.status, 201, "{}", log.text);
    let path = format!("{MEDICATIONS}/{id}");
    let reply = client.delete(&path).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "medication_in_use");
    assert_eq!(client.get(&path).await.status, 200);
    let log_path = format!(
        "/api/v1/logs/medications/{}",
        log.body["id"].as_str().expect("an id")
    );
    assert_eq!(client.get(&log_path).await.status, 200);

    // Inactive or not, history protects it; once the history is gone, so is the guard.
    client.post_empty(&format!("{path}/deactivate")).await;
    assert_eq!(client.delete(&path).await.status, 409);
    assert_eq!(client.delete(&log_path).await.status, 204);
    assert_eq!(client.delete(&path).await.status, 204);
}

#[tokio::test]
async fn another_accounts_medication_is_not_found_on_every_route() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let stranger = app.user().await;
    let created = create_medication(&owner, json!({"name": "Ibuprofen"})).await;
    let id = created["id"].as_str().expect("an id");
    let path = format!("{MEDICATIONS}/{id}");

    let replies = [
        stranger.get(&path).await,
        stranger.patch(&path, &json!({"name": "Mine now"})).await,
        stranger.delete(&path).await,
        stranger.post_empty(&format!("{path}/deactivate")).await,
        stranger.post_empty(&format!("{path}/activate")).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert!(stranger.names("/api/v1/medications").await.is_empty());
    assert_eq!(owner.get(&path).await.body, created);
}

#[tokio::test]
async fn ids_that_are_not_uuids_are_not_found() {
    let app = spawn_app().await;
    let client = app.user().await;
    let replies = [
        client.get(&format!("{MEDICATIONS}/123")).await,
        client
            .patch(&format!("{MEDICATIONS}/123"), &json!({}))
            .await,
        client.delete(&format!("{MEDICATIONS}/not-a-uuid")).await,
        client
            .post_empty(&format!("{MEDICATIONS}/not-a-uuid/activate"))
            .await,
        client.get(&format!("{MEDICATIONS}/{}", Id::new())).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
}

#[tokio::test]
async fn medications_require_a_session() {
    let app = spawn_app().await;
    let anonymous = app.client();
    let id = Id::new();
    for reply in [
        anonymous.get(MEDICATIONS).await,
        anonymous.post(MEDICATIONS, &json!({"name": "X"})).await,
        anonymous.get(&format!("{MEDICATIONS}/{id}")).await,
        anonymous
            .post_empty(&format!("{MEDICATIONS}/{id}/deactivate"))
            .await,
    ] {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn bodies_must_be_json_objects() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = medication(&client, "Ibuprofen").await;
    let path = format!("{MEDICATIONS}/{id}");
    for (method, path) in [(Method::POST, MEDICATIONS), (Method::PATCH, path.as_str())] {
        let reply = client
            .send_raw(method.clone(), path, "text/plain", b"name=X".to_vec())
            .await;
        assert_eq!(reply.status, 415, "{}", reply.text);
        assert_eq!(reply.code(), "unsupported_media_type");
        let reply = client
            .send_raw(
                method.clone(),
                path,
                "application/json",
                b"{\"name\":".to_vec(),
            )
            .await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.code(), "malformed_json");
        let reply = client
            .send_raw(method, path, "application/json", b"[\"X\"]".to_vec())
            .await;
        assert_eq!(reply.status, 422);
    }
    assert_eq!(client.names("/api/v1/medications").await, ["Ibuprofen"]);
}
