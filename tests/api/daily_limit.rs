//! The daily limit: a calendar day of the account's time zone holds at most 1 000 medication logs
//! and 1 000 symptom logs. One more, by POST or by a PATCH that moves a log into the day, is 422
//! `daily_limit_reached` naming the time field, and changes nothing.

use medtracker::{
    db::Db,
    limits::LogKind,
    types::{Id, Timestamp},
};
use serde_json::{Value, json};

use crate::{
    helpers::{
        Client, PASSWORD, Reply, SECOND, TestApp, count_rows, instant, spawn_app, unique_email,
    },
    records::{Logs, insert_logs, user_id},
};

const MEDICATION_LOGS: &str = "/api/v1/logs/medications";
const SYMPTOM_LOGS: &str = "/api/v1/logs/symptoms";
/// 2025-11-20 in Tokyo (UTC+9, no daylight saving): from 15:00Z the day before to 15:00Z.
const TOKYO_DAY_START: &str = "2025-11-19T15:00:00Z";
const TOKYO_DAY_END: &str = "2025-11-20T15:00:00Z";

async fn account_in(app: &TestApp, timezone: &str) -> (Client, Id) {
    let client = app.client();
    let body = json!({"email": unique_email(), "password": PASSWORD, "timezone": timezone});
    let reply = client.post("/auth/register", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let user = user_id(&client).await;
    (client, user)
}

async fn created(client: &Client, path: &str, body: Value) -> String {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

/// `n` instants `step_secs` apart from `start`.
fn times(start: &str, n: i64, step_secs: i64) -> Vec<Timestamp> {
    let start = instant(start);
    (0..n)
        .map(|i| start.plus_millis(i * step_secs * SECOND))
        .collect()
}

fn assert_day_is_full(reply: &Reply, field: &str) {
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "daily_limit_reached");
    assert_eq!(reply.error_fields(), [field]);
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("at most 1000"), "{detail}");
}

async fn logs_between(
    app: &TestApp,
    table: &str,
    column: &str,
    user: Id,
    from: &str,
    to: &str,
) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM {table} WHERE CAST(user_id AS TEXT) = $1 \
         AND {column} >= {} AND {column} < {}",
        literal(app, from),
        literal(app, to)
    );
    count_rows(app, &sql, &user.to_string()).await
}

/// An instant as a SQL literal of the test database's own type.
fn literal(app: &TestApp, raw: &str) -> String {
    match &app.state.db {
        Db::Sqlite(_) => instant(raw).as_millis().to_string(),
        Db::Postgres(_) => format!("TIMESTAMPTZ '{raw}'"),
    }
}

#[tokio::test]
async fn a_day_of_the_accounts_time_zone_holds_1000_medication_logs() {
    let app = spawn_app().await;
    let (client, user) = account_in(&app, "Asia/Tokyo").await;
    let medication = created(&client, "/api/v1/medications", json!({"name": "Iron"})).await;
    let medication_id = Id::parse(&medication).expect("a uuid");
    insert_logs(
        &app,
        Logs::Medication,
        user,
        medication_id,
        &times(TOKYO_DAY_START, 999, 80),
    )
    .await;
    let log_at = |taken_at: &str| json!({"medication_id": medication, "taken_at": taken_at});

    // The 1000th, at half past eleven local time (14:30Z): still that local day.
    created(
        &client,
        MEDICATION_LOGS,
        log_at("2025-11-20T23:30:00+09:00"),
    )
    .await;
    let refused = client
        .post(MEDICATION_LOGS, &log_at("2025-11-20T00:00:00+09:00"))
        .await;

    assert_day_is_full(&refused, "taken_at");
    let held = logs_between(
        &app,
        "medication_logs",
        "taken_at",
        user,
        TOKYO_DAY_START,
        TOKYO_DAY_END,
    );
    assert_eq!(held.await, 1000);
    // Half past midnight local is the same UTC date, but the next local day; the day before too
    // has room.
    created(
        &client,
        MEDICATION_LOGS,
        log_at("2025-11-21T00:30:00+09:00"),
    )
    .await;
    created(
        &client,
        MEDICATION_LOGS,
        log_at("2025-11-19T23:59:59.999+09:00"),
    )
    .await;
}

