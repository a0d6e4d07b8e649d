//! `/api/v1/symptom-types`: field rules, names unique per account, deactivation, ownership.

use serde_json::{Value, json};

use crate::helpers::{Client, names, spawn_app};

const TYPES: &str = "/api/v1/symptom-types";

/// Creates a symptom type and returns it.
pub async fn create_type(client: &Client, body: Value) -> Value {
    let reply = client.post(TYPES, &body).await;
    assert_eq!(reply.status, 201, "create type: {}", reply.text);
    reply.body
}

/// Creates an active symptom type with default ratings and returns its id.
pub async fn type_id(client: &Client, name: &str) -> String {
    let created = create_type(client, json!({"name": name})).await;
    created["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn a_new_type_gets_defaults_and_can_be_read_back() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_type(&client, json!({"name": "  Migraine  "})).await;
    assert_eq!(created["name"], "Migraine");
    assert_eq!(created["description"], Value::Null);
    assert_eq!(created["category"], Value::Null);
    assert_eq!(created["default_severity"], 5);
    assert_eq!(created["default_impact"], 5);
    assert_eq!(created["active"], true);
    assert!(
        created["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(created["created_at"], created["updated_at"]);

    let id = created["id"].as_str().expect("an id");
    let read = client.get(&format!("{TYPES}/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created);
}

#[tokio::test]
async fn every_field_is_stored_as_sent() {
    let app = spawn_app().await;
    let client = app.user().await;
    let body = json!({"name": "Nausea", "description": "Mostly mornings.\r\nWorse after coffee.\tOften.",
        "category": "Digestive", "default_severity": 3, "default_impact": 9, "active": false});
    let created = create_type(&client, body.clone()).await;
    for field in [
        "name",
        "description",
        "category",
        "default_severity",
        "default_impact",
        "active",
    ] {
        assert_eq!(created[field], body[field], "{field}");
    }
}

#[tokio::test]
async fn field_rules_are_reported_all_at_once_and_nothing_is_created() {
    let app = spawn_app().await;
    let client = app.user().await;
    let reply = client
        .post(
            TYPES,
            &json!({"name": "x".repeat(101), "description": "d".repeat(501), "category": "c".repeat(101),
                "default_severity": 0, "default_impact": 11, "active": "yes", "id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
                "user_id": "x", "colour": "red"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "validation_failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "active",
            "category",
            "colour",
            "default_impact",
            "default_severity",
            "description",
            "id",
            "name",
            "user_id"
        ]
    );
    assert_eq!(client.get(TYPES).await.body, json!({"items": []}));
}

#[tokio::test]
async fn names_and_limits_at_their_boundaries() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cases = [
        (json!({}), Some("name")),
        (json!({"name": null}), Some("name")),
        (json!({"name": "   "}), Some("name")),
        (json!({"name": 42}), Some("name")),
        (json!({"name": "two\nlines"}), Some("name")),
        (json!({"name": "ä".repeat(100)}), None),
        (
            json!({"name": "Desc", "description": "é".repeat(500)}),
            None,
        ),
        (json!({"name": "Cat", "category": "c".repeat(100)}), None),
        (
            json!({"name": "Cat2", "category": "a\nb"}),
            Some("category"),
        ),
        (
            json!({"name": "Sev", "default_severity": 1, "default_impact": 10}),
            None,
        ),
        (
            json!({"name": "Sev2", "default_severity": 5.5}),
            Some("default_severity"),
        ),
        (
            json!({"name": "Sev3", "default_impact": "5"}),
            Some("default_impact"),
        ),
    ];
    for (body, bad_field) in cases {
        let reply = client.post(TYPES, &body).await;
        match bad_field {
            Some(field) => {
                assert_eq!(reply.status, 422, "{body}: {}", reply.text);
                assert_eq!(reply.error_fields(), [field], "{body}");
            }
            None => assert_eq!(reply.status, 201, "{body}: {}", reply.text),
        }
    }
}

#[tokio::test]
async fn blank_optional_text_is_stored_as_null() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_type(
        &client,
        json!({"name": "Cough", "description": "  ", "category": ""}),
    )
    .await;
    assert_eq!(created["description"], Value::Null);
    assert_eq!(created["category"], Value::Null);
}

#[tokio::test]
async fn names_are_unique_per_account_regardless_of_case() {
    let app = spawn_app().await;
    let client = app.user().await;
    create_type(&client, json!({"name": "Ärzte-Kopfschmerz"})).await;
    for name in [
        "ärzte-kopfschmerz",
        "ÄRZTE-KOPFSCHMERZ",
        "  Ärzte-Kopfschmerz ",
    ] {
        let reply = client.post(TYPES, &json!({"name": name})).await;
        assert_eq!(reply.status, 409, "{name}: {}", reply.text);
        assert_eq!(reply.code(), "duplicate_name");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
    assert_eq!(names(&client.get(TYPES).await.body), ["Ärzte-Kopfschmerz"]);

    let other = app.user().await;
    create_type(&other, json!({"name": "ärzte-kopfschmerz"})).await;
}

#[tokio::test]
async fn renaming_onto_another_name_is_a_conflict_that_changes_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    type_id(&client, "Fatigue").await;
    let id = type_id(&client, "Dizziness").await;
    let reply = client
        .patch(
            &format!("{TYPES}/{id}"),
            &json!({"name": "FATIGUE", "default_severity": 9}),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "duplicate_name");
    let read = client.get(&format!("{TYPES}/{id}")).await;
    assert_eq!(read.body["name"], "Dizziness");
    assert_eq!(read.body["default_severity"], 5);

    let renamed = client
        .patch(&format!("{TYPES}/{id}"), &json!({"name": "DIZZINESS"}))
        .await;
    assert_eq!(renamed.status, 200, "a type may change its own case");
    assert_eq!(renamed.body["name"], "DIZZINESS");
}

#[tokio::test]
async fn the_list_is_ordered_by_name_and_filters_by_active_and_search() {
    let app = spawn_app().await;
    let client = app.user().await;
    for (name, active) in [
        ("back pain", true),
        ("Anxiety", true),
        ("Headache", false),
        ("100% tired", true),
        ("Ear_ache", true),
        ("Earaches", true),
        ("Übelkeit", true),
    ] {
        create_type(&client, json!({"name": name, "active": active})).await;
    }
    let all = client.get(TYPES).await;
    assert_eq!(all.status, 200);
    assert_eq!(
        names(&all.body),
        [
            "100% tired",
            "Anxiety",
            "back pain",
            "Ear_ache",
            "Earaches",
            "Headache",
            "Übelkeit"
        ]
    );
    let active = client.get(&format!("{TYPES}?active=true")).await;
    assert!(!names(&active.body).iter().any(|n| n == "Headache"));
    assert_eq!(names(&active.body).len(), 6);
    let inactive = client.get(&format!("{TYPES}?active=false")).await;
    assert_eq!(names(&inactive.body), ["Headache"]);

    let search = |q: &str| {
        let client = client.clone();
        let path = format!("{TYPES}?q={q}");
        async move { client.get(&path).await }
    };
    assert_eq!(names(&search("HEAD").await.body), ["Headache"]);
    assert_eq!(names(&search("%C3%9CBEL").await.body), ["Übelkeit"]);
    assert_eq!(names(&search("%25").await.body), ["100% tired"]);
    assert_eq!(names(&search("_").await.body), ["Ear_ache"]);
    assert_eq!(names(&search("ear_").await.body), ["Ear_ache"]);
    assert_eq!(
        names(&search("ache&active=true").await.body),
        ["Ear_ache", "Earaches"]
    );
    assert_eq!(
        names(&search("%20%20").await.body).len(),
        7,
        "a blank q is no filter"
    );
    assert!(names(&search("zzz").await.body).is_empty());

    let bad = client.get(&format!("{TYPES}?active=yes")).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.error_fields(), ["active"]);
}

#[tokio::test]
async fn patch_merges_and_refuses_null_for_required_fields() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_type(
        &client,
        json!({"name": "Rash", "description": "Itchy", "category": "Skin", "default_severity": 4}),
    )
    .await;
    let path = format!("{TYPES}/{}", created["id"].as_str().expect("id"));

    let unchanged = client.patch(&path, &json!({})).await;
    assert_eq!(unchanged.status, 200);
    assert_eq!(unchanged.body["description"], "Itchy");

    let patched = client
        .patch(&path, &json!({"description": null, "default_impact": 8}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["description"], Value::Null);
    assert_eq!(patched.body["category"], "Skin");
    assert_eq!(patched.body["default_severity"], 4);
    assert_eq!(patched.body["default_impact"], 8);
    assert_eq!(patched.body["created_at"], created["created_at"]);

    for field in ["name", "default_severity", "default_impact", "active"] {
        let reply = client.patch(&path, &json!({ field: null })).await;
        assert_eq!(reply.status, 422, "{field}");
        assert_eq!(reply.error_fields(), [field]);
    }
    let reply = client
        .patch(
            &path,
            &json!({"category": "x".repeat(101), "created_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["category", "created_at"]);

    let deactivated = client.patch(&path, &json!({"active": false})).await;
    assert_eq!(deactivated.body["active"], false);
    let read = client.get(&path).await;
    assert_eq!(read.body["category"], "Skin");
    assert_eq!(read.body["active"], false);
}

#[tokio::test]
async fn deleting_an_unused_type_removes_it() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = type_id(&client, "Hiccups").await;
    let path = format!("{TYPES}/{id}");
    let reply = client.delete(&path).await;
    assert_eq!(reply.status, 204);
    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(client.delete(&path).await.status, 404);
    assert!(names(&client.get(TYPES).await.body).is_empty());
}

#[tokio::test]
async fn deleting_a_used_type_deactivates_it_and_keeps_its_logs() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = type_id(&client, "Insomnia").await;
    let log = client
        .post(
            "/api/v1/logs/symptoms",
            &json!({"symptom_type_id": id, "severity": 6}),
        )
        .await;
    assert_eq!(log.status, 201, "{}", log.text);

    let path = format!("{TYPES}/{id}");
    assert_eq!(client.delete(&path).await.status, 204);
    let read = client.get(&path).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["active"], false);
    let listed = client.get(TYPES).await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());
    assert_eq!(listed.body["items"][0]["active"], false);
    let log_path = format!(
        "/api/v1/logs/symptoms/{}",
        log.body["id"].as_str().expect("id")
    );
    let kept = client.get(&log_path).await;
    assert_eq!(kept.status, 200);
    assert_eq!(kept.body["symptom_name"], "Insomnia");

    assert_eq!(
        client.delete(&path).await.status,
        204,
        "deleting again is harmless"
    );
    assert_eq!(client.get(&path).await.status, 200);
}

#[tokio::test]
async fn another_accounts_type_does_not_exist_on_any_route() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let id = type_id(&owner, "Private").await;
    let path = format!("{TYPES}/{id}");
    let stranger = app.user().await;

    let replies = [
        stranger.get(&path).await,
        stranger.patch(&path, &json!({"name": "Mine now"})).await,
        stranger.delete(&path).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert!(names(&stranger.get(TYPES).await.body).is_empty());
    let kept = owner.get(&path).await;
    assert_eq!(kept.status, 200);
    assert_eq!(kept.body["name"], "Private");
    assert_eq!(kept.body["active"], true);
}

#[tokio::test]
async fn ids_that_are_not_uuids_are_not_found_and_anonymous_requests_are_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    for path in [format!("{TYPES}/42"), format!("{TYPES}/not-a-uuid")] {
        assert_eq!(client.get(&path).await.status, 404);
        assert_eq!(client.patch(&path, &json!({})).await.status, 404);
        assert_eq!(client.delete(&path).await.status, 404);
    }
    let anonymous = app.client();
    assert_eq!(anonymous.get(TYPES).await.status, 401);
    let reply = anonymous.post(TYPES, &json!({"name": "x"})).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "unauthenticated");
}
