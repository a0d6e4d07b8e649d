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
    // Both tallies in one statement: on SQLite every statement is a round trip to the connection's
    // thread, and this one runs on every landing page.
    const TALLIES: &str = "SELECT CASE WHEN taken_at >= $3 THEN 1 ELSE 0 END AS today, \
         NULL AS symptom_type_id, NULL AS name, NULL AS name_key, COUNT(*) AS logs, \
         COALESCE(SUM(effectiveness), 0) AS value_sum, COUNT(effectiveness) AS value_extra \
         FROM medication_logs WHERE user_id = $1 AND taken_at >= $2 AND taken_at < $4 GROUP BY 1 \
         UNION ALL \
         SELECT CASE WHEN l.started_at >= $3 THEN 1 ELSE 0 END, l.symptom_type_id, t.name, t.name_key, \
         COUNT(*), COALESCE(SUM(l.severity), 0), MAX(l.severity) \
         FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
         WHERE l.user_id = $1 AND l.started_at >= $2 AND l.started_at < $4 \
         GROUP BY 1, l.symptom_type_id, t.name, t.name_key";
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