#[tokio::test]
async fn a_patch_may_not_move_a_medication_log_into_a_full_day_but_may_edit_one_in_it() {
    let app = spawn_app().await;
    let (client, user) = account_in(&app, "Asia/Tokyo").await;
    let medication = created(&client, "/api/v1/medications", json!({"name": "Iron"})).await;
    let medication_id = Id::parse(&medication).expect("a uuid");
    insert_logs(
        &app,
        Logs::Medication,
        user,
        medication_id,
        &times(TOKYO_DAY_START, 999, 80),
    )
    .await;
    let log_at = |taken_at: &str| json!({"medication_id": medication, "taken_at": taken_at});
    let inside = created(
        &client,
        MEDICATION_LOGS,
        log_at("2025-11-20T22:00:00+09:00"),
    )
    .await;
    let outside = created(
        &client,
        MEDICATION_LOGS,
        log_at("2025-11-22T10:00:00+09:00"),
    )
    .await;
    let inside_path = format!("{MEDICATION_LOGS}/{inside}");
    let outside_path = format!("{MEDICATION_LOGS}/{outside}");

    let moved_in = client
        .patch(
            &outside_path,
            &json!({"taken_at": "2025-11-20T12:00:00+09:00"}),
        )
        .await;

    assert_day_is_full(&moved_in, "taken_at");
    let unchanged = client.get(&outside_path).await;
    assert_eq!(unchanged.body["taken_at"], "2025-11-22T01:00:00.000Z");
    // A log of the full day may change, and move within the day.
    let edited = client
        .patch(&inside_path, &json!({"notes": "with food"}))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let within = client
        .patch(
            &inside_path,
            &json!({"taken_at": "2025-11-20T01:00:00+09:00"}),
        )
        .await;
    assert_eq!(within.status, 200, "{}", within.text);
    // Once a log leaves the day, another may take its place.
    let moved_out = client
        .patch(
            &inside_path,
            &json!({"taken_at": "2025-11-23T08:00:00+09:00"}),
        )
        .await;
    assert_eq!(moved_out.status, 200, "{}", moved_out.text);
    let moved_in = client
        .patch(
            &outside_path,
            &json!({"taken_at": "2025-11-20T12:00:00+09:00"}),
        )
        .await;
    assert_eq!(moved_in.status, 200, "{}", moved_in.text);
}

