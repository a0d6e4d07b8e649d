//! Doses of a date range with their status, and adherence tallied from them: the pure part of
//! `/doses`, `/adherence` and the summary's `doses_today`.

use jiff::{civil::Date, tz::TimeZone};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    matching::{DoseStatus, EARLY_MINUTES, LATE_MINUTES, LoggedDose, match_doses, status},
    plan::{SchedulePlan, instant_of, matching_start, planned_doses},
};
use crate::types::{self, Id, Timestamp};

/// At most this many doses in one answer of `/doses`.
pub const DOSES_MAX: usize = 10_000;

/// A schedule with what a dose shows of it and of its medication.
#[derive(Clone, Debug)]
pub struct ScheduledMedication {
    pub plan: SchedulePlan,
    pub medication_name: String,
    /// The medication's name key: doses at one instant are listed by it.
    pub name_key: String,
    pub dose_amount: Option<f64>,
    pub dose_unit: Option<String>,
}

/// One planned dose and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"medication_id": "019a6b2e-6a00-7b3a-8c1d-1a2b3c4d5e6f",
    "medication_name": "Ibuprofen", "schedule_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
    "planned_at": "2026-11-27T07:00:00.000Z", "local_date": "2026-11-27", "local_time": "08:00",
    "dose_amount": 400.0, "dose_unit": "mg", "status": "taken",
    "log_id": "019a6b2f-0000-7000-8000-000000000001", "taken_at": "2026-11-27T07:12:00.000Z"}))]
pub struct Dose {
    pub medication_id: Id,
    pub medication_name: String,
    pub schedule_id: Id,
    pub planned_at: Timestamp,
    /// The day in the account's time zone.
    pub local_date: types::Date,
    /// The schedule's time as written (`HH:MM`), also on a day the clock skipped it.
    #[schema(example = "08:00")]
    pub local_time: String,
    /// The schedule's dose.
    pub dose_amount: Option<f64>,
    pub dose_unit: Option<String>,
    pub status: DoseStatus,
    /// The log that took this dose.
    pub log_id: Option<Id>,
    pub taken_at: Option<Timestamp>,
}

/// The instants between which logs can take a dose of the range: from an hour before the first
/// dose matching must start at, to two hours after the range's last day. `None` only at the
/// edge of the supported dates.
pub fn log_window(
    schedules: &[ScheduledMedication],
    tz: &TimeZone,
    from: Date,
    to: Date,
) -> Option<(Timestamp, Timestamp)> {
    let plans: Vec<SchedulePlan> = schedules.iter().map(|s| s.plan.clone()).collect();
    window_from(matching_start(&plans, tz, from), tz, to)
}

/// [`log_window`] when matching starts on `start`: its end does not depend on the schedules.
pub fn window_from(start: Date, tz: &TimeZone, to: Date) -> Option<(Timestamp, Timestamp)> {
    let opens = instant_of(start, jiff::civil::Time::midnight(), tz)?;
    let closes = instant_of(to.tomorrow().ok()?, jiff::civil::Time::midnight(), tz)?;
    Some((
        opens.plus_millis(-EARLY_MINUTES * 60_000),
        closes.plus_millis(LATE_MINUTES * 60_000),
    ))
}

/// Too many doses for one answer.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyDoses;

