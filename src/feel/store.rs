//! The two bounded queries behind feel-vs-yesterday: the logs of a two-day window, tallied per
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

#[derive(sqlx::FromRow)]
struct MedicationDay {
    today: i32,
    logs: i64,
    effectiveness_sum: i64,
    effectiveness_rated: i64,
}

#[derive(sqlx::FromRow)]
struct SymptomDay {
    today: i32,
    symptom_type_id: Id,
    name: String,
    name_key: String,
    logs: i64,
    severity_sum: i64,
    severity_max: i32,
}

/// (today, yesterday) of `window`, tallied.
pub async fn two_days(
    db: &Db,
    user_id: Id,
    window: &TwoDays,
) -> Result<(DayLogs, DayLogs), DbError> {
    const MEDICATIONS: &str = "SELECT CASE WHEN taken_at >= $3 THEN 1 ELSE 0 END AS today, COUNT(*) AS logs, \
         COALESCE(SUM(effectiveness), 0) AS effectiveness_sum, COUNT(effectiveness) AS effectiveness_rated \
         FROM medication_logs WHERE user_id = $1 AND taken_at >= $2 AND taken_at < $4 GROUP BY 1";
    const SYMPTOMS: &str = "SELECT CASE WHEN l.started_at >= $3 THEN 1 ELSE 0 END AS today, l.symptom_type_id, \
         t.name, t.name_key, COUNT(*) AS logs, COALESCE(SUM(l.severity), 0) AS severity_sum, MAX(l.severity) AS severity_max \
         FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
         WHERE l.user_id = $1 AND l.started_at >= $2 AND l.started_at < $4 \
         GROUP BY 1, l.symptom_type_id, t.name, t.name_key";
    let bounds = (
        window.yesterday_start,
        window.today_start,
        window.tomorrow_start,
    );
    let (medications, symptoms): (Vec<MedicationDay>, Vec<SymptomDay>) =
        read!(db, |conn| tokio::try_join!(
            sqlx::query_as(MEDICATIONS)
                .bind(user_id)
                .bind(bounds.0)
                .bind(bounds.1)
                .bind(bounds.2)
                .fetch_all(conn),
            sqlx::query_as(SYMPTOMS)
                .bind(user_id)
                .bind(bounds.0)
                .bind(bounds.1)
                .bind(bounds.2)
                .fetch_all(conn),
        ))?;
    let (mut today, mut yesterday) = (DayLogs::default(), DayLogs::default());
    for row in medications {
        let day = if row.today == 1 {
            &mut today
        } else {
            &mut yesterday
        };
        day.medication_logs = row.logs;
        day.effectiveness_sum = row.effectiveness_sum;
        day.effectiveness_rated = row.effectiveness_rated;
    }
    for row in symptoms {
        let day = if row.today == 1 {
            &mut today
        } else {
            &mut yesterday
        };
        day.symptoms.push(SymptomTally {
            symptom_type_id: row.symptom_type_id,
            name: row.name,
            name_key: row.name_key,
            count: row.logs,
            severity_sum: row.severity_sum,
            severity_max: row.severity_max,
        });
    }
    Ok((today, yesterday))
}
