//! The two bounded queries behind feel-vs-yesterday: the logs of a two-day window.

use super::compare::SymptomEntry;
use crate::{
    db::{Db, DbError, read},
    types::{Id, Timestamp},
};

#[derive(sqlx::FromRow)]
struct MedicationRow {
    taken_at: Timestamp,
    effectiveness: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct SymptomRow {
    started_at: Timestamp,
    symptom_type_id: Id,
    name: String,
    name_key: String,
    severity: i32,
}

/// Medication logs taken in `[from, to)`: when, and how effective.
pub async fn medication_logs(
    db: &Db,
    user_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(Timestamp, Option<i32>)>, DbError> {
    const SQL: &str = "SELECT taken_at, effectiveness FROM medication_logs \
                       WHERE user_id = $1 AND taken_at >= $2 AND taken_at < $3";
    let rows: Vec<MedicationRow> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.taken_at, r.effectiveness))
        .collect())
}

/// Symptom logs started in `[from, to)`, with their type's name.
pub async fn symptom_logs(
    db: &Db,
    user_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(Timestamp, SymptomEntry)>, DbError> {
    const SQL: &str = "SELECT l.started_at, l.symptom_type_id, t.name, t.name_key, l.severity \
                       FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
                       WHERE l.user_id = $1 AND l.started_at >= $2 AND l.started_at < $3";
    let rows: Vec<SymptomRow> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let entry = SymptomEntry {
                symptom_type_id: r.symptom_type_id,
                name: r.name,
                name_key: r.name_key,
                severity: r.severity,
            };
            (r.started_at, entry)
        })
        .collect())
}
