//! The FHIR export: the account as one FHIR R4 `Bundle` of linked resources (the resources' own
//! shapes are unit-tested beside the mapping; CI parses whole bundles with `fhir.resources`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::{
    helpers::{audit_rows, spawn_app},
    records::{bulk_logs, seed, user_id},
};

const PATH: &str = "/api/v1/me/export/fhir";

/// The resources of a bundle by type, each type's in bundle order.
fn by_type(bundle: &Value) -> BTreeMap<String, Vec<Value>> {
    let mut types: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for entry in bundle["entry"].as_array().expect("entries") {
        let resource = &entry["resource"];
        let kind = resource["resourceType"].as_str().expect("a type");
        types
            .entry(kind.to_owned())
            .or_default()
            .push(resource.clone());
    }
    types
}

/// Every `reference` anywhere in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("reference", Value::String(reference)) => found.push(reference.clone()),
                    _ => references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

fn urn(id: impl std::fmt::Display) -> Value {
    json!({"reference": format!("urn:uuid:{id}")})
}

#[tokio::test]
async fn the_bundle_holds_the_accounts_records_as_linked_fhir_resources() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = user_id(&client).await;
    let mine = seed(&app, id, "Mine").await;
    let named = client
        .patch("/api/v1/me", &json!({"display_name": "Jan Example"}))
        .await;
    assert_eq!(named.status, 200, "{}", named.text);
    let email = named.body["user"]["email"].clone();
    let stranger = app.user().await;
    seed(&app, user_id(&stranger).await, "Theirs").await;

    let reply = client.get(PATH).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/fhir+json"));
    let bundle = &reply.body;
    let timestamp = bundle["timestamp"].as_str().expect("a timestamp");
    assert_eq!(
        reply.header("content-disposition"),
        Some(
            format!(
                "attachment; filename=\"medtracker-fhir-{}.json\"",
                &timestamp[..10]
            )
            .as_str()
        )
    );
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(
        !reply.text.contains("Theirs"),
        "another account's records leaked"
    );

    // Every entry is addressed by its id, and every reference points at an entry.
    let mut full_urls = BTreeSet::new();
    for entry in bundle["entry"].as_array().expect("entries") {
        let resource_id = entry["resource"]["id"].as_str().expect("an id");
        assert_eq!(entry["fullUrl"], json!(format!("urn:uuid:{resource_id}")));
        assert!(
            full_urls.insert(resource_id.to_owned()),
            "one entry per resource"
        );
    }
    let mut found = Vec::new();
    references(bundle, &mut found);
    assert!(!found.is_empty());
    for reference in &found {
        let target = reference
            .strip_prefix("urn:uuid:")
            .expect("a urn:uuid reference");
        assert!(full_urls.contains(target), "{reference} names no entry");
    }

    let types = by_type(bundle);
    let counts: BTreeMap<_, _> = types.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("CareTeam", 1),
            ("Condition", 1),
            ("MedicationStatement", 3),
            ("Observation", 2),
            ("Patient", 1),
            ("Practitioner", 1),
        ])
    );
    let patient = &types["Patient"][0];
    assert_eq!(patient["id"], json!(id.to_string()));
    assert_eq!(patient["name"], json!([{"text": "Jan Example"}]));
    assert_eq!(
        patient["telecom"],
        json!([{"system": "email", "value": email}])
    );

    let doctor = &types["Practitioner"][0];
    assert_eq!(doctor["id"], json!(mine.doctor.to_string()));
    assert_eq!(doctor["qualification"][0]["code"]["text"], "Neurology");

    let condition = &types["Condition"][0];
    assert_eq!(condition["code"]["text"], "Mine condition");
    assert_eq!(condition["clinicalStatus"]["coding"][0]["code"], "active");
    assert_eq!(condition["onsetDateTime"], "2025-06-30");
    assert_eq!(condition["subject"], urn(id));
    assert_eq!(condition["note"], json!([{"text": "since childhood"}]));

    let team = &types["CareTeam"][0];
    assert_ne!(team["id"], json!(mine.condition.to_string()));
    assert_eq!(team["reasonReference"], json!([urn(mine.condition)]));
    assert_eq!(team["participant"], json!([{"member": urn(mine.doctor)}]));

    let statements: BTreeMap<String, &Value> = types["MedicationStatement"]
        .iter()
        .map(|s| (s["id"].as_str().unwrap_or_default().to_owned(), s))
        .collect();
    let medication = statements[&mine.medication.to_string()];
    assert_eq!(medication["status"], "active");
    assert_eq!(
        medication["medicationCodeableConcept"]["text"],
        "Mine Ä-Med"
    );
    assert_eq!(medication["dosage"], json!([{"text": "500 mg, daily"}]));
    assert_eq!(medication["reasonReference"], json!([urn(mine.condition)]));
    assert_eq!(medication["informationSource"], urn(id));
    assert_eq!(
        statements[&mine.plain_medication.to_string()]["status"],
        "stopped"
    );
    let log = statements[&mine.medication_log.to_string()];
    assert_eq!(log["status"], "completed");
    assert_eq!(log["partOf"], json!([urn(mine.medication)]));
    assert_eq!(log["effectiveDateTime"], "2026-01-03T08:00:00.001Z");
    assert_eq!(
        log["dosage"][0]["doseAndRate"][0]["doseQuantity"],
        json!({"value": 1.5, "unit": "tablets"})
    );
    assert_eq!(
        log["note"],
        json!([{"text": "with food"}, {"text": "Side effects: dry mouth (severity 2 of 10)"}])
    );

    let observations: BTreeMap<String, &Value> = types["Observation"]
        .iter()
        .map(|o| (o["id"].as_str().unwrap_or_default().to_owned(), o))
        .collect();
    let ended = observations[&mine.ended_symptom_log.to_string()];
    assert_eq!(
        ended["effectivePeriod"],
        json!({"start": "2026-01-03T09:00:00.000Z", "end": "2026-01-03T10:30:00.000Z"})
    );
    assert_eq!(ended["valueInteger"], 9);
    assert_eq!(
        ended["component"],
        json!([{"code": {"text": "impact"}, "valueInteger": 3}])
    );
    let ongoing = observations[&mine.ongoing_symptom_log.to_string()];
    assert_eq!(ongoing["effectiveDateTime"], "2026-01-04T09:00:00.000Z");
    assert!(ongoing.get("effectivePeriod").is_none());
    assert!(ongoing.get("note").is_none(), "no note without text");
}

