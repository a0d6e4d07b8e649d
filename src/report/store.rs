//! The one query of its own the report needs: the most severe symptom logs of the range.

use crate::{
    db::{Db, DbError, read},
    trends::local_days::LocalDays,
    types::{Id, Timestamp},
};

/// How many of the most severe symptom logs the report lists.
pub const MOST_SEVERE: i64 = 20;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SevereLog {
    pub started_at: Timestamp,
    pub duration_minutes: Option<i32>,
    pub severity: i32,
    pub notes: Option<String>,
    pub symptom_name: String,
}

/// The range's [`MOST_SEVERE`] symptom logs: by severity, then newest first.
pub async fn most_severe(
    db: &Db,
    user_id: Id,
    days: &LocalDays,
) -> Result<Vec<SevereLog>, DbError> {
    const SQL: &str = "SELECT l.started_at, l.duration_minutes, l.severity, l.notes, t.name AS symptom_name \
         FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
         WHERE l.user_id = $1 AND l.started_at >= $2 AND l.started_at < $3 \
         ORDER BY l.severity DESC, l.started_at DESC, l.id DESC LIMIT $4";
    Ok(read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .bind(days.start)
        .bind(days.end)
        .bind(MOST_SEVERE)
        .fetch_all(conn)
        .await)?)
}
