use serde_json::{Value, json};

use crate::{
    helpers::spawn_app,
    passport_fixtures::{
        Medication, add_medication, condition, create_doctor, doctor, link, link_rows,
    },
};

const MISSING: &str = "/api/v1/doctors/019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b";

fn link_path(doctor_id: &str, condition_id: &str) -> String {
    format!("/api/v1/doctors/{doctor_id}/conditions/{condition_id}")
}

#[tokio::test]
async fn a_new_doctor_has_empty_optional_fields() {
    let app = spawn_app().await;
    let client = app.user().await;

    let reply = client
        .post("/api/v1/doctors", &json!({"name": " Dr. Weber "}))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["name"], "Dr. Weber");
    for field in ["specialty", "phone", "email", "address", "notes"] {
        assert_eq!(body[field], Value::Null, "{field}");
    }
    assert_eq!(body["condition_ids"], json!([]));
    assert_eq!(body["created_at"], body["updated_at"]);
    let fetched = client
        .get(&format!(
            "/api/v1/doctors/{}",
            body["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(&fetched.body, body);
}

#[tokio::test]
async fn every_field_is_stored_trimmed_and_the_email_normalised() {
    let app = spawn_app().await;
    let client = app.user().await;

    let body = create_doctor(
        &client,
        json!({"name": "Dr. Anna Weber", "specialty": " Pulmonology ", "phone": " +49 (30) 1234-567. ",
               "email": " Praxis@Weber.Example ", "address": "Hauptstraße 1\r\n10115 Berlin",
               "notes": "Closed on\n\tWednesdays"}),
    )
    .await;

    assert_eq!(body["specialty"], "Pulmonology");
    assert_eq!(body["phone"], "+49 (30) 1234-567.");
    assert_eq!(body["email"], "praxis@weber.example");
    assert_eq!(body["address"], "Hauptstraße 1\r\n10115 Berlin");
    assert_eq!(body["notes"], "Closed on\n\tWednesdays");
}

#[tokio::test]
async fn boundaries_are_accepted_and_blanks_are_null() {
    let app = spawn_app().await;
    let client = app.user().await;

    let body = create_doctor(
        &client,
        json!({"name": "ß".repeat(100), "specialty": "s".repeat(100), "phone": "1".repeat(40),
               "address": "a".repeat(300), "notes": "n".repeat(1000), "email": "  "}),
    )
    .await;

    assert_eq!(body["name"].as_str().map(|n| n.chars().count()), Some(100));
    assert_eq!(body["phone"], json!("1".repeat(40)));
    assert_eq!(body["email"], Value::Null);
}

#[tokio::test]
async fn creation_enforces_every_field_rule_and_creates_nothing_when_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cases = [
        (json!({}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": " "}), "name"),
        (json!({"name": "n".repeat(101)}), "name"),
        (json!({"name": "Dr.\nWeber"}), "name"),
        (
            json!({"name": "W", "specialty": "s".repeat(101)}),
            "specialty",
        ),
        (json!({"name": "W", "specialty": "Tab\there"}), "specialty"),
        (json!({"name": "W", "phone": "1".repeat(41)}), "phone"),
        (json!({"name": "W", "phone": "030 CALL-NOW"}), "phone"),
        (json!({"name": "W", "phone": "030/1234"}), "phone"),
        (json!({"name": "W", "phone": "+-()."}), "phone"),
        (json!({"name": "W", "phone": 301234}), "phone"),
        (json!({"name": "W", "email": "praxis"}), "email"),
        (json!({"name": "W", "email": "praxis@"}), "email"),
        (
            json!({"name": "W", "email": "dr weber@example.com"}),
            "email",
        ),
        (
            json!({"name": "W", "email": "Dr <praxis@weber.example>"}),
            "email",
        ),
        (json!({"name": "W", "address": "a".repeat(301)}), "address"),
        (json!({"name": "W", "address": "nul\u{0}"}), "address"),
        (json!({"name": "W", "notes": "n".repeat(1001)}), "notes"),
        (json!({"name": "W", "condition_ids": []}), "condition_ids"),
        (
            json!({"name": "W", "id": "019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b"}),
            "id",
        ),
        (
            json!({"name": "W", "user_id": "019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b"}),
            "user_id",
        ),
    ];
    for (body, field) in cases {
        let reply = client.post("/api/v1/doctors", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    assert!(client.names("/api/v1/doctors").await.is_empty());
}

#[tokio::test]
async fn names_need_not_be_unique_and_the_list_is_by_name_ignoring_case() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    for name in ["Dr. Weber", "dr. adler", "Dr. Weber", "Dr. Zimmer"] {
        doctor(&client, name).await;
    }
    doctor(&other, "Dr. Another").await;

    assert_eq!(
        client.names("/api/v1/doctors").await,
        ["dr. adler", "Dr. Weber", "Dr. Weber", "Dr. Zimmer"]
    );
}

#[tokio::test]
async fn patch_merges_and_null_or_blank_clears() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_doctor(
        &client,
        json!({"name": "Dr. Weber", "specialty": "Pulmonology", "phone": "030 123",
               "email": "praxis@weber.example", "address": "Berlin", "notes": "Nice"}),
    )
    .await;
    let path = format!(
        "/api/v1/doctors/{}",
        created["id"].as_str().unwrap_or_default()
    );

    let reply = client
        .patch(
            &path,
            &json!({"phone": null, "email": "  ", "notes": "Very nice"}),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["phone"], Value::Null);
    assert_eq!(reply.body["email"], Value::Null);
    assert_eq!(reply.body["notes"], "Very nice");
    assert_eq!(reply.body["name"], "Dr. Weber");
    assert_eq!(reply.body["specialty"], "Pulmonology");
    assert_eq!(reply.body["address"], "Berlin");
    let reply = client
        .patch(
            &path,
            &json!({"email": "NEW@Weber.Example", "name": "Dr. A. Weber"}),
        )
        .await;
    assert_eq!(reply.body["email"], "new@weber.example");
    assert_eq!(reply.body["name"], "Dr. A. Weber");
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_doctor(&client, json!({"name": "Dr. Weber", "phone": "030 123"})).await;
    let path = format!(
        "/api/v1/doctors/{}",
        created["id"].as_str().unwrap_or_default()
    );

    let cases = [
        (json!({"name": null, "phone": null}), vec!["name"]),
        (json!({"phone": "call me"}), vec!["phone"]),
        (
            json!({"email": "nope", "address": "a".repeat(301)}),
            vec!["email", "address"],
        ),
        (json!({"condition_ids": []}), vec!["condition_ids"]),
    ];
    for (body, fields) in cases {
        let reply = client.patch(&path, &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.error_fields(), fields, "{body}");
    }

    assert_eq!(client.get(&path).await.body, created);
}

#[tokio::test]
async fn another_accounts_doctor_does_not_exist_for_me() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let intruder = app.user().await;
    let created = create_doctor(&owner, json!({"name": "Dr. Weber"})).await;
    let path = format!(
        "/api/v1/doctors/{}",
        created["id"].as_str().unwrap_or_default()
    );

    for reply in [
        intruder.get(&path).await,
        intruder.patch(&path, &json!({"name": "Mine now"})).await,
        intruder.delete(&path).await,
        owner.get(MISSING).await,
        owner.get("/api/v1/doctors/12345").await,
        owner.patch(MISSING, &json!({"name": "X"})).await,
        owner.delete(MISSING).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert_eq!(owner.get(&path).await.body, created);
}

#[tokio::test]
async fn doctors_need_a_session() {
    let app = spawn_app().await;
    let anonymous = app.client();
    for reply in [
        anonymous.get("/api/v1/doctors").await,
        anonymous
            .post("/api/v1/doctors", &json!({"name": "Dr. Weber"}))
            .await,
        anonymous.delete(MISSING).await,
        anonymous
            .put(&link_path(
                "019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b",
                "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
            ))
            .await,
    ] {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn an_unused_doctor_can_be_deleted() {
    let app = spawn_app().await;
    let client = app.user().await;
    let weber = doctor(&client, "Dr. Weber").await;
    let path = format!("/api/v1/doctors/{weber}");

    assert_eq!(client.delete(&path).await.status, 204);

    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(client.delete(&path).await.status, 404);
}

#[tokio::test]
async fn a_linked_doctor_is_in_use_until_unlinked() {
    let app = spawn_app().await;
    let client = app.user().await;
    let weber = doctor(&client, "Dr. Weber").await;
    let asthma = condition(&client, "Asthma").await;
    link(&client, &weber, &asthma).await;
    let path = format!("/api/v1/doctors/{weber}");

    let reply = client.delete(&path).await;

    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "doctor_in_use");
    assert_eq!(
        client.get(&path).await.body["condition_ids"],
        json!([asthma])
    );
    assert_eq!(link_rows(&app, &weber).await, 1);
    assert_eq!(client.delete(&link_path(&weber, &asthma)).await.status, 204);
    assert_eq!(client.delete(&path).await.status, 204);
}

#[tokio::test]
async fn a_prescribing_doctor_is_in_use() {
    let app = spawn_app().await;
    let client = app.user().await;
    let weber = doctor(&client, "Dr. Weber").await;
    add_medication(
        &client,
        Medication {
            prescribing_doctor_id: Some(&weber),
            active: false,
            ..Medication::named("Salbutamol")
        },
    )
    .await;
    let path = format!("/api/v1/doctors/{weber}");

    let reply = client.delete(&path).await;

    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "doctor_in_use");
    assert_eq!(client.get(&path).await.status, 200);
}

#[tokio::test]
async fn linking_is_idempotent_and_shows_on_both_sides() {
    let app = spawn_app().await;
    let client = app.user().await;
    let weber = doctor(&client, "Dr. Weber").await;
    let asthma = condition(&client, "Asthma").await;
    let migraine = condition(&client, "Migraine").await;

    let first = client.put(&link_path(&weber, &asthma)).await;
    let second = client.put(&link_path(&weber, &asthma)).await;
    link(&client, &weber, &migraine).await;

    assert_eq!(first.status, 204, "{}", first.text);
    assert_eq!(second.status, 204, "{}", second.text);
    assert_eq!(link_rows(&app, &weber).await, 2);
    let mut both = vec![asthma.clone(), migraine.clone()];
    both.sort();
    let one = client.get(&format!("/api/v1/doctors/{weber}")).await;
    assert_eq!(one.body["condition_ids"], json!(both));
    let list = client.get("/api/v1/doctors").await;
    assert_eq!(list.body["items"][0]["condition_ids"], json!(both));
    let asthma_now = client.get(&format!("/api/v1/conditions/{asthma}")).await;
    assert_eq!(asthma_now.body["doctor_ids"], json!([weber]));
}

#[tokio::test]
async fn unlinking_a_link_that_is_not_there_is_not_found() {
    let app = spawn_app().await;
    let client = app.user().await;
    let weber = doctor(&client, "Dr. Weber").await;
    let asthma = condition(&client, "Asthma").await;
    link(&client, &weber, &asthma).await;

    assert_eq!(client.delete(&link_path(&weber, &asthma)).await.status, 204);
    let again = client.delete(&link_path(&weber, &asthma)).await;

    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "not_found");
    assert_eq!(link_rows(&app, &weber).await, 0);
    let asthma_now = client.get(&format!("/api/v1/conditions/{asthma}")).await;
    assert_eq!(asthma_now.body["doctor_ids"], json!([]));
}

#[tokio::test]
async fn links_cannot_reach_into_another_account() {
    let app = spawn_app().await;
    let me = app.user().await;
    let you = app.user().await;
    let my_doctor = doctor(&me, "Dr. Mine").await;
    let my_condition = condition(&me, "Mine").await;
    let your_doctor = doctor(&you, "Dr. Yours").await;
    let your_condition = condition(&you, "Yours").await;
    link(&you, &your_doctor, &your_condition).await;
    let unknown = "019a6b2e-0000-7000-8000-000000000000";

    for path in [
        link_path(&my_doctor, &your_condition),
        link_path(&your_doctor, &my_condition),
        link_path(&your_doctor, &your_condition),
        link_path(&my_doctor, unknown),
        link_path(unknown, &my_condition),
        link_path(&my_doctor, "not-a-uuid"),
    ] {
        let reply = me.put(&path).await;
        assert_eq!(reply.status, 404, "PUT {path}: {}", reply.text);
        assert_eq!(reply.code(), "not_found");
        let reply = me.delete(&path).await;
        assert_eq!(reply.status, 404, "DELETE {path}: {}", reply.text);
    }

    assert_eq!(link_rows(&app, &my_doctor).await, 0);
    assert_eq!(link_rows(&app, &your_doctor).await, 1);
    let yours = you
        .get(&format!("/api/v1/conditions/{your_condition}"))
        .await;
    assert_eq!(yours.body["doctor_ids"], json!([your_doctor]));
}
