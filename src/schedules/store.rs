//! The SQL of the `schedules` table. Every query is scoped to the account.
//!
//! Writes lock the medication's row first (a no-op UPDATE, which locks on both databases), so
//! that two schedules of one medication written at once are checked for overlap one after the
//! other, and a deactivation cannot slip between the check and the write.

use super::matching::LoggedDose;
use super::model::{
    Schedule, ScheduleFields, SchedulePatch, ScheduleRow, days_column, times_column,
};
use crate::{
    db::{Db, read, transaction},
    error::ApiError,
    types::{Date, Id, Timestamp},
};

/// At most this many schedules per account.
pub const QUOTA: i64 = 100;

const COLUMNS: &str = "id, medication_id, times, days_of_week, starts_on, ends_on, dose_amount, \
    dose_unit, created_at, updated_at";

const LOCK_MEDICATION: &str = "UPDATE medications SET updated_at = updated_at \
    WHERE id = $1 AND user_id = $2 RETURNING active";

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
    QuotaExceeded,
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
    .map_err(crate::db::DbError::from)?;
    rows.into_iter()
        .map(ScheduleRow::into_schedule)
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<Schedule>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM schedules WHERE id = $1 AND user_id = $2");
    let row: Option<ScheduleRow> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)
    .map_err(crate::db::DbError::from)?;
    row.map(ScheduleRow::into_schedule).transpose()
}

/// A schedule row with the moment its medication was last deactivated, for planning.
#[derive(sqlx::FromRow)]
pub struct PlanRow {
    #[sqlx(flatten)]
    pub schedule: ScheduleRow,
    pub medication_name: String,
    pub name_key: String,
    pub deactivated_at: Option<Timestamp>,
}

/// Every schedule of the account, with its medication's name: what planning starts from. An
/// account holds at most [`QUOTA`] schedules, so this is one small query.
pub async fn for_planning(db: &Db, user_id: Id) -> Result<Vec<PlanRow>, ApiError> {
    const SQL: &str = "SELECT s.id, s.medication_id, s.times, s.days_of_week, s.starts_on, \
        s.ends_on, s.dose_amount, s.dose_unit, s.created_at, s.updated_at, \
        m.name AS medication_name, m.name_key, m.deactivated_at \
        FROM schedules s JOIN medications m ON m.id = s.medication_id AND m.user_id = s.user_id \
        WHERE s.user_id = $1";
    let rows: Vec<PlanRow> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)
    .map_err(crate::db::DbError::from)?;
    Ok(rows)
}