/// The doses planned on `from..=to` with their status at `now`, ordered by planned instant,
/// medication name key, then schedule id. `logs` must hold every log in [`log_window`].
pub fn doses_in_range(
    schedules: &[ScheduledMedication],
    tz: &TimeZone,
    from: Date,
    to: Date,
    logs: &[LoggedDose],
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Dose>, TooManyDoses> {
    let plans: Vec<SchedulePlan> = schedules.iter().map(|s| s.plan.clone()).collect();
    let start = matching_start(&plans, tz, from);
    // The doses before the range are only matched, never shown; the range holds at most
    // 92 days of at most 100 schedules, so planning before counting stays cheap.
    let planned = planned_doses(&plans, tz, start, to, usize::MAX).ok_or(TooManyDoses)?;
    let in_range = planned.iter().filter(|d| d.local_date >= from).count();
    if in_range > limit {
        return Err(TooManyDoses);
    }
    let takings = match_doses(&planned, logs);
    let mut doses: Vec<(&str, Dose)> = planned
        .iter()
        .zip(takings)
        .filter(|(dose, _)| dose.local_date >= from)
        .filter_map(|(dose, taking)| {
            let schedule = schedules
                .iter()
                .find(|s| s.plan.schedule_id == dose.schedule_id)?;
            Some((
                schedule.name_key.as_str(),
                Dose {
                    medication_id: dose.medication_id,
                    medication_name: schedule.medication_name.clone(),
                    schedule_id: dose.schedule_id,
                    planned_at: dose.planned_at,
                    local_date: types::Date(dose.local_date),
                    local_time: format!(
                        "{:02}:{:02}",
                        dose.local_time.hour(),
                        dose.local_time.minute()
                    ),
                    dose_amount: schedule.dose_amount,
                    dose_unit: schedule.dose_unit.clone(),
                    status: status(dose.planned_at, taking, now),
                    log_id: taking.map(|t| t.log_id),
                    taken_at: taking.map(|t| t.taken_at),
                },
            ))
        })
        .collect();
    doses.sort_by(|(a_key, a), (b_key, b)| {
        (a.planned_at, *a_key, a.schedule_id).cmp(&(b.planned_at, *b_key, b.schedule_id))
    });
    Ok(doses.into_iter().map(|(_, dose)| dose).collect())
}

/// Decided doses and how many of them were taken.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"planned": 56, "taken": 49, "missed": 7, "percent": 87.5}))]
pub struct Tally {
    /// Doses whose outcome is known: taken or missed (not due or upcoming).
    pub planned: u32,
    pub taken: u32,
    pub missed: u32,
    /// 100 × taken / planned, rounded half away from zero to 1 decimal; `null` when nothing
    /// was planned.
    pub percent: Option<f64>,
}

impl Tally {
    fn count(&mut self, status: DoseStatus) {
        match status {
            DoseStatus::Taken => self.taken += 1,
            DoseStatus::Missed => self.missed += 1,
            DoseStatus::Due | DoseStatus::Upcoming => return,
        }
        self.planned += 1;
        self.percent = percent(self.taken, self.planned);
    }
}

/// `100 × taken / planned` to one decimal, halves rounded away from zero, in whole numbers so
/// that no binary fraction tips a half the wrong way.
pub fn percent(taken: u32, planned: u32) -> Option<f64> {
    if planned == 0 {
        return None;
    }
    let (taken, planned) = (u64::from(taken), u64::from(planned));
    let tenths = (2_000 * taken + planned) / (2 * planned);
    Some(tenths as f64 / 10.0)
}

/// One medication's adherence.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"medication_id": "019a6b2e-6a00-7b3a-8c1d-1a2b3c4d5e6f",
    "name": "Ibuprofen", "planned": 28, "taken": 25, "missed": 3, "percent": 89.3}))]
pub struct MedicationAdherence {
    pub medication_id: Id,
    pub name: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The whole tally, and one per medication with any dose (decided or not), by name key.
pub fn adherence(
    doses: &[Dose],
    name_key: impl Fn(Id) -> String,
) -> (Tally, Vec<MedicationAdherence>) {
    let mut overall = Tally::default();
    let mut per_medication: Vec<(String, MedicationAdherence)> = Vec::new();
    for dose in doses {
        overall.count(dose.status);
        let index = match per_medication
            .iter()
            .position(|(_, m)| m.medication_id == dose.medication_id)
        {
            Some(index) => index,
            None => {
                per_medication.push((
                    name_key(dose.medication_id),
                    MedicationAdherence {
                        medication_id: dose.medication_id,
                        name: dose.medication_name.clone(),
                        tally: Tally::default(),
                    },
                ));
                per_medication.len() - 1
            }
        };
        per_medication[index].1.tally.count(dose.status);
    }
    per_medication
        .sort_by(|(a_key, a), (b_key, b)| (a_key, a.medication_id).cmp(&(b_key, b.medication_id)));
    (
        overall,
        per_medication.into_iter().map(|(_, m)| m).collect(),
    )
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};

    use super::*;

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    fn medication(name: &str, times: &[jiff::civil::Time]) -> ScheduledMedication {
        ScheduledMedication {
            plan: SchedulePlan {
                schedule_id: Id::new(),
                medication_id: Id::new(),
                times: times.to_vec(),
                days_of_week: None,
                starts_on: date(2026, 11, 1),
                ends_on: None,
                stopped_at: None,
            },
            medication_name: name.into(),
            name_key: name.to_lowercase(),
            dose_amount: Some(1.0),
            dose_unit: Some("tablet".into()),
        }
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        let cases = [
            (0, 0, None),
            (0, 3, Some(0.0)),
            (1, 3, Some(33.3)),
            (2, 3, Some(66.7)),
            (1, 8, Some(12.5)),
            (1, 16, Some(6.3)),
            (3, 16, Some(18.8)),
            (1, 1, Some(100.0)),
            (1999, 2000, Some(100.0)),
            (1997, 2000, Some(99.9)),
        ];
        for (taken, planned, expected) in cases {
            assert_eq!(percent(taken, planned), expected, "{taken}/{planned}");
        }
    }

