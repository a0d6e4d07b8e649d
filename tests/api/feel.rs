//! Feel vs yesterday and the landing summary, through the API.

use serde_json::{Value, json};

use crate::helpers::{Client, spawn_app};

async fn symptom_type(client: &Client, name: &str) -> String {
    let reply = client
        .post("/api/v1/symptom-types", &json!({"name": name}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

async fn log_symptom(client: &Client, type_id: &str, started_at: &str, severity: i32) {
    let body = json!({"symptom_type_id": type_id, "started_at": started_at, "severity": severity});
    let reply = client.post("/api/v1/logs/symptoms", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

fn ymd(days_ago: i64) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let day = today
        .checked_sub(jiff::Span::new().days(days_ago))
        .expect("in range");
    day.to_string()
}

#[tokio::test]
async fn a_new_account_has_nothing_to_compare() {
    let app = spawn_app().await;
    let client = app.user().await;
    let reply = client.get("/api/v1/feel-vs-yesterday").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["status"], "unavailable");
    assert_eq!(reply.body["delta"], Value::Null);
    assert_eq!(reply.body["timezone"], "UTC");
    assert!(
        reply.body["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test]
async fn a_changed_account_time_zone_applies_to_the_very_next_request() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let other_session = app.signed_in_as(&email).await;
    let reply = client
        .patch("/api/v1/me", &json!({"timezone": "Pacific/Auckland"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // The time zone travels with the session as it is read, on this session and any other.
    for session in [&client, &other_session] {
        for path in ["/api/v1/feel-vs-yesterday", "/api/v1/summary"] {
            let reply = session.get(path).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            let feel = if path.ends_with("summary") {
                &reply.body["feel"]
            } else {
                &reply.body
            };
            assert_eq!(feel["timezone"], "Pacific/Auckland", "{path}");
        }
    }
}

#[tokio::test]
async fn days_are_calendar_days_in_the_requested_time_zone() {
    let app = spawn_app().await;
    let client = app.user().await;
    let headache = symptom_type(&client, "Headache").await;
    // 23:30 in Berlin (22:30Z) on the 25th and on the 26th: yesterday and today of the 26th there.
    log_symptom(&client, &headache, "2026-11-25T23:30:00+01:00", 8).await;
    log_symptom(&client, &headache, "2026-11-26T23:30:00+01:00", 3).await;

    let berlin = client
        .get("/api/v1/feel-vs-yesterday?date=2026-11-26&tz=Europe/Berlin")
        .await;
    assert_eq!(berlin.status, 200, "{}", berlin.text);
    assert_eq!(berlin.body["status"], "better");
    assert_eq!(berlin.body["delta"], json!(-5.0));
    assert_eq!(berlin.body["symptoms"][0]["change"], "better");
    assert_eq!(berlin.body["today"]["max_severity"], 3);

    // In UTC the first log (22:30Z on the 25th) is still the 25th and the second the 26th.
    let utc = client
        .get("/api/v1/feel-vs-yesterday?date=2026-11-26&tz=UTC")
        .await;
    assert_eq!(utc.body["status"], "better");
    // On the 27th in Berlin, yesterday (the 26th) has a log and today has none.
    let next = client
        .get("/api/v1/feel-vs-yesterday?date=2026-11-27&tz=Europe/Berlin")
        .await;
    assert_eq!(next.body["status"], "unavailable");
}

#[tokio::test]
async fn bad_dates_and_time_zones_are_422() {
    let app = spawn_app().await;
    let client = app.user().await;
    for query in [
        "date=2026-02-30",
        "date=yesterday",
        "tz=Mars/Olympus",
        "tz=",
    ] {
        let reply = client
            .get(&format!("/api/v1/feel-vs-yesterday?{query}"))
            .await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
    }
    assert_eq!(
        app.client().get("/api/v1/feel-vs-yesterday").await.status,
        401
    );
}

#[tokio::test]
async fn the_summary_shows_the_five_newest_logs_and_today() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    let cough = symptom_type(&client, "Cough").await;
    let medication = client
        .post("/api/v1/medications", &json!({"name": "Salbutamol"}))
        .await;
    let medication_id = medication.body["id"].as_str().expect("an id").to_owned();
    for hour in 0..7 {
        let at = format!("{}T0{hour}:00:00Z", ymd(1));
        log_symptom(&client, &cough, &at, 4).await;
        let dose = json!({"medication_id": medication_id, "taken_at": at});
        assert_eq!(
            client.post("/api/v1/logs/medications", &dose).await.status,
            201
        );
    }
    let now = jiff::Timestamp::now().to_string();
    log_symptom(&client, &cough, &now, 6).await;
    let other_type = symptom_type(&other, "Cough").await;
    log_symptom(&other, &other_type, &now, 9).await;

    let reply = client.get("/api/v1/summary?tz=UTC").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let symptoms = reply.body["recent_symptom_logs"]
        .as_array()
        .expect("a list");
    assert_eq!(symptoms.len(), 5);
    assert_eq!(symptoms[0]["severity"], 6, "newest first");
    assert_eq!(
        reply.body["recent_medication_logs"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        reply.body["counts_today"],
        json!({"medication_logs": 0, "symptom_logs": 1})
    );
    assert_eq!(reply.body["feel"]["status"], "worse");
    assert_eq!(reply.body["feel"]["delta"], json!(2.0));
}

#[tokio::test]
async fn each_day_tallies_its_own_medication_logs_and_effectiveness() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    let mut medications = Vec::new();
    for owner in [&client, &other] {
        let reply = owner
            .post("/api/v1/medications", &json!({"name": "Ibuprofen"}))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        medications.push(reply.body["id"].as_str().expect("an id").to_owned());
    }
    let headache = symptom_type(&client, "Headache").await;
    log_symptom(&client, &headache, "2026-11-25T12:00:00Z", 6).await;
    log_symptom(&client, &headache, "2026-11-26T12:00:00Z", 2).await;
    log_symptom(&client, &headache, "2026-11-26T13:00:00Z", 4).await;
    // Yesterday (the 25th): rated 2 and unrated; today (the 26th): rated 5 and 4; the other
    // account's log on the 26th must not count.
    let logs = [
        (&client, &medications[0], "2026-11-25T08:00:00Z", Some(2)),
        (&client, &medications[0], "2026-11-25T20:00:00Z", None),
        (&client, &medications[0], "2026-11-26T08:00:00Z", Some(5)),
        (&client, &medications[0], "2026-11-26T20:00:00Z", Some(4)),
        (&other, &medications[1], "2026-11-26T09:00:00Z", Some(1)),
    ];
    for (owner, medication_id, taken_at, effectiveness) in logs {
        let mut body = json!({"medication_id": medication_id, "taken_at": taken_at});
        if let Some(rating) = effectiveness {
            body["effectiveness"] = json!(rating);
        }
        let reply = owner.post("/api/v1/logs/medications", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }

    let reply = client
        .get("/api/v1/feel-vs-yesterday?date=2026-11-26&tz=UTC")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (today, yesterday) = (&reply.body["today"], &reply.body["yesterday"]);
    assert_eq!(today["medication_logs"], 2);
    assert_eq!(today["mean_effectiveness"], json!(4.5));
    assert_eq!(today["symptom_logs"], 2);
    assert_eq!(today["max_severity"], 4);
    assert_eq!(yesterday["medication_logs"], 2);
    assert_eq!(yesterday["mean_effectiveness"], json!(2.0));
    assert_eq!(yesterday["symptom_logs"], 1);
    assert_eq!(yesterday["max_severity"], 6);
    assert_eq!(reply.body["status"], "better");
}
