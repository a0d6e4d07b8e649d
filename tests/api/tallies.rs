//! Feel's per-quarter-hour tallies, kept by the database on every write of a log: they give the
//! same two days as the logs themselves whatever was written, edited or deleted, and nothing of
//! an account is left in them once its logs, a type or the account itself are gone.

use medtracker::{
    feel::{
        compare::DayLogs,
        days,
        store::{self, Source},
    },
    types::{Id, Timestamp},
};
use serde_json::{Value, json};

use crate::{
    helpers::{Client, PASSWORD, TestApp, count_rows, instant, spawn_app},
    records::user_id,
};

async fn created(client: &Client, path: &str, body: Value) -> String {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path} {body}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

async fn edited(client: &Client, path: &str, body: Value) {
    let reply = client.patch(path, &body).await;
    assert_eq!(reply.status, 200, "{path} {body}: {}", reply.text);
}

async fn deleted(client: &Client, path: &str) {
    let reply = client.delete(path).await;
    assert_eq!(reply.status, 204, "{path}: {}", reply.text);
}

fn at_minutes(minutes: i64) -> String {
    instant("2026-11-26T00:00:00Z")
        .plus_millis(minutes * 60_000)
        .to_string()
}

/// Symptom types in a fixed order, so that the two sources' days compare as equal.
fn sorted(mut day: DayLogs) -> DayLogs {
    day.symptoms.sort_by_key(|t| t.symptom_type_id.to_string());
    day
}

/// The account's tally rows of both kinds (`column` = `$1`, as text).
async fn tally_rows(app: &TestApp, column: &str, value: &str) -> i64 {
    let mut rows = 0;
    for table in ["medication_log_tallies", "symptom_log_tallies"] {
        if table == "medication_log_tallies" && column != "user_id" {
            continue;
        }
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) = $1");
        rows += count_rows(app, &sql, value).await;
    }
    rows
}