pub async fn insert(
    db: &Db,
    user_id: Id,
    medication_id: Id,
    new: &ScheduleFields,
) -> Result<Written, ApiError> {
    const COUNT: &str = "SELECT COUNT(*) FROM schedules WHERE user_id = $1";
    let insert = format!(
        "INSERT INTO schedules (id, user_id, medication_id, times, days_of_week, starts_on, \
         ends_on, dose_amount, dose_unit, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    let id = Id::new();
    let written = transaction!(db, |tx| {
        let active: Option<bool> = sqlx::query_scalar(LOCK_MEDICATION)
            .bind(medication_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        match active {
            None => return Ok(Written::NotFound),
            Some(false) => return Ok(Written::MedicationInactive),
            Some(true) => {}
        }
        let count: i64 = sqlx::query_scalar(COUNT)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        if count >= QUOTA {
            return Ok(Written::QuotaExceeded);
        }
        let overlapping: i64 = sqlx::query_scalar(OVERLAPPING)
            .bind(medication_id)
            .bind(user_id)
            .bind(id)
            .bind(new.starts_on)
            .bind(new.ends_on)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        if overlapping > 0 {
            return Ok(Written::Overlap);
        }
        let row: ScheduleRow = sqlx::query_as(&insert)
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
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        row
    });
    Ok(Written::Saved(written.into_schedule()?))
}

/// Applies a merge patch to the locked row; the result is judged as a whole (dates, overlap).
pub async fn update(
    db: &Db,
    user_id: Id,
    id: Id,
    patch: SchedulePatch,
) -> Result<Written, ApiError> {
    const MEDICATION: &str = "SELECT medication_id FROM schedules WHERE id = $1 AND user_id = $2";
    let lock = format!(
        "UPDATE schedules SET updated_at = updated_at WHERE id = $1 AND user_id = $2 \
         RETURNING {COLUMNS}"
    );
    let write = format!(
        "UPDATE schedules SET times = $3, days_of_week = $4, starts_on = $5, ends_on = $6, \
         dose_amount = $7, dose_unit = $8, updated_at = $9 WHERE id = $1 AND user_id = $2 \
         RETURNING {COLUMNS}"
    );
    let written = transaction!(db, |tx| {
        // The medication is locked before the schedule, in the order a deactivation locks them.
        let medication_id: Option<Id> = sqlx::query_scalar(MEDICATION)
            .bind(id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        let Some(medication_id) = medication_id else {
            return Ok(Written::NotFound);
        };
        let active: Option<bool> = sqlx::query_scalar(LOCK_MEDICATION)
            .bind(medication_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        match active {
            None => return Ok(Written::NotFound),
            Some(false) => return Ok(Written::MedicationInactive),
            Some(true) => {}
        }
        let current: Option<ScheduleRow> = sqlx::query_as(&lock)
            .bind(id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        let Some(current) = current else {
            return Ok(Written::NotFound);
        };
        let next = patch.apply(&current.into_schedule()?)?;
        let overlapping: i64 = sqlx::query_scalar(OVERLAPPING)
            .bind(medication_id)
            .bind(user_id)
            .bind(id)
            .bind(next.starts_on)
            .bind(next.ends_on)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        if overlapping > 0 {
            return Ok(Written::Overlap);
        }
        let row: ScheduleRow = sqlx::query_as(&write)
            .bind(id)
            .bind(user_id)
            .bind(times_column(&next.times))
            .bind(days_column(next.days_of_week.as_deref()))
            .bind(next.starts_on)
            .bind(next.ends_on)
            .bind(next.dose_amount)
            .bind(next.dose_unit.as_deref())
            .bind(Timestamp::now())
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::db::DbError::from)?;
        row
    });
    Ok(Written::Saved(written.into_schedule()?))
}

/// Whether a schedule of the account was deleted.
pub async fn delete(db: &Db, user_id: Id, id: Id) -> Result<bool, ApiError> {
    let deleted = crate::db::execute!(
        db,
        sqlx::query("DELETE FROM schedules WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
    )?;
    Ok(deleted > 0)
}

/// Today in the named time zone (UTC when the name is unknown to this build's database).
pub fn today_in_zone(timezone: &str) -> Date {
    let tz = jiff::tz::db()
        .get(timezone)
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Date(jiff::Timestamp::now().to_zoned_datetime(tz).date())
}

/// Ends the medication's schedules on its deactivation, inside the caller's transaction (`$tx`,
/// which already holds the medication's row): schedules running past today end today, those
/// that would start after today are deleted, and the medication records the moment, after which
/// no dose is planned. Evaluates to `Result<(), sqlx::Error>`.
macro_rules! end_schedules_on_deactivation {
    ($tx:ident, $user_id:expr, $medication_id:expr, $now:expr) => {
        async {
            let timezone: String = sqlx::query_scalar("SELECT timezone FROM users WHERE id = $1")
                .bind($user_id)
                .fetch_one(&mut *$tx)
                .await?;
            let today = $crate::schedules::store::today_in_zone(&timezone);
            sqlx::query("UPDATE medications SET deactivated_at = $3 WHERE id = $1 AND user_id = $2")
                .bind($medication_id)
                .bind($user_id)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "DELETE FROM schedules WHERE medication_id = $1 AND user_id = $2 AND starts_on > $3",
            )
            .bind($medication_id)
            .bind($user_id)
            .bind(today)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "UPDATE schedules SET ends_on = $3, updated_at = $4 \
                 WHERE medication_id = $1 AND user_id = $2 AND (ends_on IS NULL OR ends_on > $3)",
            )
            .bind($medication_id)
            .bind($user_id)
            .bind(today)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

pub(crate) use end_schedules_on_deactivation;

/// The account's medication logs taken in `[from, to]`, as matching needs them: one query on the
/// `(user_id, taken_at)` index, bounded by the range (and at most 1 000 logs a day).
pub async fn logs_between(
    db: &Db,
    user_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<LoggedDose>, ApiError> {
    const SQL: &str = "SELECT id, medication_id, taken_at FROM medication_logs \
        WHERE user_id = $1 AND taken_at >= $2 AND taken_at <= $3";
    let rows: Vec<(Id, Id, Timestamp)> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await)
    .map_err(crate::db::DbError::from)?;
    Ok(rows
        .into_iter()
        .map(|(id, medication_id, taken_at)| LoggedDose {
            id,
            medication_id,
            taken_at,
        })
        .collect())
}