#[tokio::test]
async fn a_day_holds_1000_symptom_logs_by_post_and_by_patch() {
    let app = spawn_app().await;
    let (client, user) = account_in(&app, "Asia/Tokyo").await;
    let symptom_type = created(&client, "/api/v1/symptom-types", json!({"name": "Ache"})).await;
    let type_id = Id::parse(&symptom_type).expect("a uuid");
    insert_logs(
        &app,
        Logs::Symptom,
        user,
        type_id,
        &times(TOKYO_DAY_START, 999, 80),
    )
    .await;
    let log_at =
        |started_at: &str| json!({"symptom_type_id": symptom_type, "started_at": started_at});
    let inside = created(&client, SYMPTOM_LOGS, log_at("2025-11-20T23:30:00+09:00")).await;
    let outside = created(&client, SYMPTOM_LOGS, log_at("2025-11-21T00:30:00+09:00")).await;

    let refused = client
        .post(SYMPTOM_LOGS, &log_at("2025-11-20T08:00:00+09:00"))
        .await;
    let moved_in = client
        .patch(
            &format!("{SYMPTOM_LOGS}/{outside}"),
            &json!({"started_at": "2025-11-20T08:00:00+09:00"}),
        )
        .await;

    assert_day_is_full(&refused, "started_at");
    assert_day_is_full(&moved_in, "started_at");
    let held = logs_between(
        &app,
        "symptom_logs",
        "started_at",
        user,
        TOKYO_DAY_START,
        TOKYO_DAY_END,
    );
    assert_eq!(held.await, 1000);
    let edited = client
        .patch(
            &format!("{SYMPTOM_LOGS}/{inside}"),
            &json!({"severity": 8, "duration_minutes": 20}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
}

#[tokio::test]
async fn after_a_change_of_time_zone_a_day_that_holds_more_refuses_only_logs_moved_into_it() {
    let app = spawn_app().await;
    let (client, user) = account_in(&app, "UTC").await;
    let medication = created(&client, "/api/v1/medications", json!({"name": "Iron"})).await;
    let medication_id = Id::parse(&medication).expect("a uuid");
    // 600 logs late on the 19th (UTC) and 1000 on the 20th (UTC) before 15:00Z.
    insert_logs(
        &app,
        Logs::Medication,
        user,
        medication_id,
        &times("2025-11-19T20:00:00Z", 600, 20),
    )
    .await;
    insert_logs(
        &app,
        Logs::Medication,
        user,
        medication_id,
        &times("2025-11-20T00:00:00Z", 999, 40),
    )
    .await;
    let log_at = |taken_at: &str| json!({"medication_id": medication, "taken_at": taken_at});
    let inside = created(&client, MEDICATION_LOGS, log_at("2025-11-20T13:00:00Z")).await;
    let inside_path = format!("{MEDICATION_LOGS}/{inside}");
    let moved = client
        .patch("/api/v1/me", &json!({"timezone": "Asia/Tokyo"}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    // The 20th in Tokyo now holds all 1600.
    let held = logs_between(
        &app,
        "medication_logs",
        "taken_at",
        user,
        TOKYO_DAY_START,
        TOKYO_DAY_END,
    );
    assert_eq!(held.await, 1600);

    let edited = client.patch(&inside_path, &json!({"notes": "late"})).await;
    let within = client
        .patch(&inside_path, &json!({"taken_at": "2025-11-20T14:00:00Z"}))
        .await;
    let refused = client
        .post(MEDICATION_LOGS, &log_at("2025-11-20T10:00:00Z"))
        .await;

    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(within.status, 200, "{}", within.text);
    assert_day_is_full(&refused, "taken_at");
    // 16:00Z is still the 20th in UTC, whose 1000 logs no longer make a day: it is the 21st in Tokyo.
    created(&client, MEDICATION_LOGS, log_at("2025-11-20T16:00:00Z")).await;
}

/// The plan of the day's count on the test database, as text.
async fn plan_of(app: &TestApp, sql: &str) -> String {
    let user = Id::new();
    let (start, end) = (instant(TOKYO_DAY_START), instant(TOKYO_DAY_END));
    match &app.state.db {
        Db::Sqlite(db) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .bind(user)
                    .bind(start)
                    .bind(end)
                    .bind(1000_i64)
                    .fetch_all(&db.readers)
                    .await
                    .expect("a plan");
            rows.into_iter()
                .map(|row| row.3)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await.expect("a connection");
            // The test's tables are nearly empty: without this, a sequential scan is cheaper.
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .expect("set");
            let rows: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
                .bind(user)
                .bind(start)
                .bind(end)
                .bind(1000_i64)
                .fetch_all(&mut *conn)
                .await
                .expect("a plan");
            sqlx::query("RESET enable_seqscan")
                .execute(&mut *conn)
                .await
                .expect("reset");
            rows.join("\n")
        }
    }
}

#[tokio::test]
async fn the_day_is_counted_on_the_index_the_lists_use() {
    let app = spawn_app().await;

    for (kind, index) in [
        (LogKind::Medication, "medication_logs_user_time"),
        (LogKind::Symptom, "symptom_logs_user_time"),
    ] {
        let plan = plan_of(&app, kind.count_sql()).await;

        assert!(plan.contains(index), "{kind:?}: {plan}");
        // Only the index is read, never the table's rows.
        assert!(
            plan.contains("COVERING INDEX") || plan.contains("Index Only Scan"),
            "{kind:?}: {plan}"
        );
    }
}
