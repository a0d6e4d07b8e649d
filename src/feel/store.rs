//! The one bounded query behind feel-vs-yesterday: the logs of a two-day window, tallied per
//! day (and per symptom type) by the database, so the answer costs the same however much was
//! logged.

use super::{
    compare::{DayLogs, SymptomTally},
    days::TwoDays,
};
use crate::{
    db::{Db, DbError, read},
    types::Id,
};

/// One row of the tally: a day's medication logs (`symptom_type_id` is NULL; `value_sum` and
/// `value_extra` are the effectiveness sum and the number of rated logs), or a day's logs of one
/// symptom type (severity sum and maximum).
#[derive(sqlx::FromRow)]
struct DayTally {
    today: i32,
    symptom_type_id: Option<Id>,
    name: Option<String>,
    name_key: Option<String>,
    logs: i64,
    value_sum: i64,
    value_extra: i64,
}

/// (today, yesterday) of `window`, tallied.
pub async fn two_days(
    db: &Db,
    user_id: Id,
    window: &TwoDays,
) -> Result<(DayLogs, DayLogs), DbError> {
    // Both tallies of both days in one statement: on SQLite every statement is a round trip to
    // the connection's thread, and this one runs on every landing page. Each part is a plain
    // aggregate over one day's range of a covering index (migration 0007), walked per symptom type
    // in name order so that no row is sorted: a day at the daily limit costs a scan of its own
    // index entries and nothing more.
    const TALLIES: &str = "\
         SELECT 1 AS today, t.id AS symptom_type_id, t.name AS name, t.name_key AS name_key, \
         COUNT(*) AS logs, SUM(l.severity) AS value_sum, MAX(l.severity) AS value_extra \
         FROM symptom_types t JOIN symptom_logs l ON l.user_id = $1 \
         AND l.symptom_type_id = t.id AND l.started_at >= $3 AND l.started_at < $4 \
         WHERE t.user_id = $1 GROUP BY t.name_key, t.id, t.name \
         UNION ALL \
         SELECT 0, t.id, t.name, t.name_key, COUNT(*), SUM(l.severity), MAX(l.severity) \
         FROM symptom_types t JOIN symptom_logs l ON l.user_id = $1 \
         AND l.symptom_type_id = t.id AND l.started_at >= $2 AND l.started_at < $3 \
         WHERE t.user_id = $1 GROUP BY t.name_key, t.id, t.name \
         UNION ALL \
         SELECT 1, NULL, NULL, NULL, COUNT(*), COALESCE(SUM(effectiveness), 0), COUNT(effectiveness) \
         FROM medication_logs WHERE user_id = $1 AND taken_at >= $3 AND taken_at < $4 \
         UNION ALL \
         SELECT 0, NULL, NULL, NULL, COUNT(*), COALESCE(SUM(effectiveness), 0), COUNT(effectiveness) \
         FROM medication_logs WHERE user_id = $1 AND taken_at >= $2 AND taken_at < $3";
    let rows: Vec<DayTally> = read!(db, |conn| sqlx::query_as(TALLIES)
        .bind(user_id)
        .bind(window.yesterday_start)
        .bind(window.today_start)
        .bind(window.tomorrow_start)
        .fetch_all(conn)
        .await)?;
    let (mut today, mut yesterday) = (DayLogs::default(), DayLogs::default());
    for row in rows {
        let day = if row.today == 1 {
            &mut today
        } else {
            &mut yesterday
        };
        match (row.symptom_type_id, row.name, row.name_key) {
            (Some(symptom_type_id), Some(name), Some(name_key)) => {
                day.symptoms.push(SymptomTally {
                    symptom_type_id,
                    name,
                    name_key,
                    count: row.logs,
                    severity_sum: row.value_sum,
                    severity_max: i32::try_from(row.value_extra).unwrap_or(i32::MAX),
                });
            }
            _ => {
                day.medication_logs = row.logs;
                day.effectiveness_sum = row.value_sum;
                day.effectiveness_rated = row.value_extra;
            }
        }
    }
    Ok((today, yesterday))
}
