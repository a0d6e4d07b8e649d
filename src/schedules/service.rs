//! Gathers what the pure dose functions need, in a fixed number of queries: the account's time
//! zone (usually read with the session), its schedules, then the logs from where matching must
//! start to two hours after the range. Never a query per day, dose or medication.

use jiff::{civil::Date, tz::TimeZone};

use super::{
    doses::{Dose, ScheduledMedication, TooManyDoses, doses_in_range, log_window},
    store,
};
use crate::{
    auth::{CurrentUser, users},
    db::DbError,
    error::{ApiError, ApiResult},
    state::AppState,
    types::{Id, Timestamp},
};

/// The account's time zone: the one read with the session, else the stored one.
pub async fn account_zone(state: &AppState, user: &CurrentUser) -> ApiResult<TimeZone> {
    let name = match &user.timezone {
        Some(name) => name.clone(),
        None => {
            users::find(&state.db, user.id)
                .await?
                .ok_or(ApiError::Unauthenticated)?
                .timezone
        }
    };
    // Stored names were validated against this build's database; UTC covers one that a newer
    // build accepted and this one does not know.
    Ok(jiff::tz::db().get(&name).unwrap_or(TimeZone::UTC))
}

/// Today in `tz`.
pub fn today(tz: &TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date()
}

/// The doses on `from..=to` with their status now, and each medication's name key.
pub struct DosesInRange {
    pub doses: Vec<Dose>,
    pub name_keys: Vec<(Id, String)>,
}

impl DosesInRange {
    pub fn name_key(&self, medication_id: Id) -> String {
        self.name_keys
            .iter()
            .find(|(id, _)| *id == medication_id)
            .map(|(_, key)| key.clone())
            .unwrap_or_default()
    }
}

/// Plans and matches the account's doses of `from..=to`; more than `limit` is a 422 naming `to`.
pub async fn doses_between(
    state: &AppState,
    user_id: Id,
    tz: &TimeZone,
    from: Date,
    to: Date,
    limit: usize,
) -> ApiResult<DosesInRange> {
    let rows = store::for_planning(&state.db, user_id).await?;
    let mut schedules = Vec::with_capacity(rows.len());
    let mut name_keys: Vec<(Id, String)> = Vec::new();
    for row in rows {
        if !name_keys
            .iter()
            .any(|(id, _)| *id == row.schedule.medication_id)
        {
            name_keys.push((row.schedule.medication_id, row.name_key.clone()));
        }
        schedules.push(ScheduledMedication {
            plan: row
                .schedule
                .to_plan(row.deactivated_at)
                .map_err(DbError::from)?,
            medication_name: row.medication_name,
            name_key: row.name_key,
            dose_amount: row.schedule.dose_amount,
            dose_unit: row.schedule.dose_unit,
        });
    }
    if schedules.is_empty() {
        return Ok(DosesInRange {
            doses: Vec::new(),
            name_keys,
        });
    }
    let out_of_range = || ApiError::field("to", "is outside the supported dates");
    let (opens, closes) = log_window(&schedules, tz, from, to).ok_or_else(out_of_range)?;
    let logs = store::logs_between(&state.db, user_id, opens, closes).await?;
    let doses = doses_in_range(&schedules, tz, from, to, &logs, Timestamp::now(), limit).map_err(
        |TooManyDoses| ApiError::field("to", format!("the range holds more than {limit} doses")),
    )?;
    Ok(DosesInRange { doses, name_keys })
}
