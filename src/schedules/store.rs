//! The SQL of the `schedules` table. Every query is scoped to the account.
//!
//! Writes lock the medication's row first, so that two schedules of one medication written at
//! once are checked for overlap one after the other, and a deactivation cannot slip between the
//! check and the write. Every write locks the medication before the schedule, in that order.

use std::sync::LazyLock;

use futures_util::{TryStreamExt, stream::BoxStream};

use super::matching::LoggedDose;
use super::model::{
    Schedule, ScheduleFields, SchedulePatch, ScheduleRow, days_column, times_column,
};
use crate::{
    db::{Conn, Db, DbError, read, run, stream_rows},
    error::ApiError,
    limits::quota::{self, Collection},
    types::{Date, Id, Timestamp},
};

const COLUMNS: &str = "id, medication_id, times, days_of_week, starts_on, ends_on, dose_amount, \
    dose_unit, created_at, updated_at";

/// Schedules of the medication, other than `$3`, sharing a date with `$4..=$5` (`$5` NULL: no end).
const OVERLAPPING: &str = "SELECT COUNT(*) FROM schedules \
    WHERE medication_id = $1 AND user_id = $2 AND id <> $3 \
    AND ($5 IS NULL OR starts_on <= $5) AND (ends_on IS NULL OR ends_on >= $4)";

/// The outcome of a write that rules may refuse.
#[derive(Debug)]
pub enum Written {
    Saved(Schedule),
    NotFound,
    MedicationInactive,
    Overlap,
    /// The patched schedule breaks a field rule (its dates, judged together).
    Invalid(ApiError),
}

/// The medication's schedules, by first day; `None` when the account has no such medication.
pub async fn list(
    db: &Db,
    user_id: Id,
    medication_id: Id,
) -> Result<Option<Vec<Schedule>>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM schedules WHERE medication_id = $1 AND user_id = $2 \
         ORDER BY starts_on, id"
    );
    if !crate::db::owns(db, "medications", user_id, medication_id).await? {
        return Ok(None);
    }
    let rows: Vec<ScheduleRow> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(medication_id)
        .bind(user_id)
        .fetch_all(conn)
        .await)
    .map_err(DbError::from)?;
    let schedules = rows
        .into_iter()
        .map(ScheduleRow::into_schedule)
        .collect::<Result<Vec<_>, _>>()
        .map_err(DbError::from)?;
    Ok(Some(schedules))
}

/// Every schedule of the account, by medication, then first day, one at a time as the caller (the exports) takes them.
pub fn stream_all<'t>(
    tx: &'t mut Conn<'_>,
    user_id: Id,
) -> BoxStream<'t, Result<Schedule, DbError>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS} FROM schedules WHERE user_id = $1 ORDER BY medication_id, starts_on, id"
        )
    });
    Box::pin(
        stream_rows::<ScheduleRow>(tx, SQL.as_str(), user_id)
            .and_then(|row| async { row.into_schedule().map_err(DbError::from) }),
    )
}

/// Every schedule of the account (at most [`QUOTA`]), by medication, then first day.
pub async fn all(db: &Db, user_id: Id) -> Result<Vec<Schedule>, DbError> {
    db.connection(async |conn| stream_all(conn, user_id).try_collect().await)
        .await
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<Schedule>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM schedules WHERE id = $1 AND user_id = $2");
    let row: Option<ScheduleRow> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)
    .map_err(DbError::from)?;
    Ok(row
        .map(ScheduleRow::into_schedule)
        .transpose()
        .map_err(DbError::from)?)
}

/// The `FROM` of account `$1`'s logs taken in `[$2, $3]` of its scheduled medications, aliased
/// `l`. It walks from each scheduled medication into that medication's logs of the window, on the
/// `(medication_id, taken_at, id)` index alone, so it reads only the logs it returns: filtering the
/// account's window instead would test every log of a busy day, scheduled or not. The account
/// scopes the logs through its schedules: a log's medication, like a schedule's, is always its own
/// account's (every write of one checks the medication's account first), and a test on
/// `l.user_id` here would make SQLite walk the account's window again. A macro because `concat!`
/// takes only literals.
macro_rules! scheduled_logs_from {
    () => {
        "FROM (SELECT DISTINCT medication_id FROM schedules WHERE user_id = $1) scheduled \
        JOIN medication_logs l ON l.medication_id = scheduled.medication_id \
        WHERE l.taken_at >= $2 AND l.taken_at <= $3"
    };
}

