use serde_json::{Value, json};

use crate::{
    helpers::spawn_app,
    passport_fixtures::{
        Medication, add_medication, condition, create_condition, doctor, link, link_rows,
        medication_condition,
    },
};

const MISSING: &str = "/api/v1/conditions/019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c";

fn today_in(zone: &str) -> jiff::civil::Date {
    let tz = jiff::tz::db().get(zone).expect("a bundled zone");
    jiff::Timestamp::now().to_zoned_datetime(tz).date()
}

#[tokio::test]
async fn a_new_condition_is_active_with_empty_optional_fields() {
    let app = spawn_app().await;
    let client = app.user().await;

    let reply = client
        .post("/api/v1/conditions", &json!({"name": "  Asthma  "}))
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["name"], "Asthma");
    assert_eq!(body["status"], "active");
    assert_eq!(body["diagnosed_on"], Value::Null);
    assert_eq!(body["notes"], Value::Null);
    assert_eq!(body["doctor_ids"], json!([]));
    assert_eq!(body["created_at"], body["updated_at"]);
    let fetched = client
        .get(&format!(
            "/api/v1/conditions/{}",
            body["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(&fetched.body, body);
}

#[tokio::test]
async fn every_field_can_be_set_on_creation() {
    let app = spawn_app().await;
    let client = app.user().await;
    let today = today_in("UTC").to_string();

    let body = create_condition(
        &client,
        json!({"name": "Migraine", "status": "resolved", "diagnosed_on": today,
               "notes": "Line one\r\nLine two\twith a tab"}),
    )
    .await;

    assert_eq!(body["status"], "resolved");
    assert_eq!(body["diagnosed_on"], json!(today));
    assert_eq!(body["notes"], "Line one\r\nLine two\twith a tab");
}

#[tokio::test]
async fn creation_enforces_every_field_rule_and_creates_nothing_when_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    let future = today_in("Pacific/Kiritimati")
        .tomorrow()
        .expect("a date")
        .to_string();
    let cases = [
        (json!({}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": "ä".repeat(101)}), "name"),
        (json!({"name": "Two\nlines"}), "name"),
        (json!({"name": 42}), "name"),
        (json!({"name": "A", "status": ""}), "status"),
        (json!({"name": "A", "status": "cured"}), "status"),
        (json!({"name": "A", "status": "Active"}), "status"),
        (json!({"name": "A", "status": 1}), "status"),
        (
            json!({"name": "A", "diagnosed_on": "2020-02-30"}),
            "diagnosed_on",
        ),
        (
            json!({"name": "A", "diagnosed_on": "2020-1-5"}),
            "diagnosed_on",
        ),
        (
            json!({"name": "A", "diagnosed_on": "2020-01-05T00:00:00Z"}),
            "diagnosed_on",
        ),
        (json!({"name": "A", "diagnosed_on": future}), "diagnosed_on"),
        (json!({"name": "A", "notes": "n".repeat(1001)}), "notes"),
        (json!({"name": "A", "notes": "bell\u{7}"}), "notes"),
        (json!({"name": "A", "doctor_ids": []}), "doctor_ids"),
        (
            json!({"name": "A", "id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c"}),
            "id",
        ),
        (
            json!({"name": "A", "user_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c"}),
            "user_id",
        ),
        (
            json!({"name": "A", "created_at": "2026-01-01T00:00:00Z"}),
            "created_at",
        ),
    ];
    for (body, field) in cases {
        let reply = client.post("/api/v1/conditions", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    assert!(client.names("/api/v1/conditions").await.is_empty());
}

#[tokio::test]
async fn boundaries_are_accepted() {
    let app = spawn_app().await;
    let client = app.user().await;

    let body = create_condition(
        &client,
        json!({"name": "ä".repeat(100), "notes": "n".repeat(1000), "diagnosed_on": "1900-01-01"}),
    )
    .await;

    assert_eq!(body["name"].as_str().map(|n| n.chars().count()), Some(100));
    assert_eq!(body["diagnosed_on"], "1900-01-01");
}

#[tokio::test]
async fn blank_notes_are_stored_as_null() {
    let app = spawn_app().await;
    let client = app.user().await;
    let body = create_condition(&client, json!({"name": "Asthma", "notes": " \n "})).await;
    assert_eq!(body["notes"], Value::Null);
}

#[tokio::test]
async fn the_future_is_judged_in_the_accounts_time_zone() {
    let app = spawn_app().await;
    let client = app.user().await;
    // Kiritimati (UTC+14) is always a calendar day or two ahead of Pago Pago (UTC-11).
    let kiritimati_today = today_in("Pacific/Kiritimati").to_string();

    let reply = client
        .patch("/api/v1/me", &json!({"timezone": "Pacific/Pago_Pago"}))
        .await;
    assert_eq!(reply.status, 200);
    let refused = client
        .post(
            "/api/v1/conditions",
            &json!({"name": "Asthma", "diagnosed_on": kiritimati_today}),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.error_fields(), ["diagnosed_on"]);

    let reply = client
        .patch("/api/v1/me", &json!({"timezone": "Pacific/Kiritimati"}))
        .await;
    assert_eq!(reply.status, 200);
    let accepted = client
        .post(
            "/api/v1/conditions",
            &json!({"name": "Asthma", "diagnosed_on": kiritimati_today}),
        )
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.text);
}

#[tokio::test]
async fn names_are_unique_per_account_ignoring_case() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    condition(&client, "Ärztliche Kontrolle").await;

    let reply = client
        .post(
            "/api/v1/conditions",
            &json!({"name": " ärztliche KONTROLLE "}),
        )
        .await;

    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "duplicate_name");
    assert_eq!(
        client.names("/api/v1/conditions").await,
        ["Ärztliche Kontrolle"]
    );
    // Another account has its own names.
    condition(&other, "Ärztliche Kontrolle").await;
}

#[tokio::test]
async fn the_list_is_ordered_by_name_ignoring_case_and_holds_only_my_conditions() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    for name in ["migraine", "Asthma", "diabetes", "Zoster"] {
        condition(&client, name).await;
    }
    condition(&other, "Another's condition").await;

    assert_eq!(
        client.names("/api/v1/conditions").await,
        ["Asthma", "diabetes", "migraine", "Zoster"]
    );
}

#[tokio::test]
async fn patch_merges_the_fields_sent() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_condition(
        &client,
        json!({"name": "Asthma", "diagnosed_on": "2019-04-02", "notes": "Worse in spring."}),
    )
    .await;
    let path = format!(
        "/api/v1/conditions/{}",
        created["id"].as_str().unwrap_or_default()
    );

    let reply = client.patch(&path, &json!({"status": "resolved"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["status"], "resolved");
    assert_eq!(reply.body["name"], "Asthma");
    assert_eq!(reply.body["diagnosed_on"], "2019-04-02");
    assert_eq!(reply.body["notes"], "Worse in spring.");
    assert_eq!(reply.body["created_at"], created["created_at"]);
    assert!(reply.body["updated_at"].as_str() >= created["updated_at"].as_str());

    let reply = client
        .patch(&path, &json!({"diagnosed_on": null, "notes": "  "}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["diagnosed_on"], Value::Null);
    assert_eq!(reply.body["notes"], Value::Null);
    assert_eq!(reply.body["status"], "resolved");

    let reply = client.patch(&path, &json!({"name": " ASTHMA "})).await;
    assert_eq!(reply.status, 200, "renaming to its own name in other case");
    assert_eq!(reply.body["name"], "ASTHMA");

    let reply = client.patch(&path, &json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["name"], "ASTHMA");
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let created = create_condition(&client, json!({"name": "Asthma", "notes": "Keep me"})).await;
    let path = format!(
        "/api/v1/conditions/{}",
        created["id"].as_str().unwrap_or_default()
    );
    condition(&client, "Migraine").await;

    let cases = [
        (json!({"name": null, "notes": null}), vec!["name"]),
        (json!({"status": null}), vec!["status"]),
        (json!({"status": ""}), vec!["status"]),
        (
            json!({"name": "", "status": "cured"}),
            vec!["name", "status"],
        ),
        (json!({"diagnosed_on": "2999-01-01"}), vec!["diagnosed_on"]),
        (json!({"notes": "n".repeat(1001)}), vec!["notes"]),
        (json!({"doctor_ids": []}), vec!["doctor_ids"]),
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
    let reply = client
        .patch(&path, &json!({"name": "migraine", "notes": "changed"}))
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "duplicate_name");

    assert_eq!(client.get(&path).await.body, created);
}

#[tokio::test]
async fn another_accounts_condition_does_not_exist_for_me() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let intruder = app.user().await;
    let created = create_condition(&owner, json!({"name": "Asthma"})).await;
    let path = format!(
        "/api/v1/conditions/{}",
        created["id"].as_str().unwrap_or_default()
    );

    for reply in [
        intruder.get(&path).await,
        intruder.patch(&path, &json!({"name": "Mine now"})).await,
        intruder.delete(&path).await,
        owner.get(MISSING).await,
        owner.get("/api/v1/conditions/not-a-uuid").await,
        owner.patch(MISSING, &json!({"name": "X"})).await,
        owner.delete(MISSING).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert_eq!(owner.get(&path).await.body, created);
}

#[tokio::test]
async fn conditions_need_a_session() {
    let app = spawn_app().await;
    let anonymous = app.client();
    for reply in [
        anonymous.get("/api/v1/conditions").await,
        anonymous
            .post("/api/v1/conditions", &json!({"name": "Asthma"}))
            .await,
        anonymous.get(MISSING).await,
    ] {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn deleting_a_condition_removes_its_links_and_unsets_it_on_medications() {
    let app = spawn_app().await;
    let client = app.user().await;
    let asthma = condition(&client, "Asthma").await;
    let migraine = condition(&client, "Migraine").await;
    let weber = doctor(&client, "Dr. Weber").await;
    link(&client, &weber, &asthma).await;
    link(&client, &weber, &migraine).await;
    let inhaler = add_medication(
        &client,
        Medication {
            condition_id: Some(&asthma),
            ..Medication::named("Salbutamol")
        },
    )
    .await;
    let old_inhaler = add_medication(
        &client,
        Medication {
            condition_id: Some(&asthma),
            active: false,
            ..Medication::named("Beclometasone")
        },
    )
    .await;
    let triptan = add_medication(
        &client,
        Medication {
            condition_id: Some(&migraine),
            ..Medication::named("Sumatriptan")
        },
    )
    .await;

    let reply = client.delete(&format!("/api/v1/conditions/{asthma}")).await;

    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(
        client
            .get(&format!("/api/v1/conditions/{asthma}"))
            .await
            .status,
        404
    );
    assert_eq!(
        client
            .delete(&format!("/api/v1/conditions/{asthma}"))
            .await
            .status,
        404
    );
    let weber_now = client.get(&format!("/api/v1/doctors/{weber}")).await;
    assert_eq!(weber_now.body["condition_ids"], json!([migraine]));
    assert_eq!(link_rows(&app, &weber).await, 1);
    assert_eq!(medication_condition(&client, &inhaler).await, Value::Null);
    assert_eq!(
        medication_condition(&client, &old_inhaler).await,
        Value::Null
    );
    assert_eq!(
        medication_condition(&client, &triptan).await,
        json!(migraine)
    );
}

#[tokio::test]
async fn a_condition_lists_its_doctors() {
    let app = spawn_app().await;
    let client = app.user().await;
    let asthma = condition(&client, "Asthma").await;
    let weber = doctor(&client, "Dr. Weber").await;
    let adler = doctor(&client, "Dr. Adler").await;
    link(&client, &weber, &asthma).await;
    link(&client, &adler, &asthma).await;
    let mut expected = vec![weber, adler];
    expected.sort();

    let one = client.get(&format!("/api/v1/conditions/{asthma}")).await;
    let list = client.get("/api/v1/conditions").await;

    assert_eq!(one.body["doctor_ids"], json!(expected));
    assert_eq!(list.body["items"][0]["doctor_ids"], json!(expected));
}