#[tokio::test]
async fn the_tallies_give_the_same_days_as_the_logs_after_writes_edits_and_deletions() {
    let app = spawn_app().await;
    let client = app.user().await;
    let user = user_id(&client).await;
    let headache = created(
        &client,
        "/api/v1/symptom-types",
        json!({"name": "Headache"}),
    )
    .await;
    let nausea = created(&client, "/api/v1/symptom-types", json!({"name": "Nausea"})).await;
    let ibuprofen = created(&client, "/api/v1/medications", json!({"name": "Ibuprofen"})).await;
    // Another account logs into the same quarter hours: none of it may count.
    let other = app.user().await;
    let theirs = created(&other, "/api/v1/symptom-types", json!({"name": "Headache"})).await;
    let their_medication =
        created(&other, "/api/v1/medications", json!({"name": "Ibuprofen"})).await;

    // Three days of logs from 2026-11-25 on, several to a quarter hour, at and just before its
    // bounds, with every severity and with and without a rating.
    let mut symptom_logs = Vec::new();
    let mut medication_logs = Vec::new();
    for i in 0..72_i64 {
        let minutes = -1440 + i * 53 + [0, 14, 15, 29][(i % 4) as usize];
        let exact = if i % 9 == 0 {
            // The last millisecond of a quarter hour.
            instant(&at_minutes(minutes + 1))
                .plus_millis(-1)
                .to_string()
        } else {
            at_minutes(minutes)
        };
        let kind = if i % 3 == 0 { &nausea } else { &headache };
        let body =
            json!({"symptom_type_id": kind, "started_at": exact, "severity": 1 + (i * 3) % 7});
        symptom_logs.push(created(&client, "/api/v1/logs/symptoms", body).await);
        let mut body = json!({"medication_id": ibuprofen, "taken_at": exact});
        if i % 4 != 0 {
            body["effectiveness"] = json!(1 + i % 5);
        }
        medication_logs.push(created(&client, "/api/v1/logs/medications", body).await);
        if i % 6 == 0 {
            let body = json!({"symptom_type_id": theirs, "started_at": exact, "severity": 10});
            created(&other, "/api/v1/logs/symptoms", body).await;
            let body =
                json!({"medication_id": their_medication, "taken_at": exact, "effectiveness": 5});
            created(&other, "/api/v1/logs/medications", body).await;
        }
    }

    // Edits: to another quarter hour and another day, to the other type, severities up and
    // down (taking a bucket's maximum away), ratings cleared and given, notes only.
    for (n, id) in symptom_logs.iter().enumerate() {
        let path = format!("/api/v1/logs/symptoms/{id}");
        let n = n as i64;
        match n % 7 {
            0 => {
                edited(
                    &client,
                    &path,
                    json!({"started_at": at_minutes(n * 41 + 7)}),
                )
                .await
            }
            1 => {
                edited(
                    &client,
                    &path,
                    json!({"started_at": at_minutes(n * 53 - 1440 + 1441)}),
                )
                .await
            }
            2 => edited(&client, &path, json!({"symptom_type_id": nausea})).await,
            3 => edited(&client, &path, json!({"severity": 1})).await,
            4 => edited(&client, &path, json!({"severity": 7})).await,
            5 => edited(&client, &path, json!({"notes": "only the notes"})).await,
            _ => {}
        }
    }
    for (n, id) in medication_logs.iter().enumerate() {
        let path = format!("/api/v1/logs/medications/{id}");
        let n = n as i64;
        match n % 5 {
            0 => edited(&client, &path, json!({"effectiveness": 3})).await,
            1 => edited(&client, &path, json!({"effectiveness": null})).await,
            2 => {
                edited(
                    &client,
                    &path,
                    json!({"taken_at": at_minutes(n * 37 - 700)}),
                )
                .await
            }
            3 => edited(&client, &path, json!({"notes": "only the notes"})).await,
            _ => {}
        }
    }
    for (n, id) in symptom_logs.iter().enumerate() {
        if n % 5 == 0 {
            deleted(&client, &format!("/api/v1/logs/symptoms/{id}")).await;
        }
    }
    // Each day's worst quarter hour: its maximum taken away by a deletion, a lower severity, a
    // move to another quarter hour and to another type, one after the other. What is left is
    // the only maximum that day, so a stale one would show.
    for day in 0..3 {
        let minute = day * 1440 - 1440 + 600;
        let cluster = [
            (8, &headache),
            (9, &headache),
            (10, &headache),
            (10, &headache),
        ];
        let mut ids = Vec::new();
        for (offset, (severity, kind)) in cluster.iter().enumerate() {
            let body = json!({"symptom_type_id": kind, "started_at": at_minutes(minute + offset as i64), "severity": severity});
            ids.push(created(&client, "/api/v1/logs/symptoms", body).await);
        }
        let path = |n: usize| format!("/api/v1/logs/symptoms/{}", ids[n]);
        edited(&client, &path(3), json!({"severity": 2})).await;
        deleted(&client, &path(2)).await;
        edited(
            &client,
            &path(1),
            json!({"started_at": at_minutes(minute + 20)}),
        )
        .await;
        edited(
            &client,
            &path(1),
            json!({"symptom_type_id": nausea, "severity": 1}),
        )
        .await;
    }
    for (n, id) in medication_logs.iter().enumerate() {
        if n % 4 == 1 {
            deleted(&client, &format!("/api/v1/logs/medications/{id}")).await;
        }
    }

    let mut compared_days_with_data = 0;
    for zone in [
        "UTC",
        "Europe/Berlin",
        "Asia/Kathmandu",
        "America/St_Johns",
        "Pacific/Chatham",
    ] {
        let tz = jiff::tz::db().get(zone).expect("bundled tzdb");
        for day in 25..=28 {
            let date = jiff::civil::date(2026, 11, day);
            let window = days::two_days(date, &tz).expect("in range");
            assert_eq!(Source::for_window(&window), Source::Tallies, "{zone}");
            let db = &app.state.db;
            let (today, yesterday) = store::two_days_from(db, user, &window, Source::Tallies)
                .await
                .expect("from the tallies");
            let (today_scanned, yesterday_scanned) =
                store::two_days_from(db, user, &window, Source::Logs)
                    .await
                    .expect("from the logs");
            assert_eq!(
                sorted(today.clone()),
                sorted(today_scanned),
                "{zone} {date}"
            );
            assert_eq!(
                sorted(yesterday),
                sorted(yesterday_scanned),
                "{zone} {date}"
            );
            if today.medication_logs > 0 && today.symptoms.len() == 2 {
                compared_days_with_data += 1;
            }
        }
    }
    assert!(compared_days_with_data >= 10, "{compared_days_with_data}");
}

#[tokio::test]
async fn days_between_quarter_hours_are_tallied_from_the_logs() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cough = created(&client, "/api/v1/symptom-types", json!({"name": "Cough"})).await;
    // Amsterdam's clocks ran a local mean time until 1937 (in today's time-zone database that of
    // Brussels, +00:17:30 in 1890): its days began in the middle of a quarter hour that also
    // holds the end of the day before.
    let amsterdam = jiff::tz::db()
        .get("Europe/Amsterdam")
        .expect("bundled tzdb");
    let date = jiff::civil::date(1890, 6, 2);
    let window = days::two_days(date, &amsterdam).expect("in range");
    assert_eq!(Source::for_window(&window), Source::Logs);
    let midnight = window.today_start;
    for (started_at, severity) in [
        (midnight.plus_millis(-1), 9),
        (midnight, 2),
        (midnight.plus_secs(36_000), 4),
    ] {
        let body = json!({"symptom_type_id": cough, "started_at": started_at.to_string(), "severity": severity});
        created(&client, "/api/v1/logs/symptoms", body).await;
    }
    let reply = client
        .get("/api/v1/feel-vs-yesterday?date=1890-06-02&tz=Europe/Amsterdam")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["today"]["symptom_logs"], 2);
    assert_eq!(reply.body["today"]["max_severity"], 4);
    assert_eq!(reply.body["yesterday"]["symptom_logs"], 1);
    assert_eq!(reply.body["yesterday"]["max_severity"], 9);
    assert_eq!(reply.body["status"], "better");
}

