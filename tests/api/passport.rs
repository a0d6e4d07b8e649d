use serde_json::{Value, json};

use crate::{
    helpers::spawn_app,
    passport_fixtures::{
        Medication, add_medication, condition, create_condition, create_doctor, doctor, link,
    },
};

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn an_empty_passport() {
    let app = spawn_app().await;
    let client = app.user().await;

    let reply = client.get("/api/v1/passport").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["conditions", "generated_at"]);
    assert_eq!(reply.body["conditions"], json!([]));
    let generated_at = reply.body["generated_at"].as_str().unwrap_or_default();
    assert!(
        generated_at.len() == 24 && generated_at.ends_with('Z'),
        "{generated_at}"
    );
}

#[tokio::test]
async fn active_conditions_come_first_then_by_name() {
    let app = spawn_app().await;
    let client = app.user().await;
    for (name, status) in [
        ("migraine", "active"),
        ("Asthma", "resolved"),
        ("Diabetes", "active"),
        ("allergy", "resolved"),
    ] {
        create_condition(&client, json!({"name": name, "status": status})).await;
    }

    let reply = client.get("/api/v1/passport").await;

    let order: Vec<(&str, &str)> = reply.body["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("Diabetes", "active"),
            ("migraine", "active"),
            ("allergy", "resolved"),
            ("Asthma", "resolved"),
        ]
    );
}

#[tokio::test]
async fn each_condition_shows_its_doctors_and_active_medications() {
    let app = spawn_app().await;
    let client = app.user().await;
    let asthma = create_condition(
        &client,
        json!({"name": "Asthma", "diagnosed_on": "2019-04-02", "notes": "Worse in spring."}),
    )
    .await;
    let asthma_id = asthma["id"].as_str().unwrap_or_default().to_owned();
    let migraine = condition(&client, "Migraine").await;
    let weber = create_doctor(
        &client,
        json!({"name": "Dr. Weber", "specialty": "Pulmonology", "phone": "030 123",
               "email": "praxis@weber.example", "address": "Berlin", "notes": "private"}),
    )
    .await;
    let weber_id = weber["id"].as_str().unwrap_or_default().to_owned();
    let adler = doctor(&client, "dr. Adler").await;
    doctor(&client, "Dr. Unlinked").await;
    link(&client, &weber_id, &asthma_id).await;
    link(&client, &adler, &asthma_id).await;
    link(&client, &weber_id, &migraine).await;
    let salbutamol = add_medication(
        &client,
        Medication {
            dosage: Some("100 µg"),
            frequency: Some("as needed"),
            condition_id: Some(&asthma_id),
            prescribing_doctor_id: Some(&weber_id),
            ..Medication::named("Salbutamol")
        },
    )
    .await;
    let budesonide = add_medication(
        &client,
        Medication {
            condition_id: Some(&asthma_id),
            ..Medication::named("budesonide")
        },
    )
    .await;
    for medication in [
        Medication {
            condition_id: Some(&asthma_id),
            active: false,
            ..Medication::named("Stopped inhaler")
        },
        Medication::named("Vitamin D"),
    ] {
        add_medication(&client, medication).await;
    }

    let reply = client.get("/api/v1/passport").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let conditions = reply.body["conditions"].as_array().expect("conditions");
    assert_eq!(conditions.len(), 2);
    let entry = &conditions[0];
    assert_eq!(
        keys(entry),
        [
            "created_at",
            "diagnosed_on",
            "doctor_ids",
            "doctors",
            "id",
            "medications",
            "name",
            "notes",
            "status",
            "updated_at"
        ]
    );
    for field in [
        "id",
        "name",
        "status",
        "diagnosed_on",
        "notes",
        "created_at",
        "updated_at",
    ] {
        assert_eq!(entry[field], asthma[field], "{field}");
    }
    let mut doctor_ids = vec![weber_id.clone(), adler.clone()];
    doctor_ids.sort();
    assert_eq!(entry["doctor_ids"], json!(doctor_ids));
    assert_eq!(
        entry["doctors"],
        json!([
            {"id": adler, "name": "dr. Adler", "specialty": null, "phone": null, "email": null},
            {"id": weber_id, "name": "Dr. Weber", "specialty": "Pulmonology", "phone": "030 123",
             "email": "praxis@weber.example"},
        ])
    );
    assert_eq!(
        entry["medications"],
        json!([
            {"id": budesonide, "name": "budesonide", "dosage": null, "frequency": null},
            {"id": salbutamol, "name": "Salbutamol", "dosage": "100 µg",
             "frequency": "as needed"},
        ])
    );
    let other = &conditions[1];
    assert_eq!(other["name"], "Migraine");
    assert_eq!(other["doctors"].as_array().map(Vec::len), Some(1));
    assert_eq!(other["medications"], json!([]));
}

#[tokio::test]
async fn the_passport_shows_only_my_records() {
    let app = spawn_app().await;
    let me = app.user().await;
    let you = app.user().await;
    let mine = condition(&me, "Asthma").await;
    let yours = condition(&you, "Asthma").await;
    let your_doctor = doctor(&you, "Dr. Yours").await;
    link(&you, &your_doctor, &yours).await;
    add_medication(
        &you,
        Medication {
            condition_id: Some(&yours),
            ..Medication::named("Your inhaler")
        },
    )
    .await;

    let reply = me.get("/api/v1/passport").await;

    let conditions = reply.body["conditions"].as_array().expect("conditions");
    assert_eq!(conditions.len(), 1);
    assert_eq!(conditions[0]["id"], json!(mine));
    assert_eq!(conditions[0]["doctors"], json!([]));
    assert_eq!(conditions[0]["medications"], json!([]));
}

#[tokio::test]
async fn the_passport_needs_a_session() {
    let app = spawn_app().await;
    let reply = app.client().get("/api/v1/passport").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "unauthenticated");
}