    #[test]
    fn a_day_of_doses_with_every_status() {
        let aspirin = medication("aspirin", &[time(8, 0, 0, 0), time(12, 0, 0, 0)]);
        let zinc = medication("Zinc", &[time(8, 0, 0, 0), time(20, 0, 0, 0)]);
        let logs = [LoggedDose {
            id: Id::new(),
            medication_id: zinc.plan.medication_id,
            taken_at: at("2026-11-27T08:10:00Z"),
        }];
        let day = date(2026, 11, 27);
        let now = at("2026-11-27T11:30:00Z");
        let schedules = [zinc.clone(), aspirin.clone()];
        let doses = doses_in_range(&schedules, &TimeZone::UTC, day, day, &logs, now, 100)
            .expect("under the limit");
        let seen: Vec<(&str, &str, DoseStatus)> = doses
            .iter()
            .map(|d| (d.medication_name.as_str(), d.local_time.as_str(), d.status))
            .collect();
        assert_eq!(
            seen,
            [
                // At one instant, by name key: "aspirin" before "zinc".
                ("aspirin", "08:00", DoseStatus::Missed),
                ("Zinc", "08:00", DoseStatus::Taken),
                ("aspirin", "12:00", DoseStatus::Due),
                ("Zinc", "20:00", DoseStatus::Upcoming),
            ]
        );
        assert_eq!(doses[1].log_id, Some(logs[0].id));
        assert_eq!(doses[1].taken_at, Some(logs[0].taken_at));
        assert_eq!(doses[1].dose_unit.as_deref(), Some("tablet"));

        let key = |id: Id| {
            if id == aspirin.plan.medication_id {
                "aspirin"
            } else {
                "zinc"
            }
            .to_owned()
        };
        let (overall, per_medication) = adherence(&doses, key);
        assert_eq!((overall.planned, overall.taken, overall.missed), (2, 1, 1));
        assert_eq!(overall.percent, Some(50.0));
        let names: Vec<(&str, u32, Option<f64>)> = per_medication
            .iter()
            .map(|m| (m.name.as_str(), m.tally.planned, m.tally.percent))
            .collect();
        assert_eq!(names, [("aspirin", 1, Some(0.0)), ("Zinc", 1, Some(100.0))]);
    }

    #[test]
    fn a_medication_with_only_undecided_doses_is_listed_without_a_percentage() {
        let later = medication("Later", &[time(22, 0, 0, 0)]);
        let day = date(2026, 11, 27);
        let doses = doses_in_range(
            std::slice::from_ref(&later),
            &TimeZone::UTC,
            day,
            day,
            &[],
            at("2026-11-27T09:00:00Z"),
            100,
        )
        .expect("under the limit");
        let (overall, per_medication) = adherence(&doses, |_| "later".into());
        assert_eq!(overall.percent, None);
        assert_eq!(per_medication.len(), 1);
        assert_eq!(per_medication[0].tally, Tally::default());
    }

    #[test]
    fn the_dose_limit_counts_only_the_range() {
        let many = medication("Many", &[time(8, 0, 0, 0), time(20, 0, 0, 0)]);
        let (from, to) = (date(2026, 11, 21), date(2026, 11, 25));
        let now = at("2026-11-27T09:00:00Z");
        let run = |limit| {
            doses_in_range(
                std::slice::from_ref(&many),
                &TimeZone::UTC,
                from,
                to,
                &[],
                now,
                limit,
            )
            .map(|d| d.len())
        };
        assert_eq!(run(10), Ok(10));
        assert_eq!(run(9), Err(TooManyDoses));
    }

    #[test]
    fn logs_are_read_from_an_hour_before_the_chain_to_two_hours_after_the_range() {
        let plain = medication("Plain", &[time(8, 0, 0, 0)]);
        let late = medication("Late", &[time(1, 0, 0, 0), time(23, 0, 0, 0)]);
        let (from, to) = (date(2026, 11, 20), date(2026, 11, 21));
        let window = log_window(std::slice::from_ref(&plain), &TimeZone::UTC, from, to);
        assert_eq!(
            window,
            Some((at("2026-11-19T23:00:00Z"), at("2026-11-22T02:00:00Z")))
        );
        let window = log_window(&[plain, late], &TimeZone::UTC, from, to);
        assert_eq!(
            window,
            Some((at("2026-11-18T23:00:00Z"), at("2026-11-22T02:00:00Z")))
        );
    }
}
