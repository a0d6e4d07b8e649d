//! Records written straight into the test database, for account-wide routes (export, deletion)
//! that must see every kind of record whichever feature routes exist, and queries that look at
//! every table.

use medtracker::{
    db::Db,
    types::{Date, Id},
};
use serde_json::Value;

use crate::helpers::{Client, TestApp, count_rows, instant};

/// Runs `$body` in one transaction on the test database, with `$tx` bound to it (use
/// `&mut *$tx`). On SQLite it goes through the server's group writer, as the server's own writes do.
macro_rules! in_transaction {
    ($app:expr, |$tx:ident| $body:expr) => {
        match &$app.state.db {
            Db::Sqlite(db) => {
                let mut guard = db.writer.lock().await.expect("the writer");
                let mut $tx = guard.savepoint().await.expect("a savepoint");
                $body;
                $tx.commit().await.expect("released");
                guard.durable().await.expect("committed");
            }
            Db::Postgres(pool) => {
                let mut $tx = pool.begin().await.expect("a transaction");
                $body;
                $tx.commit().await.expect("committed");
            }
        }
    };
}

/// The signed-in account's id.
pub async fn user_id(client: &Client) -> Id {
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    Id::parse(me.body["user"]["id"].as_str().expect("an id")).expect("a uuid")
}

/// The ids of one of each kind of record, written by [`seed`].
pub struct Seeded {
    pub condition: Id,
    pub doctor: Id,
    pub medication: Id,
    pub plain_medication: Id,
    pub medication_log: Id,
    pub symptom_type: Id,
    pub ended_symptom_log: Id,
    pub ongoing_symptom_log: Id,
}