#[tokio::test]
async fn deleting_logs_a_type_or_the_account_leaves_no_tallies() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in().await;
    let user = user_id(&client).await.to_string();
    let gone = created(
        &client,
        "/api/v1/symptom-types",
        json!({"name": "Dizziness"}),
    )
    .await;
    let kept = created(&client, "/api/v1/symptom-types", json!({"name": "Fatigue"})).await;
    let medication = created(&client, "/api/v1/medications", json!({"name": "Aspirin"})).await;
    let mut logs = Vec::new();
    for minutes in [0, 5, 20, 1500] {
        let at = at_minutes(minutes);
        let body = json!({"symptom_type_id": gone, "started_at": at, "severity": 6});
        logs.push(created(&client, "/api/v1/logs/symptoms", body).await);
        let body = json!({"symptom_type_id": kept, "started_at": at, "severity": 3});
        created(&client, "/api/v1/logs/symptoms", body).await;
        let body = json!({"medication_id": medication, "taken_at": at, "effectiveness": 4});
        created(&client, "/api/v1/logs/medications", body).await;
    }
    assert_eq!(tally_rows(&app, "symptom_type_id", &gone).await, 3);

    // A type's logs deleted one by one take its tallies with them; then the type can go.
    for id in &logs {
        deleted(&client, &format!("/api/v1/logs/symptoms/{id}")).await;
    }
    assert_eq!(tally_rows(&app, "symptom_type_id", &gone).await, 0);
    deleted(&client, &format!("/api/v1/symptom-types/{gone}")).await;
    assert_eq!(
        client
            .get(&format!("/api/v1/symptom-types/{gone}"))
            .await
            .status,
        404
    );
    assert_eq!(tally_rows(&app, "symptom_type_id", &kept).await, 3);

    // Another account's tallies stay when this one goes.
    let other = app.user().await;
    let theirs = created(&other, "/api/v1/symptom-types", json!({"name": "Fatigue"})).await;
    let body = json!({"symptom_type_id": theirs, "started_at": at_minutes(0), "severity": 5});
    created(&other, "/api/v1/logs/symptoms", body).await;
    let other_user = user_id(&other).await.to_string();

    assert_eq!(tally_rows(&app, "user_id", &user).await, 6);
    let reply = client
        .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(tally_rows(&app, "user_id", &user).await, 0);
    assert_eq!(tally_rows(&app, "user_id", &other_user).await, 1);
}

/// The bucket bounds the tallies assume are those the database computes, before 1970 too.
#[tokio::test]
async fn buckets_start_on_quarter_hours_before_and_after_1970() {
    let app = spawn_app().await;
    let client = app.user().await;
    let user = user_id(&client).await.to_string();
    let kind = created(&client, "/api/v1/symptom-types", json!({"name": "Cramp"})).await;
    for started_at in [
        "1969-12-31T23:59:59.999Z",
        "1969-12-31T23:45:00Z",
        "1970-01-01T00:00:00Z",
        "1970-01-01T00:14:59.999Z",
        "2026-11-26T10:30:00.001Z",
    ] {
        let body = json!({"symptom_type_id": kind, "started_at": started_at, "severity": 5});
        created(&client, "/api/v1/logs/symptoms", body).await;
    }
    let buckets: Vec<Timestamp> = match &app.state.db {
        medtracker::db::Db::Sqlite(db) => sqlx::query_scalar(
            "SELECT bucket FROM symptom_log_tallies WHERE user_id = $1 ORDER BY bucket",
        )
        .bind(Id::parse(&user).expect("uuid"))
        .fetch_all(&db.readers)
        .await
        .expect("buckets"),
        medtracker::db::Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT bucket FROM symptom_log_tallies WHERE user_id = $1 ORDER BY bucket",
        )
        .bind(Id::parse(&user).expect("uuid"))
        .fetch_all(pool)
        .await
        .expect("buckets"),
    };
    let expected: Vec<Timestamp> = [
        "1969-12-31T23:45:00Z",
        "1970-01-01T00:00:00Z",
        "2026-11-26T10:30:00Z",
    ]
    .into_iter()
    .map(instant)
    .collect();
    assert_eq!(buckets, expected);
}
