//! How many statements the landing screen costs. sqlx writes each statement it runs as a debug
//! event (`sqlx::query`), on SQLite from the connection's own thread, so the events are read
//! through a process-wide subscriber: in this binary, whose tests run one at a time, the
//! statements written during a request are that request's (and the server's housekeeping,
//! which the count leaves out by name).

use std::{sync::OnceLock, time::Duration};

use medtracker::{config::LogFormat, telemetry};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

use crate::{helpers::CapturedLogs, serial_app};

/// Every statement the process runs from the first call on.
fn statement_log() -> &'static CapturedLogs {
    static LOG: OnceLock<CapturedLogs> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = CapturedLogs::default();
        let subscriber = telemetry::subscriber(
            LogFormat::Json,
            EnvFilter::new("sqlx::query=debug"),
            false,
            log.clone(),
        );
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        log
    })
}

/// A statement's text: sqlx gives a long one in full beside its first words.
fn statement(line: &Value) -> Option<String> {
    let full = line["db.statement"]
        .as_str()
        .filter(|text| !text.is_empty());
    full.or_else(|| line["summary"].as_str())
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The statements run while `request` is answered, but those of the session (reading it,
/// extending it) and of the server's write-ahead-log upkeep.
async fn statements_of(request: impl Future<Output = ()>) -> Vec<String> {
    let log = statement_log();
    // The server's own writes before (a checkpoint after the arrangement's writes) settle first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = log.json_lines().len();
    request.await;
    // SQLite's thread writes a statement's event when the statement ends, which may be just
    // after the answer has gone out.
    tokio::time::sleep(Duration::from_millis(300)).await;
    log.json_lines()[before..]
        .iter()
        .filter_map(statement)
        .filter(|text| !text.contains("sessions") && !text.starts_with("PRAGMA"))
        .collect()
}

#[tokio::test]
async fn the_summary_runs_four_statements_after_the_session() {
    statement_log();
    let app = serial_app(&[("DEMO_SWEEP_INTERVAL_SECS", "3600")]).await;
    let client = app.user().await;
    // Every part of the summary has something to show: logs of each kind, and a scheduled dose.
    let medication = client
        .post("/api/v1/medications", &json!({"name": "Ibuprofen"}))
        .await;
    let medication = medication.body["id"]
        .as_str()
        .expect("a medication")
        .to_owned();
    let kind = client
        .post("/api/v1/symptom-types", &json!({"name": "Headache"}))
        .await;
    let kind = kind.body["id"].as_str().expect("a symptom type").to_owned();
    let schedule = client
        .post(
            &format!("/api/v1/medications/{medication}/schedules"),
            &json!({"times": ["08:00", "20:00"], "starts_on": "2026-01-01"}),
        )
        .await;
    assert_eq!(schedule.status, 201, "{}", schedule.text);
    let now = jiff::Timestamp::now().to_string();
    for (path, body) in [
        (
            "/api/v1/logs/medications",
            json!({"medication_id": medication, "taken_at": now}),
        ),
        (
            "/api/v1/logs/symptoms",
            json!({"symptom_type_id": kind, "severity": 4, "started_at": now}),
        ),
    ] {
        let logged = client.post(path, &body).await;
        assert_eq!(logged.status, 201, "{}", logged.text);
    }

    let ran = statements_of(async {
        let summary = client.get("/api/v1/summary").await;
        assert_eq!(summary.status, 200, "{}", summary.text);
        assert_eq!(
            summary.body["doses_today"].as_array().map(Vec::len),
            Some(2)
        );
    })
    .await;

    // The newest logs of each kind, feel's tallies of two days, today's schedules with their logs.
    assert_eq!(ran.len(), 4, "{ran:#?}");
}