/// Writes a condition, a doctor linked to it, a medication they prescribe for it (with a log), a
/// second medication without references, and a symptom type with an ended and an ongoing log.
/// `name` makes the names distinguishable between accounts.
pub async fn seed(app: &TestApp, user_id: Id, name: &str) -> Seeded {
    let ids = Seeded {
        condition: Id::new(),
        doctor: Id::new(),
        medication: Id::new(),
        plain_medication: Id::new(),
        medication_log: Id::new(),
        symptom_type: Id::new(),
        ended_symptom_log: Id::new(),
        ongoing_symptom_log: Id::new(),
    };
    let created = instant("2026-01-02T03:04:05.678Z");
    let diagnosed = Date::parse("2025-06-30").expect("a date");
    let medication_name = format!("{name} Ä-Med");
    in_transaction!(app, |tx| {
        sqlx::query(
            "INSERT INTO conditions (id, user_id, name, name_key, status, diagnosed_on, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, 'since childhood', $6, $6)",
        )
        .bind(ids.condition)
        .bind(user_id)
        .bind(format!("{name} condition"))
        .bind(format!("{name} condition").to_lowercase())
        .bind(diagnosed)
        .bind(created)
        .execute(&mut *tx)
        .await
        .expect("a condition");
        sqlx::query(
            "INSERT INTO doctors (id, user_id, name, name_key, specialty, phone, email, address, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'Neurology', '+49 30 123', 'dr@example.org', 'Main St 1', NULL, $5, $5)",
        )
        .bind(ids.doctor)
        .bind(user_id)
        .bind(format!("Dr. {name}"))
        .bind(format!("dr. {name}").to_lowercase())
        .bind(created)
        .execute(&mut *tx)
        .await
        .expect("a doctor");
        sqlx::query(
            "INSERT INTO doctor_conditions (doctor_id, condition_id, user_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(ids.doctor)
        .bind(ids.condition)
        .bind(user_id)
        .bind(created)
        .execute(&mut *tx)
        .await
        .expect("a link");
        for (id, name, doctor, condition, active) in [
            (
                ids.medication,
                medication_name.clone(),
                Some(ids.doctor),
                Some(ids.condition),
                true,
            ),
            (
                ids.plain_medication,
                format!("{name} plain"),
                None,
                None,
                false,
            ),
        ] {
            sqlx::query(
                "INSERT INTO medications (id, user_id, name, name_key, dosage, form, purpose, frequency, prescribing_doctor_id, condition_id, notes, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, '500 mg', 'tablet', NULL, 'daily', $5, $6, NULL, $7, $8, $8)",
            )
            .bind(id)
            .bind(user_id)
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(doctor)
            .bind(condition)
            .bind(active)
            .bind(created)
            .execute(&mut *tx)
            .await
            .expect("a medication");
        }
        sqlx::query(
            "INSERT INTO medication_logs (id, user_id, medication_id, taken_at, dose_amount, dose_unit, effectiveness, side_effects, side_effect_severity, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1.5, 'tablets', 4, 'dry mouth', 2, 'with food', $5, $5)",
        )
        .bind(ids.medication_log)
        .bind(user_id)
        .bind(ids.medication)
        .bind(instant("2026-01-03T08:00:00.001Z"))
        .bind(created)
        .execute(&mut *tx)
        .await
        .expect("a medication log");
        sqlx::query(
            "INSERT INTO symptom_types (id, user_id, name, name_key, description, category, default_severity, default_impact, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, NULL, 'Pain', 6, 4, $5, $6, $6)",
        )
        .bind(ids.symptom_type)
        .bind(user_id)
        .bind(format!("{name} ache"))
        .bind(format!("{name} ache").to_lowercase())
        .bind(true)
        .bind(created)
        .execute(&mut *tx)
        .await
        .expect("a symptom type");
        for (id, started, ended, minutes, severity, impact) in [
            (
                ids.ended_symptom_log,
                instant("2026-01-03T09:00:00.000Z"),
                Some(instant("2026-01-03T10:30:00.000Z")),
                Some(90),
                9,
                3,
            ),
            (
                ids.ongoing_symptom_log,
                instant("2026-01-04T09:00:00.000Z"),
                None,
                None,
                7,
                4,
            ),
        ] {
            sqlx::query(
                "INSERT INTO symptom_logs (id, user_id, symptom_type_id, started_at, ended_at, duration_minutes, severity, impact, notes, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9)",
            )
            .bind(id)
            .bind(user_id)
            .bind(ids.symptom_type)
            .bind(started)
            .bind(ended)
            .bind(minutes)
            .bind(severity)
            .bind(impact)
            .bind(created)
            .execute(&mut *tx)
            .await
            .expect("a symptom log");
        }
    });
    ids
}

/// Writes `count` medication logs (or symptom logs, with `symptoms`) for `parent` in one
/// transaction, a minute apart and ending at 2026-01-31.
pub async fn bulk_logs(app: &TestApp, user_id: Id, parent: Id, count: usize, symptoms: bool) {
    const ROWS_PER_STATEMENT: usize = 500;
    let end = instant("2026-01-31T00:00:00Z");
    let columns = if symptoms {
        "symptom_logs (id, user_id, symptom_type_id, started_at, severity, impact, created_at, updated_at)"
    } else {
        "medication_logs (id, user_id, medication_id, taken_at, effectiveness, dose_amount, created_at, updated_at)"
    };
    in_transaction!(app, |tx| {
        for first in (0..count).step_by(ROWS_PER_STATEMENT) {
            let rows = ROWS_PER_STATEMENT.min(count - first);
            let values: Vec<String> = (0..rows)
                .map(|r| {
                    let p = r * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, 3, 3, ${}, ${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 5
                    )
                })
                .collect();
            let sql = format!("INSERT INTO {columns} VALUES {}", values.join(", "));
            let mut query = sqlx::query(&sql);
            for r in first..first + rows {
                let minutes_before = i64::try_from(r).expect("small");
                let when = end.plus_millis(-60_000 * minutes_before);
                query = query
                    .bind(Id::new())
                    .bind(user_id)
                    .bind(parent)
                    .bind(when)
                    .bind(when);
            }
            query.execute(&mut *tx).await.expect("logs");
        }
    });
}

/// The account's rows in each table that has a `user_id` column.
pub async fn counts(app: &TestApp, user_id: Id) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "medications",
        "medication_logs",
        "symptom_types",
        "symptom_logs",
        "medication_log_tallies",
        "symptom_log_tallies",
        "conditions",
        "doctors",
        "doctor_conditions",
        "sessions",
        "audit_events",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST(user_id AS TEXT) = $1");
        counts.push((table, count_rows(app, &sql, &user_id.to_string()).await));
    }
    let users = count_rows(
        app,
        "SELECT COUNT(*) FROM users WHERE CAST(id AS TEXT) = $1",
        &user_id.to_string(),
    )
    .await;
    counts.push(("users", users));
    counts
}

