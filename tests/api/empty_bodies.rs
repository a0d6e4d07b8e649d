//! A request that declares a JSON body and sends zero bytes: where the route needs a body (every
//! POST that creates, every PATCH, the password change, sign-in and registration) that is 400
//! `malformed_json` and changes nothing; where the body is optional (the action routes, a demo
//! account's self-deletion) it means no body.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{Client, Reply, spawn_app},
    medications::medication,
    passport_fixtures::{condition, doctor},
    symptom_types::type_id,
};

/// Sends `Content-Type: application/json` and not one byte of body.
async fn zero_bytes(client: &Client, method: Method, path: &str) -> Reply {
    client
        .send_raw(method, path, "application/json", Vec::new())
        .await
}

/// The served document's operations as (method, path template, whether the body is required).
async fn operations(client: &Client) -> Vec<(Method, String, bool)> {
    let document = client.get("/openapi.json").await.body;
    let paths = document["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for (name, method) in [
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            if let Some(operation) = item.get(name) {
                let required = operation["requestBody"]["required"] == json!(true);
                found.push((method, path.clone(), required));
            }
        }
    }
    found
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// One record of every kind, so that each path template can name a real one.
struct Records {
    medication: String,
    medication_log: String,
    symptom_type: String,
    symptom_log: String,
    condition: String,
    doctor: String,
    schedule: String,
}

impl Records {
    async fn create(client: &Client) -> Self {
        let medication = medication(client, "Ibuprofen").await;
        let symptom_type = type_id(client, "Headache").await;
        let medication_log = client
            .post(
                "/api/v1/logs/medications",
                &json!({"medication_id": medication}),
            )
            .await;
        assert_eq!(medication_log.status, 201, "{}", medication_log.text);
        let symptom_log = client
            .post(
                "/api/v1/logs/symptoms",
                &json!({"symptom_type_id": symptom_type, "severity": 4}),
            )
            .await;
        assert_eq!(symptom_log.status, 201, "{}", symptom_log.text);
        let schedule = client
            .post(
                &format!("/api/v1/medications/{medication}/schedules"),
                &json!({"times": ["08:00"]}),
            )
            .await;
        assert_eq!(schedule.status, 201, "{}", schedule.text);
        Self {
            schedule: id_of(&schedule.body),
            medication_log: id_of(&medication_log.body),
            symptom_log: id_of(&symptom_log.body),
            condition: condition(client, "Asthma").await,
            doctor: doctor(client, "Dr. Adler").await,
            medication,
            symptom_type,
        }
    }

    /// `template` with its path ids replaced by the records' ids.
    fn path(&self, template: &str) -> String {
        let id = [
            ("/api/v1/medications/", &self.medication),
            ("/api/v1/logs/medications/", &self.medication_log),
            ("/api/v1/symptom-types/", &self.symptom_type),
            ("/api/v1/logs/symptoms/", &self.symptom_log),
            ("/api/v1/conditions/", &self.condition),
            ("/api/v1/doctors/", &self.doctor),
            ("/api/v1/schedules/", &self.schedule),
        ]
        .into_iter()
        .find(|(prefix, _)| template.starts_with(prefix))
        .map(|(_, id)| id.as_str());
        let path = template
            .replace("{doctor_id}", &self.doctor)
            .replace("{condition_id}", &self.condition);
        match id {
            Some(id) => path.replace("{id}", id),
            None => path,
        }
    }

    /// Every record as the API shows it, to prove a refused request changed none of them.
    async fn snapshot(&self, client: &Client) -> Vec<Value> {
        let mut bodies = vec![client.get("/api/v1/me").await.body];
        for path in [
            format!("/api/v1/medications/{}", self.medication),
            format!("/api/v1/logs/medications/{}", self.medication_log),
            format!("/api/v1/symptom-types/{}", self.symptom_type),
            format!("/api/v1/logs/symptoms/{}", self.symptom_log),
            format!("/api/v1/conditions/{}", self.condition),
            format!("/api/v1/doctors/{}", self.doctor),
            format!("/api/v1/schedules/{}", self.schedule),
        ] {
            let reply = client.get(&path).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            bodies.push(reply.body);
        }
        bodies
    }
}

#[tokio::test]
async fn every_route_that_needs_a_body_answers_zero_bytes_with_400_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let records = Records::create(&client).await;
    let before = records.snapshot(&client).await;

    let required: Vec<_> = operations(&client)
        .await
        .into_iter()
        .filter(|(_, _, required)| *required)
        .collect();
    for (method, template, _) in &required {
        let path = records.path(template);
        let reply = zero_bytes(&client, method.clone(), &path).await;
        assert_eq!(reply.status, 400, "{method} {template}: {}", reply.text);
        assert_eq!(reply.code(), "malformed_json", "{method} {template}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("empty")),
            "{method} {template}: {}",
            reply.text
        );
    }

    // The document marks the routes the API has always required a body for.
    let listed: Vec<String> = required
        .iter()
        .map(|(method, template, _)| format!("{method} {template}"))
        .collect();
    for expected in [
        "POST /auth/register",
        "POST /auth/login",
        "PATCH /api/v1/me",
        "POST /api/v1/me/password",
        "POST /api/v1/medications",
        "PATCH /api/v1/medications/{id}",
        "POST /api/v1/logs/medications",
        "PATCH /api/v1/logs/medications/{id}",
        "POST /api/v1/symptom-types",
        "PATCH /api/v1/symptom-types/{id}",
        "POST /api/v1/logs/symptoms",
        "PATCH /api/v1/logs/symptoms/{id}",
        "POST /api/v1/conditions",
        "PATCH /api/v1/conditions/{id}",
        "POST /api/v1/doctors",
        "PATCH /api/v1/doctors/{id}",
        "POST /api/v1/medications/{id}/schedules",
        "PATCH /api/v1/schedules/{id}",
    ] {
        assert!(
            listed.iter().any(|l| l == expected),
            "{expected} in {listed:?}"
        );
    }
    // Still signed in, and nothing changed.
    assert_eq!(records.snapshot(&client).await, before);
}

