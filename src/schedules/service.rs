//! Gathers what the pure dose functions need, in a fixed number of queries: the account's time
//! zone (usually read with the session), then its schedules with the logs from where matching
//! must start to two hours after the range (one statement, a second only when a chain of close
//! doses reaches further back than the day before the range). Never a query per day, dose or
//! medication.

use jiff::{civil::Date, tz::TimeZone};

use super::{
    doses::{Dose, ScheduledMedication, TooManyDoses, doses_in_range, log_window, window_from},
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
    let out_of_range = || ApiError::field("to", "is outside the supported dates");
    // Matching starts on `from`, or the day before when a dose late at night shares a log with
    // one early the next morning: the logs from the day before are read with the schedules, in
    // one statement. Only a longer chain of close doses needs the earlier logs read afterwards.
    let guessed = from
        .yesterday()
        .ok()
        .and_then(|start| window_from(start, tz, to))
        .or_else(|| window_from(from, tz, to));
    let Some((guessed_opens, closes)) = guessed else {
        // At the edge of the supported dates only an account without schedules has an answer.
        return if store::for_planning(&state.db, user_id).await?.is_empty() {
            Ok(DosesInRange {
                doses: Vec::new(),
                name_keys: Vec::new(),
            })
        } else {
            Err(out_of_range())
        };
    };
    let planning = store::planning_with_logs(&state.db, user_id, guessed_opens, closes).await?;
    let mut logs = planning.logs;
    let mut schedules = Vec::with_capacity(planning.schedules.len());
    let mut name_keys: Vec<(Id, String)> = Vec::new();
    for row in planning.schedules {
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
    let (opens, _) = log_window(&schedules, tz, from, to).ok_or_else(out_of_range)?;
    if opens < guessed_opens {
        // The chain reaches further back than the day before: read the logs before the guess.
        // (A guess that opened earlier than needed read a few logs that can take no dose.)
        let before = guessed_opens.plus_millis(-1);
        logs.extend(store::logs_between(&state.db, user_id, opens, before).await?);
    }
    let doses = doses_in_range(&schedules, tz, from, to, &logs, Timestamp::now(), limit).map_err(
        |TooManyDoses| ApiError::field("to", format!("the range holds more than {limit} doses")),
    )?;
    Ok(DosesInRange { doses, name_keys })
}