#[tokio::test]
async fn a_medications_schedules_are_dosages_with_their_timing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let stranger = app.user().await;
    let mut medications = Vec::new();
    for owner in [&client, &stranger] {
        let created = owner
            .post(
                "/api/v1/medications",
                &json!({"name": "Metformin", "dosage": "500 mg"}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        medications.push(created.body["id"].as_str().expect("an id").to_owned());
    }
    let schedules = format!("/api/v1/medications/{}/schedules", medications[0]);
    let plans = [
        json!({"times": ["20:00", "08:00"], "days_of_week": [5, 1], "starts_on": "2026-01-01",
            "ends_on": "2026-01-31", "dose_amount": 500, "dose_unit": "mg"}),
        json!({"times": ["09:00"], "starts_on": "2026-02-01"}),
    ];
    for plan in &plans {
        let created = client.post(&schedules, plan).await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let theirs = format!("/api/v1/medications/{}/schedules", medications[1]);
    let created = stranger
        .post(
            &theirs,
            &json!({"times": ["23:59"], "starts_on": "2026-01-01"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);

    let reply = client.get(PATH).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        !reply.text.contains("23:59"),
        "another account's schedule leaked"
    );
    let types = by_type(&reply.body);
    let statement = types["MedicationStatement"]
        .iter()
        .find(|s| s["id"] == json!(medications[0]))
        .expect("the medication's statement");
    assert_eq!(
        statement["dosage"],
        json!([
            {"text": "500 mg"},
            {"text": "500 mg at 08:00, 20:00 on Mon, Fri from 2026-01-01 to 2026-01-31",
             "timing": {"repeat": {
                "boundsPeriod": {"start": "2026-01-01", "end": "2026-01-31"},
                "frequency": 2, "period": 1, "periodUnit": "d",
                "dayOfWeek": ["mon", "fri"], "timeOfDay": ["08:00:00", "20:00:00"]}},
             "doseAndRate": [{"doseQuantity": {"value": 500.0, "unit": "mg"}}]},
            {"text": "at 09:00 every day from 2026-02-01",
             "timing": {"repeat": {"boundsPeriod": {"start": "2026-02-01"},
                "frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": ["09:00:00"]},
                "code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
                    "code": "QD"}]}}}
        ])
    );
}

#[tokio::test]
async fn an_empty_account_is_a_bundle_of_its_patient() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = user_id(&client).await;

    let reply = client.get(PATH).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let entries = reply.body["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["resource"]["resourceType"], "Patient");
    assert_eq!(entries[0]["resource"]["id"], json!(id.to_string()));
    assert!(
        entries[0]["resource"].get("name").is_none(),
        "no display name, no name"
    );
}

#[tokio::test]
async fn the_export_needs_a_session_and_is_audited() {
    let app = spawn_app().await;
    let anonymous = app.client().get(PATH).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    assert_eq!(anonymous.code(), "unauthenticated");

    let client = app.user().await;
    let before = audit_rows(&app).await.len();
    assert_eq!(client.get(PATH).await.status, 200);
    let rows = audit_rows(&app).await;
    let exports: Vec<_> = rows[before..]
        .iter()
        .filter(|row| row.event == "account.export")
        .collect();
    assert_eq!(exports.len(), 1, "{rows:?}");
    assert!(exports[0].has_user);
    assert!(exports[0].request_id.is_some());
    assert_eq!(exports[0].format.as_deref(), Some("fhir"));

    // The JSON export's event says which document it wrote too.
    assert_eq!(client.get("/api/v1/me/export").await.status, 200);
    let rows = audit_rows(&app).await;
    let formats: Vec<_> = rows[before..]
        .iter()
        .filter(|row| row.event == "account.export")
        .map(|row| row.format.as_deref())
        .collect();
    assert_eq!(formats.len(), 2, "{rows:?}");
    assert!(formats.contains(&Some("json")), "{rows:?}");
    assert!(formats.contains(&Some("fhir")), "{rows:?}");
}

#[tokio::test]
async fn an_account_with_100_000_logs_exports_in_one_bundle() {
    let app = spawn_app().await;
    let client = app.user().await;
    let id = user_id(&client).await;
    let mine = seed(&app, id, "Mine").await;
    bulk_logs(&app, id, mine.medication, 60_000, false).await;
    bulk_logs(&app, id, mine.symptom_type, 40_000, true).await;

    let reply = client.get(PATH).await;

    assert_eq!(reply.status, 200, "{}", reply.code());
    let types = by_type(&reply.body);
    // The two medications and their 60 001 logs; the 40 002 symptom logs.
    assert_eq!(types["MedicationStatement"].len(), 60_003);
    assert_eq!(types["Observation"].len(), 40_002);
    let newest_log = &types["MedicationStatement"][2];
    assert_eq!(newest_log["effectiveDateTime"], "2026-01-31T00:00:00.000Z");
    assert!(
        newest_log.get("dosage").is_some(),
        "the bulk logs have a dose"
    );
}
