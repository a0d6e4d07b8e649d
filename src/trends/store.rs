//! The trend tallies: one grouped query per kind of log, each answering one row per series and
//! local day that has logs, so a year of a heavy diary costs a few hundred rows, never one
//! query per bucket.

use super::{
    buckets::{MedicationDay, SymptomDay},
    local_days::{DAY_MS, LocalDays},
};
use crate::{
    db::{Db, DbError, epoch_millis, read},
    types::Id,
};

/// The local day index of `column`, for the segments of `days`, whose placeholders are numbered
/// from 4 on ($1 to $3 are the account and the range's first and last instant): the first
/// segment's shift, then each further segment's first instant and shift.
fn local_day_sql(db: &Db, column: &str, days: &LocalDays) -> String {
    let millis = epoch_millis(db, column);
    if days.segments.len() == 1 {
        return format!("({millis} + $4) / {DAY_MS}");
    }
    let mut shift = String::from("CASE");
    for k in (1..days.segments.len()).rev() {
        let from = 3 + 2 * k;
        shift.push_str(&format!(" WHEN {column} >= ${from} THEN ${}", from + 1));
    }
    shift.push_str(" ELSE $4 END");
    format!("({millis} + {shift}) / {DAY_MS}")
}

/// Binds the account, the range and the segments, in the order [`local_day_sql`] numbers them.
macro_rules! bind_range {
    ($query:expr, $user_id:expr, $days:expr) => {{
        let mut query = $query.bind($user_id).bind($days.start).bind($days.end);
        for (k, segment) in $days.segments.iter().enumerate() {
            if k > 0 {
                query = query.bind(segment.from);
            }
            query = query.bind(segment.shift_ms);
        }
        query
    }};
}

#[derive(sqlx::FromRow)]
struct SymptomDayRow {
    local_day: i64,
    symptom_type_id: Id,
    name: String,
    name_key: String,
    logs: i64,
    severity_sum: i64,
    severity_max: i32,
}

#[derive(sqlx::FromRow)]
struct MedicationDayRow {
    local_day: i64,
    medication_id: Id,
    name: String,
    name_key: String,
    logs: i64,
    effectiveness_sum: i64,
    effectiveness_rated: i64,
}

fn day_index(local_day: i64, days: &LocalDays) -> Option<usize> {
    usize::try_from(local_day).ok().filter(|d| *d < days.days)
}

/// Per symptom type and local day of `started_at`: how many logs, their severity sum and maximum.
pub async fn symptom_days(
    db: &Db,
    user_id: Id,
    days: &LocalDays,
) -> Result<Vec<SymptomDay>, DbError> {
    let sql = format!(
        "SELECT {} AS local_day, l.symptom_type_id, t.name, t.name_key, COUNT(*) AS logs, \
         SUM(l.severity) AS severity_sum, MAX(l.severity) AS severity_max \
         FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
         WHERE l.user_id = $1 AND l.started_at >= $2 AND l.started_at < $3 \
         GROUP BY 1, l.symptom_type_id, t.name, t.name_key",
        local_day_sql(db, "l.started_at", days)
    );
    let rows: Vec<SymptomDayRow> =
        read!(db, |conn| bind_range!(sqlx::query_as(&sql), user_id, days)
            .fetch_all(conn)
            .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(SymptomDay {
                day: day_index(r.local_day, days)?,
                symptom_type_id: r.symptom_type_id,
                name: r.name,
                name_key: r.name_key,
                logs: r.logs,
                severity_sum: r.severity_sum,
                severity_max: r.severity_max,
            })
        })
        .collect())
}

/// Per medication and local day of `taken_at`: how many logs, and the sum and number of the
/// effectiveness ratings among them.
pub async fn medication_days(
    db: &Db,
    user_id: Id,
    days: &LocalDays,
) -> Result<Vec<MedicationDay>, DbError> {
    let sql = format!(
        "SELECT {} AS local_day, l.medication_id, m.name, m.name_key, COUNT(*) AS logs, \
         COALESCE(SUM(l.effectiveness), 0) AS effectiveness_sum, \
         COUNT(l.effectiveness) AS effectiveness_rated \
         FROM medication_logs l JOIN medications m ON m.id = l.medication_id AND m.user_id = l.user_id \
         WHERE l.user_id = $1 AND l.taken_at >= $2 AND l.taken_at < $3 \
         GROUP BY 1, l.medication_id, m.name, m.name_key",
        local_day_sql(db, "l.taken_at", days)
    );
    let rows: Vec<MedicationDayRow> =
        read!(db, |conn| bind_range!(sqlx::query_as(&sql), user_id, days)
            .fetch_all(conn)
            .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(MedicationDay {
                day: day_index(r.local_day, days)?,
                medication_id: r.medication_id,
                name: r.name,
                name_key: r.name_key,
                logs: r.logs,
                effectiveness_sum: r.effectiveness_sum,
                effectiveness_rated: r.effectiveness_rated,
            })
        })
        .collect())
}
