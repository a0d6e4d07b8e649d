//! The daily limit: one calendar day of the account's time zone (the day of a log's `taken_at` or
//! `started_at`) holds at most [`DAILY_LOGS`] logs of each kind. It bounds what every day-based
//! answer (feel, the summary, doses, trends) costs. The count walks the same (account, time)
//! index the log lists use, and stops at the limit.

use jiff::tz::TimeZone;

use super::LimitReached;
use crate::feel::days::start_of;
use crate::{
    db::{Conn, DbError, run},
    types::{Id, Timestamp},
};

pub const DAILY_LOGS: i64 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Medication,
    Symptom,
}

impl LogKind {
    /// The log's own time: the field a refusal names.
    pub fn time_field(self) -> &'static str {
        match self {
            Self::Medication => "taken_at",
            Self::Symptom => "started_at",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Self::Medication => "medication logs",
            Self::Symptom => "symptom logs",
        }
    }

    /// At most `$4` of the account's logs in `[$2, $3)` (public so that a test can hold its plan).
    pub fn count_sql(self) -> &'static str {
        match self {
            Self::Medication => {
                "SELECT COUNT(*) FROM (SELECT 1 FROM medication_logs \
                 WHERE user_id = $1 AND taken_at >= $2 AND taken_at < $3 LIMIT $4) day"
            }
            Self::Symptom => {
                "SELECT COUNT(*) FROM (SELECT 1 FROM symptom_logs \
                 WHERE user_id = $1 AND started_at >= $2 AND started_at < $3 LIMIT $4) day"
            }
        }
    }
}

/// `[start, end)`: the calendar day in `tz` that holds `at`. Days around daylight-saving changes
/// are 23 or 25 hours long, so both ends come from the time-zone database. None only at the very
/// edge of the supported range.
pub fn day_of(at: Timestamp, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let date = at.to_jiff().to_zoned_datetime(tz.clone()).date();
    Some((start_of(date, tz)?, start_of(date.tomorrow().ok()?, tz)?))
}

/// Refuses a log of `kind` at `at` when its day already holds [`DAILY_LOGS`] of the account's
/// logs of that kind. `moved_from` is an edited log's current time: a log that stays in its day
/// takes no new place there, so it passes even in a day that holds more (after a change of time
/// zone). The time zone is read in the transaction, so a change committed before counts.
pub async fn ensure_room(
    tx: &mut Conn<'_>,
    user_id: Id,
    kind: LogKind,
    at: Timestamp,
    moved_from: Option<Timestamp>,
) -> Result<(), DbError> {
    const ZONE: &str = "SELECT timezone FROM users WHERE id = $1";
    let zone: Option<String> = run!(tx, |conn| sqlx::query_scalar(ZONE)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    // An account deleted meanwhile: the insert fails its foreign key and is answered as gone.
    let Some(zone) = zone else { return Ok(()) };
    // Stored zones were valid when written; the bundled database only ever gains names.
    let tz = jiff::tz::db().get(&zone).unwrap_or(TimeZone::UTC);
    let Some((start, end)) = day_of(at, &tz) else {
        return Ok(());
    };
    if moved_from.is_some_and(|from| start <= from && from < end) {
        return Ok(());
    }
    let held: i64 = run!(tx, |conn| sqlx::query_scalar(kind.count_sql())
        .bind(user_id)
        .bind(start)
        .bind(end)
        .bind(DAILY_LOGS)
        .fetch_one(conn)
        .await?);
    if held >= DAILY_LOGS {
        return Err(DbError::Limit(LimitReached::Daily { kind }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("bundled tzdb")
    }

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    #[test]
    fn a_day_runs_from_local_midnight_to_local_midnight() {
        let day = day_of(at("2026-11-27T12:00:00Z"), &zone("Europe/Berlin"));
        assert_eq!(
            day,
            Some((at("2026-11-26T23:00:00Z"), at("2026-11-27T23:00:00Z")))
        );
    }

    #[test]
    fn half_past_eleven_local_belongs_to_the_local_day_not_the_utc_one() {
        let tokyo = zone("Asia/Tokyo");
        // 23:30 on the 27th in Tokyo is 14:30Z; 00:30 on the 28th is 15:30Z, the next day.
        let late = day_of(at("2026-11-27T23:30:00+09:00"), &tokyo);
        assert_eq!(
            late,
            Some((at("2026-11-26T15:00:00Z"), at("2026-11-27T15:00:00Z")))
        );
        let (next_start, _) = day_of(at("2026-11-28T00:30:00+09:00"), &tokyo).expect("in range");
        assert_eq!(next_start, at("2026-11-27T15:00:00Z"));
    }

    #[test]
    fn daylight_saving_days_are_23_and_25_hours_long() {
        let berlin = zone("Europe/Berlin");
        let hours = |(start, end): (Timestamp, Timestamp)| {
            (end.as_millis() - start.as_millis()) / 3_600_000
        };
        let spring = day_of(at("2026-03-29T12:00:00Z"), &berlin).expect("in range");
        let autumn = day_of(at("2026-10-25T12:00:00Z"), &berlin).expect("in range");
        assert_eq!((hours(spring), hours(autumn)), (23, 25));
    }
}
