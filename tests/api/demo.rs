//! Demo accounts (`POST /auth/demo`): seeded, isolated, swept when expired, deletable without a
//! password.

use std::time::{Duration, Instant};

use medtracker::types::Id;
use serde_json::json;

use crate::{
    helpers::{Client, TestApp, count_rows, spawn_app, spawn_app_with},
    records::{counts, ids_of, seed, user_id},
};

async fn start_demo(app: &TestApp) -> (Client, Id) {
    let client = app.client();
    let reply = client.post_empty("/auth/demo").await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["demo"], json!(true));
    let id = Id::parse(reply.body["user"]["id"].as_str().expect("an id")).expect("a uuid");
    (client, id)
}

async fn count_of(app: &TestApp, id: Id, sql_after_from: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {sql_after_from}");
    count_rows(app, &sql, &id.to_string()).await
}

fn today_utc() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn a_demo_starts_with_fourteen_days_of_sample_data() {
    let app = spawn_app().await;
    let today = today_utc();
    let (client, id) = start_demo(&app).await;

    let expected = [
        ("medications", 3),
        ("medication_logs", 22),
        ("symptom_types", 3),
        ("symptom_logs", 33),
        ("conditions", 2),
        ("doctors", 2),
        ("doctor_conditions", 3),
        ("sessions", 1),
    ];
    let actual = counts(&app, id).await;
    for (table, count) in expected {
        assert!(actual.contains(&(table, count)), "{table}: {actual:?}");
    }
    let inactive = count_of(
        &app,
        id,
        "medications WHERE CAST(user_id AS TEXT) = $1 AND active = FALSE",
    )
    .await;
    assert_eq!(inactive, 1);
    let linked = count_of(
        &app,
        id,
        "medications WHERE CAST(user_id AS TEXT) = $1 AND prescribing_doctor_id IS NOT NULL AND condition_id IS NOT NULL",
    )
    .await;
    assert!(linked >= 1);

    let session = client.get("/auth/session").await;
    assert_eq!(session.body["authenticated"], json!(true));
    assert_eq!(session.body["demo"], json!(true));
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.body["user"]["timezone"], json!("UTC"));
    assert!(
        me.body["user"]["email"]
            .as_str()
            .is_some_and(|e| e.ends_with("@demo.invalid"))
    );

    let export = client.get("/api/v1/me/export").await.body;
    let now = jiff::Timestamp::now();
    let mut days = std::collections::BTreeSet::new();
    for (list, field) in [
        ("medication_logs", "taken_at"),
        ("symptom_logs", "started_at"),
    ] {
        for log in export[list].as_array().expect("logs") {
            let at: jiff::Timestamp = log[field]
                .as_str()
                .expect("a time")
                .parse()
                .expect("rfc3339");
            assert!(at <= now, "{list} in the future: {at}");
            days.insert(at.strftime("%Y-%m-%d").to_string());
        }
    }
    assert_eq!(days.len(), 14, "{days:?}");
    // Names are unique by their key, as the feature routes expect.
    for (list, table) in [
        ("medications", "medications"),
        ("symptom_types", "symptom_types"),
        ("conditions", "conditions"),
        ("doctors", "doctors"),
    ] {
        for item in export[list].as_array().expect("items") {
            let name = item["name"].as_str().expect("a name");
            let sql = format!(
                "SELECT COUNT(*) FROM {table} WHERE CAST(id AS TEXT) = $1 AND name_key = '{}'",
                name.to_lowercase().replace('\'', "''")
            );
            let id = item["id"].as_str().expect("an id");
            assert_eq!(count_rows(&app, &sql, id).await, 1, "{table} {name}");
        }
    }

    // The feature routes read the sample data as the export shows it.
    for (list, path) in [
        ("medications", "/api/v1/medications"),
        ("symptom_types", "/api/v1/symptom-types"),
        ("conditions", "/api/v1/conditions"),
        ("doctors", "/api/v1/doctors"),
    ] {
        for item in export[list].as_array().expect("items") {
            let id = item["id"].as_str().expect("an id");
            let reply = client.get(&format!("{path}/{id}")).await;
            assert_eq!(&reply.body, item, "{path}/{id}");
        }
    }
    for (path, list) in [
        ("/api/v1/logs/medications?limit=100", "medication_logs"),
        ("/api/v1/logs/symptoms?limit=100", "symptom_logs"),
    ] {
        let logs = client.get(path).await;
        assert_eq!(logs.body["items"], export[list], "{path}");
    }

    // Every screen has something to show.
    let passport = client.get("/api/v1/passport").await;
    assert_eq!(
        passport.body["conditions"].as_array().map(Vec::len),
        Some(2)
    );
    let summary = client.get("/api/v1/summary").await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(
        summary.body["recent_medication_logs"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        summary.body["recent_symptom_logs"].as_array().map(Vec::len),
        Some(5)
    );

    if today_utc() == today {
        let feel = client.get("/api/v1/feel-vs-yesterday").await;
        assert_eq!(feel.status, 200, "{}", feel.text);
        assert_eq!(feel.body["status"], json!("better"), "{}", feel.text);
    }
}