/// Every schedule of account `$1`, with its medication (public so that a test can hold its plan).
pub const PLANNING_SQL: &str = "SELECT s.id, s.medication_id, s.times, s.days_of_week, \
    s.starts_on, s.ends_on, s.dose_amount, s.dose_unit, s.created_at, s.updated_at, \
    m.name AS medication_name, m.name_key, m.deactivated_at \
    FROM schedules s JOIN medications m ON m.id = s.medication_id AND m.user_id = s.user_id \
    WHERE s.user_id = $1";

/// Every schedule of the account, with its medication: what planning starts from.
pub async fn for_planning(db: &Db, user_id: Id) -> Result<Vec<PlanRow>, DbError> {
    Ok(read!(db, |conn| sqlx::query_as(PLANNING_SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)?)
}

/// Every schedule of account `$1` with its medication, then the logs taken in `[$2, $3]` of the
/// medications that have a schedule: what planning and matching start from, in one statement,
/// since the landing summary runs it on every visit. Only a scheduled medication's logs can take a
/// dose, and a busy day of unscheduled ones must not make every landing page read it. A log's row
/// holds only its id, medication and `taken_at`; a schedule's row has no `taken_at`. The schedules
/// are read by account, the logs by scheduled medication (public so that a test can hold its plan).
pub const PLANNING_WITH_LOGS_SQL: &str = concat!(
    "SELECT s.id, s.medication_id, s.times, s.days_of_week, \
    s.starts_on, s.ends_on, s.dose_amount, s.dose_unit, s.created_at, s.updated_at, \
    m.name AS medication_name, m.name_key, m.deactivated_at, NULL AS taken_at \
    FROM schedules s JOIN medications m ON m.id = s.medication_id AND m.user_id = s.user_id \
    WHERE s.user_id = $1 \
    UNION ALL \
    SELECT l.id, l.medication_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
    l.taken_at ",
    scheduled_logs_from!()
);

/// The account's schedules, and its medication logs of a window.
#[derive(Default)]
pub struct Planning {
    pub schedules: Vec<PlanRow>,
    pub logs: Vec<LoggedDose>,
}

/// A row of [`PLANNING_WITH_LOGS_SQL`]: a schedule, or a log when `taken_at` is set.
#[derive(sqlx::FromRow)]
struct PlanningRow {
    id: Id,
    medication_id: Id,
    times: Option<String>,
    days_of_week: Option<String>,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
    dose_amount: Option<f64>,
    dose_unit: Option<String>,
    created_at: Option<Timestamp>,
    updated_at: Option<Timestamp>,
    medication_name: Option<String>,
    name_key: Option<String>,
    deactivated_at: Option<Timestamp>,
    taken_at: Option<Timestamp>,
}

impl PlanningRow {
    fn into_schedule(self) -> Result<PlanRow, DbError> {
        let (
            Some(times),
            Some(starts_on),
            Some(created_at),
            Some(updated_at),
            Some(medication_name),
            Some(name_key),
        ) = (
            self.times,
            self.starts_on,
            self.created_at,
            self.updated_at,
            self.medication_name,
            self.name_key,
        )
        else {
            return Err(sqlx::Error::Decode("a schedule's row lacks a column".into()).into());
        };
        Ok(PlanRow {
            schedule: ScheduleRow {
                id: self.id,
                medication_id: self.medication_id,
                times,
                days_of_week: self.days_of_week,
                starts_on,
                ends_on: self.ends_on,
                dose_amount: self.dose_amount,
                dose_unit: self.dose_unit,
                created_at,
                updated_at,
            },
            medication_name,
            name_key,
            deactivated_at: self.deactivated_at,
        })
    }
}

/// Every schedule of the account with its medication, and its medication logs taken in
/// `[from, to]`, read together.
pub async fn planning_with_logs(
    db: &Db,
    user_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Planning, DbError> {
    let rows: Vec<PlanningRow> = read!(db, |conn| sqlx::query_as(PLANNING_WITH_LOGS_SQL)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await)?;
    let mut planning = Planning::default();
    for row in rows {
        match row.taken_at {
            Some(taken_at) => planning.logs.push(LoggedDose {
                id: row.id,
                medication_id: row.medication_id,
                taken_at,
            }),
            None => planning.schedules.push(row.into_schedule()?),
        }
    }
    Ok(planning)
}

/// A schedule row with its medication's name and last deactivation, for planning. An account
/// holds at most [`quota::SCHEDULES`] schedules, so reading them all is one small query.
#[derive(sqlx::FromRow)]
pub struct PlanRow {
    #[sqlx(flatten)]
    pub schedule: ScheduleRow,
    pub medication_name: String,
    pub name_key: String,
    pub deactivated_at: Option<Timestamp>,
}

/// Locks the account's medication; `None` when there is none, else whether it is active.
async fn lock_medication(
    tx: &mut Conn<'_>,
    user_id: Id,
    medication_id: Id,
) -> Result<Option<bool>, DbError> {
    let sql = format!(
        "SELECT active FROM medications WHERE id = $1 AND user_id = $2{}",
        tx.lock_clause("medications")
    );
    Ok(run!(tx, |conn| sqlx::query_scalar(&sql)
        .bind(medication_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?))
}

async fn overlaps(
    tx: &mut Conn<'_>,
    user_id: Id,
    medication_id: Id,
    id: Id,
    (starts_on, ends_on): (Date, Option<Date>),
) -> Result<bool, DbError> {
    let count: i64 = run!(tx, |conn| sqlx::query_scalar(OVERLAPPING)
        .bind(medication_id)
        .bind(user_id)
        .bind(id)
        .bind(starts_on)
        .bind(ends_on)
        .fetch_one(conn)
        .await?);
    Ok(count > 0)
}

pub async fn insert(
    tx: &mut Conn<'_>,
    user_id: Id,
    medication_id: Id,
    new: &ScheduleFields,
) -> Result<Written, DbError> {
    let insert = format!(
        "INSERT INTO schedules (id, user_id, medication_id, times, days_of_week, starts_on, \
         ends_on, dose_amount, dose_unit, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    match lock_medication(tx, user_id, medication_id).await? {
        None => return Ok(Written::NotFound),
        Some(false) => return Ok(Written::MedicationInactive),
        Some(true) => {}
    }
    quota::ensure_room(tx, user_id, Collection::Schedules).await?;
    let id = Id::new();
    if overlaps(tx, user_id, medication_id, id, new.days()).await? {
        return Ok(Written::Overlap);
    }
    let row: ScheduleRow = run!(tx, |conn| sqlx::query_as(&insert)
        .bind(id)
        .bind(user_id)
        .bind(medication_id)
        .bind(times_column(&new.times))
        .bind(days_column(new.days_of_week.as_deref()))
        .bind(new.starts_on)
        .bind(new.ends_on)
        .bind(new.dose_amount)
        .bind(new.dose_unit.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?);
    saved(row)
}

fn saved(row: ScheduleRow) -> Result<Written, DbError> {
    Ok(Written::Saved(row.into_schedule()?))
}

/// Applies a merge patch to the locked row; the result is judged as a whole (dates, overlap).
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: SchedulePatch,
) -> Result<Written, DbError> {
    const MEDICATION: &str = "SELECT medication_id FROM schedules WHERE id = $1 AND user_id = $2";
    let current = format!(
        "SELECT {COLUMNS} FROM schedules WHERE id = $1 AND user_id = $2{}",
        tx.lock_clause("schedules")
    );
    let write = format!(
        "UPDATE schedules SET times = $3, days_of_week = $4, starts_on = $5, ends_on = $6, \
         dose_amount = $7, dose_unit = $8, updated_at = $9 WHERE id = $1 AND user_id = $2 \
         RETURNING {COLUMNS}"
    );
    // A schedule never moves to another medication, so reading which one it is needs no lock.
    let medication_id: Option<Id> = run!(tx, |conn| sqlx::query_scalar(MEDICATION)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(medication_id) = medication_id else {
        return Ok(Written::NotFound);
    };
    match lock_medication(tx, user_id, medication_id).await? {
        None => return Ok(Written::NotFound),
        Some(false) => return Ok(Written::MedicationInactive),
        Some(true) => {}
    }
    let current: Option<ScheduleRow> = run!(tx, |conn| sqlx::query_as(&current)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(current) = current else {
        return Ok(Written::NotFound);
    };
    let next = match patch.apply(&current.into_schedule()?) {
        Ok(next) => next,
        Err(invalid) => return Ok(Written::Invalid(invalid)),
    };
    if overlaps(tx, user_id, medication_id, id, next.days()).await? {
        return Ok(Written::Overlap);
    }
    let row: ScheduleRow = run!(tx, |conn| sqlx::query_as(&write)
        .bind(id)
        .bind(user_id)
        .bind(times_column(&next.times))
        .bind(days_column(next.days_of_week.as_deref()))
        .bind(next.starts_on)
        .bind(next.ends_on)
        .bind(next.dose_amount)
        .bind(next.dose_unit.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?);
    saved(row)
}

/// Whether a schedule of the account was deleted.
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<bool, DbError> {
    let deleted = run!(tx, |conn| sqlx::query(
        "DELETE FROM schedules WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(deleted > 0)
}

/// Today in the named time zone (UTC when the name is unknown to this build's database).
pub fn today_in_zone(timezone: &str) -> Date {
    let tz = jiff::tz::db()
        .get(timezone)
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Date(jiff::Timestamp::now().to_zoned_datetime(tz).date())
}

/// Ends the medication's schedules on its deactivation, inside the caller's transaction (which
/// already holds the medication's row): schedules running past today end today, those that would
/// start after today are deleted, and the medication records the moment, after which no dose is
/// planned.
pub async fn end_on_deactivation(
    tx: &mut Conn<'_>,
    user_id: Id,
    medication_id: Id,
    now: Timestamp,
) -> Result<(), DbError> {
    const TIMEZONE: &str = "SELECT timezone FROM users WHERE id = $1";
    const RECORD: &str =
        "UPDATE medications SET deactivated_at = $3 WHERE id = $1 AND user_id = $2";
    const DELETE_LATER: &str =
        "DELETE FROM schedules WHERE medication_id = $1 AND user_id = $2 AND starts_on > $3";
    const END_TODAY: &str = "UPDATE schedules SET ends_on = $3, updated_at = $4 \
        WHERE medication_id = $1 AND user_id = $2 AND (ends_on IS NULL OR ends_on > $3)";
    let timezone: String = run!(tx, |conn| sqlx::query_scalar(TIMEZONE)
        .bind(user_id)
        .fetch_one(conn)
        .await?);
    let today = today_in_zone(&timezone);
    run!(tx, |conn| sqlx::query(RECORD)
        .bind(medication_id)
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected());
    run!(tx, |conn| sqlx::query(DELETE_LATER)
        .bind(medication_id)
        .bind(user_id)
        .bind(today)
        .execute(conn)
        .await?
        .rows_affected());
    run!(tx, |conn| sqlx::query(END_TODAY)
        .bind(medication_id)
        .bind(user_id)
        .bind(today)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected());
    Ok(())
}

/// The logs of account `$1` taken in `[$2, $3]` of its scheduled medications, the only ones that
/// can take a dose (public so that a test can hold its plan).
pub const LOGS_BETWEEN_SQL: &str = concat!(
    "SELECT l.id, l.medication_id, l.taken_at ",
    scheduled_logs_from!()
);

/// The account's logs of scheduled medications taken in `[from, to]`, as matching needs them:
/// bounded by the range (and at most 1 000 logs a day).
pub async fn logs_between(
    db: &Db,
    user_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<LoggedDose>, DbError> {
    let rows: Vec<(Id, Id, Timestamp)> = read!(db, |conn| sqlx::query_as(LOGS_BETWEEN_SQL)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, medication_id, taken_at)| LoggedDose {
            id,
            medication_id,
            taken_at,
        })
        .collect())
}
