//! The one bounded query behind feel-vs-yesterday: the logs of a two-day window, tallied per
//! day (and per symptom type), in one statement.
//!
//! The landing screen runs it on every visit, so its cost must not grow with a busy day. The
//! database keeps tallies of each account's logs per 15 minutes of UTC time (migration 0008,
//! updated by triggers in the transaction of every write of a log), and a day's answer sums at
//! most 96 of them per symptom type instead of reading each of up to a thousand logs. Days whose
//! bounds do not fall on those quarter hours (historical local mean time, e.g. Amsterdam in 1890)
//! are tallied from the logs themselves; both give the same answer.

use super::{
    compare::{DayLogs, SymptomTally},
    days::TwoDays,
};
use crate::{
    db::{Db, DbError, read},
    types::{Id, Timestamp},
};

/// The length of one tally bucket, in milliseconds: every bucket starts at a multiple of it since
/// the epoch (as the migration's triggers compute it).
pub const TALLY_BUCKET_MILLIS: i64 = 15 * 60 * 1000;

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

/// Both days of both kinds from the tallies: `$2`..`$4` must fall on bucket bounds. Each part walks
/// one symptom type's (or the account's medication) buckets of one day on the tables' primary
/// keys, types in name order, so that nothing is sorted. The sums are cast because PostgreSQL
/// widens a sum of BIGINT to NUMERIC.
const FROM_TALLIES: &str = "\
     SELECT 1 AS today, t.id AS symptom_type_id, t.name AS name, t.name_key AS name_key, \
     CAST(SUM(s.logs) AS BIGINT) AS logs, CAST(SUM(s.severity_sum) AS BIGINT) AS value_sum, \
     CAST(MAX(s.severity_max) AS BIGINT) AS value_extra \
     FROM symptom_types t JOIN symptom_log_tallies s ON s.user_id = $1 \
     AND s.symptom_type_id = t.id AND s.bucket >= $3 AND s.bucket < $4 \
     WHERE t.user_id = $1 GROUP BY t.name_key, t.id, t.name \
     UNION ALL \
     SELECT 0, t.id, t.name, t.name_key, CAST(SUM(s.logs) AS BIGINT), \
     CAST(SUM(s.severity_sum) AS BIGINT), CAST(MAX(s.severity_max) AS BIGINT) \
     FROM symptom_types t JOIN symptom_log_tallies s ON s.user_id = $1 \
     AND s.symptom_type_id = t.id AND s.bucket >= $2 AND s.bucket < $3 \
     WHERE t.user_id = $1 GROUP BY t.name_key, t.id, t.name \
     UNION ALL \
     SELECT 1, NULL, NULL, NULL, CAST(COALESCE(SUM(logs), 0) AS BIGINT), \
     CAST(COALESCE(SUM(effectiveness_sum), 0) AS BIGINT), \
     CAST(COALESCE(SUM(effectiveness_rated), 0) AS BIGINT) \
     FROM medication_log_tallies WHERE user_id = $1 AND bucket >= $3 AND bucket < $4 \
     UNION ALL \
     SELECT 0, NULL, NULL, NULL, CAST(COALESCE(SUM(logs), 0) AS BIGINT), \
     CAST(COALESCE(SUM(effectiveness_sum), 0) AS BIGINT), \
     CAST(COALESCE(SUM(effectiveness_rated), 0) AS BIGINT) \
     FROM medication_log_tallies WHERE user_id = $1 AND bucket >= $2 AND bucket < $3";

/// Both days of both kinds from the logs: any bounds. Each part is an aggregate over one day's
/// range of a covering index (migration 0007), per symptom type in name order.
const FROM_LOGS: &str = "\
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

/// Which of the two statements answers a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The per-quarter-hour tallies: a cost bounded by the number of buckets.
    Tallies,
    /// The logs themselves: for windows whose bounds fall between buckets.
    Logs,
}

impl Source {
    /// The tallies when all three bounds of `window` fall on bucket bounds, else the logs.
    pub fn for_window(window: &TwoDays) -> Self {
        let on_bound = |at: Timestamp| at.as_millis().rem_euclid(TALLY_BUCKET_MILLIS) == 0;
        if [
            window.yesterday_start,
            window.today_start,
            window.tomorrow_start,
        ]
        .into_iter()
        .all(on_bound)
        {
            Self::Tallies
        } else {
            Self::Logs
        }
    }

    /// The statement (public so that a test can hold its plan); `$1` is the account and `$2`..`$4`
    /// the window's bounds.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Tallies => FROM_TALLIES,
            Self::Logs => FROM_LOGS,
        }
    }
}

/// (today, yesterday) of `window`, tallied.
pub async fn two_days(
    db: &Db,
    user_id: Id,
    window: &TwoDays,
) -> Result<(DayLogs, DayLogs), DbError> {
    two_days_from(db, user_id, window, Source::for_window(window)).await
}

/// (today, yesterday) of `window` from `source`, which must be [`Source::Logs`] unless the
/// window's bounds fall on bucket bounds (public so that a test can compare the two).
pub async fn two_days_from(
    db: &Db,
    user_id: Id,
    window: &TwoDays,
    source: Source,
) -> Result<(DayLogs, DayLogs), DbError> {
    // Both tallies of both days in one statement: on SQLite every statement is a round trip to
    // the connection's thread, and this one runs on every landing page.
    let rows: Vec<DayTally> = read!(db, |conn| sqlx::query_as(source.sql())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feel::days;

    fn zone(name: &str) -> jiff::tz::TimeZone {
        jiff::tz::db().get(name).expect("bundled tzdb")
    }

    #[test]
    fn days_of_todays_zones_are_read_from_the_tallies() {
        // Whole hours, half hours (Adelaide), quarter hours (Kathmandu, Chatham), across a
        // daylight-saving change (Berlin's spring day is 23 hours long).
        for (name, date) in [
            ("UTC", jiff::civil::date(2026, 11, 27)),
            ("Europe/Berlin", jiff::civil::date(2026, 3, 29)),
            ("Australia/Adelaide", jiff::civil::date(2026, 4, 5)),
            ("Asia/Kathmandu", jiff::civil::date(2026, 11, 27)),
            ("Pacific/Chatham", jiff::civil::date(2026, 9, 27)),
        ] {
            let window = days::two_days(date, &zone(name)).expect("in range");
            assert_eq!(Source::for_window(&window), Source::Tallies, "{name}");
        }
    }

    #[test]
    fn local_mean_time_days_are_read_from_the_logs() {
        // Amsterdam kept its local mean time (+00:19:32) until 1937.
        let window =
            days::two_days(jiff::civil::date(1890, 6, 1), &zone("Europe/Amsterdam")).expect("ok");
        assert_eq!(Source::for_window(&window), Source::Logs);
    }
}
