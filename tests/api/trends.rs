//! Trend series through the API: local days and weeks, every bucket present, rounded means.

use serde_json::{Value, json};

use crate::helpers::{Client, spawn_app};

pub async fn symptom_type(client: &Client, name: &str) -> String {
    let reply = client
        .post("/api/v1/symptom-types", &json!({"name": name}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

pub async fn log_symptom(client: &Client, type_id: &str, started_at: &str, severity: i32) {
    let body = json!({"symptom_type_id": type_id, "started_at": started_at, "severity": severity});
    let reply = client.post("/api/v1/logs/symptoms", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

pub async fn medication(client: &Client, body: Value) -> String {
    let reply = client.post("/api/v1/medications", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

pub async fn log_medication(client: &Client, id: &str, taken_at: &str, effectiveness: Option<i32>) {
    let mut body = json!({"medication_id": id, "taken_at": taken_at});
    if let Some(rating) = effectiveness {
        body["effectiveness"] = json!(rating);
    }
    let reply = client.post("/api/v1/logs/medications", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

pub async fn set_timezone(client: &Client, timezone: &str) {
    let reply = client
        .patch("/api/v1/me", &json!({"timezone": timezone}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// (start, logs, mean_severity, max_severity) of each point.
fn symptom_points(series: &Value) -> Vec<(String, i64, Value, Value)> {
    series["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            (
                p["start"].as_str().expect("start").to_owned(),
                p["logs"].as_i64().expect("logs"),
                p["mean_severity"].clone(),
                p["max_severity"].clone(),
            )
        })
        .collect()
}

fn point(start: &str, logs: i64, mean: Value, max: Value) -> (String, i64, Value, Value) {
    (start.to_owned(), logs, mean, max)
}

#[tokio::test]
async fn days_are_local_days_across_a_daylight_saving_change() {
    let app = spawn_app().await;
    let client = app.user().await;
    set_timezone(&client, "Europe/Berlin").await;
    let headache = symptom_type(&client, "Headache").await;
    // Berlin springs forward on 2026-03-29: that day has 23 hours.
    log_symptom(&client, &headache, "2026-03-27T23:59:00+01:00", 10).await;
    log_symptom(&client, &headache, "2026-03-28T23:30:00+01:00", 3).await;
    log_symptom(&client, &headache, "2026-03-29T00:30:00+01:00", 4).await;
    log_symptom(&client, &headache, "2026-03-29T23:30:00+02:00", 7).await;
    // 22:15 UTC on the 29th, yet the 30th in Berlin.
    log_symptom(&client, &headache, "2026-03-29T22:15:00Z", 9).await;
    log_symptom(&client, &headache, "2026-03-31T00:00:00+02:00", 10).await;
    let ibuprofen = medication(&client, json!({"name": "Ibuprofen"})).await;
    log_medication(&client, &ibuprofen, "2026-03-29T01:30:00+01:00", Some(4)).await;
    log_medication(&client, &ibuprofen, "2026-03-29T23:45:00+02:00", Some(5)).await;
    log_medication(&client, &ibuprofen, "2026-03-30T08:00:00+02:00", None).await;

    let reply = client
        .get("/api/v1/trends?from=2026-03-28&to=2026-03-30")
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["from"], "2026-03-28");
    assert_eq!(body["to"], "2026-03-30");
    assert_eq!(body["timezone"], "Europe/Berlin");
    assert_eq!(body["bucket"], "day");
    assert_eq!(body["symptoms"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["symptoms"][0]["symptom_type_id"], headache.as_str());
    assert_eq!(
        symptom_points(&body["symptoms"][0]),
        [
            point("2026-03-28", 1, json!(3.0), json!(3)),
            point("2026-03-29", 2, json!(5.5), json!(7)),
            point("2026-03-30", 1, json!(9.0), json!(9)),
        ]
    );
    let medications = &body["medications"];
    assert_eq!(medications.as_array().map(Vec::len), Some(1));
    assert_eq!(medications[0]["name"], "Ibuprofen");
    assert_eq!(
        medications[0]["points"],
        json!([
            {"start": "2026-03-28", "doses": 0, "mean_effectiveness": null},
            {"start": "2026-03-29", "doses": 2, "mean_effectiveness": 4.5},
            {"start": "2026-03-30", "doses": 1, "mean_effectiveness": null},
        ])
    );
}

#[tokio::test]
async fn weeks_start_on_monday_and_a_range_may_start_mid_week() {
    let app = spawn_app().await;
    let client = app.user().await;
    let headache = symptom_type(&client, "Headache").await;
    let aching = symptom_type(&client, "aching joints").await;
    symptom_type(&client, "Nausea").await;
    // 2026-11-04 is a Wednesday; the range ends on Tuesday the 17th.
    log_symptom(&client, &headache, "2026-11-03T23:59:59Z", 10).await;
    log_symptom(&client, &headache, "2026-11-04T00:00:00Z", 2).await;
    log_symptom(&client, &headache, "2026-11-08T23:59:00Z", 5).await;
    log_symptom(&client, &headache, "2026-11-08T12:00:00Z", 4).await;
    log_symptom(&client, &headache, "2026-11-09T00:00:00Z", 6).await;
    log_symptom(&client, &headache, "2026-11-17T20:00:00Z", 8).await;
    log_symptom(&client, &aching, "2026-11-10T09:00:00Z", 3).await;
    log_symptom(&client, &aching, "2026-11-11T09:00:00Z", 4).await;
    log_symptom(&client, &aching, "2026-11-12T09:00:00Z", 4).await;

    let reply = client
        .get("/api/v1/trends?from=2026-11-04&to=2026-11-17&bucket=week")
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["bucket"], "week");
    let symptoms = reply.body["symptoms"].as_array().expect("symptoms");
    // Only types logged in the range, by name whatever the case.
    let names: Vec<&str> = symptoms.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["aching joints", "Headache"]);
    assert_eq!(
        symptom_points(&symptoms[0]),
        [
            point("2026-11-04", 0, Value::Null, Value::Null),
            point("2026-11-09", 3, json!(3.67), json!(4)),
            point("2026-11-16", 0, Value::Null, Value::Null),
        ]
    );
    assert_eq!(
        symptom_points(&symptoms[1]),
        [
            point("2026-11-04", 3, json!(3.67), json!(5)),
            point("2026-11-09", 1, json!(6.0), json!(6)),
            point("2026-11-16", 1, json!(8.0), json!(8)),
        ]
    );
    assert_eq!(reply.body["medications"], json!([]));
}

#[tokio::test]
async fn bad_ranges_and_buckets_are_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let client = app.user().await;
    // (query, field)
    let cases = [
        ("from=2026-11-10&to=2026-11-09", "to"),
        ("from=2026-01-01&to=2027-01-02", "to"),
        ("to=2020-01-01", "to"),
        ("from=2026-13-01", "from"),
        ("from=2026-11-01T00:00:00Z", "from"),
        ("to=yesterday", "to"),
        ("bucket=month", "bucket"),
        ("bucket=", "bucket"),
    ];
    for (query, field) in cases {
        for path in ["/api/v1/trends", "/api/v1/report"] {
            if path == "/api/v1/report" && field == "bucket" {
                continue;
            }
            let reply = client.get(&format!("{path}?{query}")).await;
            assert_eq!(reply.status, 422, "{path}?{query}: {}", reply.text);
            assert_eq!(reply.code(), "validation_failed", "{path}?{query}");
            assert_eq!(reply.error_fields(), [field], "{path}?{query}");
            assert!(
                reply
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/problem+json"))
            );
        }
    }
    // A leap year's 366 days, both ends counted, is the longest range.
    let reply = client
        .get("/api/v1/trends?from=2028-01-01&to=2028-12-31&bucket=week")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn the_default_range_is_the_30_days_ending_today() {
    let app = spawn_app().await;
    let client = app.user().await;
    set_timezone(&client, "Pacific/Kiritimati").await;
    let headache = symptom_type(&client, "Headache").await;
    log_symptom(&client, &headache, &jiff::Timestamp::now().to_string(), 5).await;
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::db().get("Pacific/Kiritimati").expect("tzdb"))
        .date();

    let reply = client.get("/api/v1/trends").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let first = today
        .checked_sub(jiff::Span::new().days(29))
        .expect("in range");
    assert_eq!(reply.body["from"], first.to_string());
    assert_eq!(reply.body["to"], today.to_string());
    let points = symptom_points(&reply.body["symptoms"][0]);
    assert_eq!(points.len(), 30);
    assert_eq!(
        points[29],
        point(&today.to_string(), 1, json!(5.0), json!(5))
    );
}

#[tokio::test]
async fn another_accounts_logs_never_appear() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let other = app.user().await;
    let headache = symptom_type(&owner, "Headache").await;
    log_symptom(&owner, &headache, "2026-11-04T10:00:00Z", 5).await;

    let reply = other
        .get("/api/v1/trends?from=2026-11-01&to=2026-11-30")
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["symptoms"], json!([]));
    assert_eq!(reply.body["medications"], json!([]));
    let anonymous = app.client().get("/api/v1/trends").await;
    assert_eq!(anonymous.status, 401);
}