#[tokio::test]
async fn two_demos_see_only_their_own_data() {
    let app = spawn_app().await;
    let (first, first_id) = start_demo(&app).await;
    let (second, second_id) = start_demo(&app).await;
    assert_ne!(first_id, second_id);

    let mine = first.get("/api/v1/me/export").await.body;
    let theirs = second.get("/api/v1/me/export").await.body;

    for list in [
        "medications",
        "medication_logs",
        "symptom_types",
        "symptom_logs",
        "conditions",
        "doctors",
    ] {
        let (a, b) = (ids_of(&mine[list]), ids_of(&theirs[list]));
        assert!(!a.is_empty() && !b.is_empty(), "{list}");
        assert!(a.iter().all(|id| !b.contains(id)), "{list} shared");
    }
    for (id, export) in [(first_id, &mine), (second_id, &theirs)] {
        let owned = count_of(&app, id, "medication_logs WHERE CAST(user_id AS TEXT) = $1").await;
        assert_eq!(
            export["medication_logs"].as_array().map(Vec::len),
            usize::try_from(owned).ok()
        );
    }
}

#[tokio::test]
async fn a_demo_deletes_itself_without_a_password() {
    let app = spawn_app().await;
    let (empty_body, first) = start_demo(&app).await;
    let (empty_object, second) = start_demo(&app).await;

    let by_empty_body = empty_body.post_empty("/api/v1/me/delete").await;
    let by_empty_object = empty_object.post("/api/v1/me/delete", &json!({})).await;

    assert_eq!(by_empty_body.status, 204, "{}", by_empty_body.text);
    assert_eq!(by_empty_object.status, 204, "{}", by_empty_object.text);
    for id in [first, second] {
        for (table, count) in counts(&app, id).await {
            assert_eq!(count, 0, "{table}");
        }
    }
    let session = empty_body.get("/auth/session").await;
    assert_eq!(session.body["authenticated"], json!(false));
}

#[tokio::test]
async fn the_sweep_deletes_an_expired_demo_with_all_its_rows() {
    let app = spawn_app_with(&[
        ("DEMO_LIFETIME_SECS", "1"),
        ("DEMO_SWEEP_INTERVAL_SECS", "1"),
    ])
    .await;
    let (demo, id) = start_demo(&app).await;
    let person = app.user().await;
    let person_id = user_id(&person).await;
    seed(&app, person_id, "Person").await;
    let person_before = counts(&app, person_id).await;

    let deadline = Instant::now() + Duration::from_secs(15);
    while count_of(&app, id, "users WHERE CAST(id AS TEXT) = $1").await > 0 {
        assert!(Instant::now() < deadline, "the sweep did not run");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    for (table, count) in counts(&app, id).await {
        assert_eq!(count, 0, "{table}");
    }
    let session = demo.get("/auth/session").await;
    assert_eq!(session.body["authenticated"], json!(false));
    assert_eq!(demo.get("/api/v1/me").await.status, 401);
    assert_eq!(counts(&app, person_id).await, person_before);
}