#[tokio::test]
async fn routes_whose_body_is_optional_read_zero_bytes_as_no_body() {
    let app = spawn_app().await;
    let client = app.user().await;
    let records = Records::create(&client).await;
    // A spare doctor and medication to delete, so that the records of the other routes remain.
    let spare_doctor = doctor(&client, "Dr. Brandt").await;
    let spare_medication = medication(&client, "Cetirizine").await;
    let link = format!(
        "/api/v1/doctors/{}/conditions/{}",
        records.doctor, records.condition
    );
    let medication = format!("/api/v1/medications/{}", records.medication);

    // Every route without a required body, in an order that keeps the session and the records
    // until the routes that end them.
    let steps: Vec<(Method, String, u16)> = vec![
        (
            Method::DELETE,
            format!("/api/v1/schedules/{}", records.schedule),
            204,
        ),
        (Method::POST, format!("{medication}/deactivate"), 200),
        (Method::POST, format!("{medication}/activate"), 200),
        (Method::PUT, link.clone(), 204),
        (Method::DELETE, link, 204),
        (
            Method::DELETE,
            format!("/api/v1/logs/medications/{}", records.medication_log),
            204,
        ),
        (
            Method::DELETE,
            format!("/api/v1/logs/symptoms/{}", records.symptom_log),
            204,
        ),
        (
            Method::DELETE,
            format!("/api/v1/symptom-types/{}", records.symptom_type),
            204,
        ),
        (
            Method::DELETE,
            format!("/api/v1/conditions/{}", records.condition),
            204,
        ),
        (
            Method::DELETE,
            format!("/api/v1/doctors/{spare_doctor}"),
            204,
        ),
        (
            Method::DELETE,
            format!("/api/v1/medications/{spare_medication}"),
            204,
        ),
        (Method::POST, "/auth/logout".into(), 204),
    ];
    for (method, path, status) in &steps {
        let reply = zero_bytes(&client, method.clone(), path).await;
        assert_eq!(reply.status, *status, "{method} {path}: {}", reply.text);
    }
    let signed_out = client.get("/api/v1/me").await;
    assert_eq!(signed_out.status, 401, "logout ended the session");

    let (again, _) = app.signed_in().await;
    let logout_all = zero_bytes(&again, Method::POST, "/api/v1/me/logout-all").await;
    assert_eq!(logout_all.status, 204, "{}", logout_all.text);
    assert_eq!(again.get("/api/v1/me").await.status, 401);

    let demo = app.client();
    let started = zero_bytes(&demo, Method::POST, "/auth/demo").await;
    assert_eq!(started.status, 201, "{}", started.text);
    let deleted = zero_bytes(&demo, Method::POST, "/api/v1/me/delete").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(demo.get("/api/v1/me").await.status, 401);

    // An account with a password must still confirm it: no body is a missing field, not bad JSON.
    let (person, _) = app.signed_in().await;
    let unconfirmed = zero_bytes(&person, Method::POST, "/api/v1/me/delete").await;
    assert_eq!(unconfirmed.status, 422, "{}", unconfirmed.text);
    assert_eq!(unconfirmed.error_fields(), ["password"]);
    assert_eq!(person.get("/api/v1/me").await.status, 200);

    // Every route of the document without a required body is among those tried here, so a new
    // one cannot go untested.
    let tried: Vec<String> = steps
        .iter()
        .map(|(method, path, _)| format!("{method} {path}"))
        .chain(
            [
                "POST /api/v1/me/logout-all",
                "POST /auth/demo",
                "POST /api/v1/me/delete",
            ]
            .map(str::to_owned),
        )
        .collect();
    for (method, template, required) in operations(&person).await {
        if required {
            continue;
        }
        let pattern = format!("{method} {template}");
        let covered = tried.iter().any(|t| matches_template(t, &pattern));
        assert!(covered, "{pattern} is not tried with zero bytes");
    }
}

/// Whether `concrete` ("DELETE /api/v1/doctors/0193…") fits `template` ("DELETE
/// /api/v1/doctors/{id}").
fn matches_template(concrete: &str, template: &str) -> bool {
    let (a, b): (Vec<_>, Vec<_>) = (concrete.split('/').collect(), template.split('/').collect());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(part, pattern)| part == pattern || pattern.starts_with('{'))
}