/// Every (table, column) of the schema.
async fn columns(app: &TestApp) -> Vec<(String, String)> {
    match &app.state.db {
        Db::Sqlite(db) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&db.readers)
        .await
        .expect("columns"),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .fetch_all(pool)
        .await
        .expect("columns"),
    }
}

/// Where `needle` occurs, as `table.column`, in any column of any row of any table.
pub async fn places_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let columns = columns(app).await;
    assert!(columns.len() > 40, "the schema's columns are listed");
    let mut places = Vec::new();
    for (table, column) in columns {
        let sql = format!(
            "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%' || $1 || '%'"
        );
        if count_rows(app, &sql, needle).await > 0 {
            places.push(format!("{table}.{column}"));
        }
    }
    places
}

/// The ids of the items of an export list.
pub fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// Which log table [`insert_logs`] writes to.
#[derive(Clone, Copy, Debug)]
pub enum Logs {
    Medication,
    Symptom,
}

/// One log per instant in `times`, of the medication or symptom type `parent`, written straight
/// to the database in one transaction: quick enough to fill a day or a quota. The database's
/// own counters count them as they count any insert.
pub async fn insert_logs(
    app: &TestApp,
    logs: Logs,
    user_id: Id,
    parent: Id,
    times: &[medtracker::types::Timestamp],
) {
    let sql = match logs {
        Logs::Medication => {
            "INSERT INTO medication_logs (id, user_id, medication_id, taken_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4, $4)"
        }
        Logs::Symptom => {
            "INSERT INTO symptom_logs (id, user_id, symptom_type_id, started_at, severity, impact, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 5, 5, $4, $4)"
        }
    };
    in_transaction!(app, |tx| {
        for at in times {
            sqlx::query(sql)
                .bind(Id::new())
                .bind(user_id)
                .bind(parent)
                .bind(*at)
                .execute(&mut *tx)
                .await
                .expect("a log");
        }
    });
}

/// `n` records of `table` (`medications`, `symptom_types`, `conditions` or `doctors`) named
/// "`table` 0" onwards, written straight to the database in one transaction.
pub async fn insert_named(app: &TestApp, table: &str, user_id: Id, n: usize) {
    let sql = format!(
        "INSERT INTO {table} (id, user_id, name, name_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)"
    );
    let now = medtracker::types::Timestamp::now();
    in_transaction!(app, |tx| {
        for i in 0..n {
            let name = format!("{table} {i}");
            sqlx::query(&sql)
                .bind(Id::new())
                .bind(user_id)
                .bind(&name)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await
                .expect("a record");
        }
    });
}

/// What the database's counter says the account holds of `collection` (0 without a row).
pub async fn counted(app: &TestApp, user_id: Id, collection: &str) -> i64 {
    let sql = format!(
        "SELECT COALESCE(MAX(used), 0) FROM account_usage \
         WHERE CAST(user_id AS TEXT) = $1 AND collection = '{collection}'"
    );
    count_rows(app, &sql, &user_id.to_string()).await
}

/// Sets the database's counter of `collection` for the account, as if it held `used` records:
/// for quotas too large to fill in a test.
pub async fn set_counted(app: &TestApp, user_id: Id, collection: &str, used: i64) {
    in_transaction!(app, |tx| {
        let updated = sqlx::query(
            "UPDATE account_usage SET used = $3 WHERE user_id = $1 AND collection = $2",
        )
        .bind(user_id)
        .bind(collection)
        .bind(used)
        .execute(&mut *tx)
        .await
        .expect("the counter")
        .rows_affected();
        assert_eq!(updated, 1, "the account has a {collection} counter");
    });
}
