//! Which log took which planned dose, and what an untaken dose's status is now.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::plan::PlannedDose;
use crate::types::{Id, Timestamp};

/// A log may take a dose planned up to this long after it...
pub const EARLY_MINUTES: i64 = 60;
/// ...or up to this long before it.
pub const LATE_MINUTES: i64 = 120;

const EARLY_MILLIS: i64 = EARLY_MINUTES * 60_000;
const LATE_MILLIS: i64 = LATE_MINUTES * 60_000;

/// What matching needs to know of a medication log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedDose {
    pub id: Id,
    pub medication_id: Id,
    pub taken_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DoseStatus {
    /// A log of the medication lies within the dose's window.
    Taken,
    /// The window has passed without a log.
    Missed,
    /// The window is open now.
    Due,
    /// The window has not opened yet.
    Upcoming,
}

/// The log that took a dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taking {
    pub log_id: Id,
    pub taken_at: Timestamp,
}

/// For each dose (in the order given: by planned instant, then schedule id), the log that took
/// it. Each dose takes the earliest log of its medication within
/// [planned − 60 min, planned + 120 min] that no earlier dose took.
pub fn match_doses(doses: &[PlannedDose], logs: &[LoggedDose]) -> Vec<Option<Taking>> {
    let mut by_medication: HashMap<Id, MedicationLogs> = HashMap::new();
    for log in logs {
        by_medication
            .entry(log.medication_id)
            .or_default()
            .logs
            .push((log.taken_at, log.id));
    }
    for entry in by_medication.values_mut() {
        entry.logs.sort();
        entry.taken = vec![false; entry.logs.len()];
    }
    doses
        .iter()
        .map(|dose| {
            let entry = by_medication.get_mut(&dose.medication_id)?;
            entry.take(dose.planned_at)
        })
        .collect()
}

#[derive(Default)]
struct MedicationLogs {
    /// Sorted by time, then id.
    logs: Vec<(Timestamp, Id)>,
    taken: Vec<bool>,
    /// Logs before this index are too early for every dose still to come.
    first_open: usize,
}

impl MedicationLogs {
    fn take(&mut self, planned_at: Timestamp) -> Option<Taking> {
        let opens = planned_at.as_millis() - EARLY_MILLIS;
        let closes = planned_at.as_millis() + LATE_MILLIS;
        // Doses come in order of planned instant, so a window never opens earlier than the last.
        while self
            .logs
            .get(self.first_open)
            .is_some_and(|(at, _)| at.as_millis() < opens)
        {
            self.first_open += 1;
        }
        for index in self.first_open..self.logs.len() {
            let (taken_at, log_id) = self.logs[index];
            if taken_at.as_millis() > closes {
                break;
            }
            if !self.taken[index] {
                self.taken[index] = true;
                return Some(Taking { log_id, taken_at });
            }
        }
        None
    }
}

/// The status of a dose planned at `planned_at`, at `now`.
pub fn status(planned_at: Timestamp, taking: Option<Taking>, now: Timestamp) -> DoseStatus {
    if taking.is_some() {
        DoseStatus::Taken
    } else if now.as_millis() > planned_at.as_millis() + LATE_MILLIS {
        DoseStatus::Missed
    } else if now.as_millis() >= planned_at.as_millis() - EARLY_MILLIS {
        DoseStatus::Due
    } else {
        DoseStatus::Upcoming
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, Time, date, time};

    use super::*;
    use crate::schedules::plan::{SchedulePlan, matching_start, planned_doses};

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    fn id(n: u8) -> Id {
        Id::parse(&format!("00000000-0000-7000-8000-{n:012x}")).expect("uuid")
    }

    fn dose(medication: u8, planned: &str) -> PlannedDose {
        let planned_at = at(planned);
        let local = planned_at
            .to_jiff()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC);
        PlannedDose {
            schedule_id: id(90 + medication),
            medication_id: id(medication),
            local_date: local.date(),
            local_time: local.time(),
            planned_at,
        }
    }

    fn log(n: u8, medication: u8, taken: &str) -> LoggedDose {
        LoggedDose {
            id: id(n),
            medication_id: id(medication),
            taken_at: at(taken),
        }
    }

    /// The log number that took each dose, or 0.
    fn taken_by(doses: &[PlannedDose], logs: &[LoggedDose]) -> Vec<u8> {
        match_doses(doses, logs)
            .iter()
            .map(|taking| taking.map_or(0, |t| t.log_id.0.as_bytes()[15]))
            .collect()
    }

    #[test]
    fn the_window_runs_from_an_hour_before_to_two_hours_after() {
        let cases = [
            ("2026-11-27T06:59:59.999Z", 0),
            ("2026-11-27T07:00:00Z", 1),
            ("2026-11-27T08:00:00Z", 1),
            ("2026-11-27T10:00:00Z", 1),
            ("2026-11-27T10:00:00.001Z", 0),
        ];
        for (taken, expected) in cases {
            let doses = [dose(1, "2026-11-27T08:00:00Z")];
            assert_eq!(taken_by(&doses, &[log(1, 1, taken)]), [expected], "{taken}");
        }
    }

    #[test]
    fn a_log_of_another_medication_takes_nothing() {
        let doses = [dose(1, "2026-11-27T08:00:00Z")];
        assert_eq!(taken_by(&doses, &[log(1, 2, "2026-11-27T08:00:00Z")]), [0]);
    }

    #[test]
    fn each_log_takes_at_most_one_dose_and_each_dose_the_earliest_log() {
        let doses = [dose(1, "2026-11-27T08:00:00Z")];
        let logs = [
            log(2, 1, "2026-11-27T08:30:00Z"),
            log(1, 1, "2026-11-27T07:30:00Z"),
        ];
        assert_eq!(taken_by(&doses, &logs), [1]);
    }

    #[test]
    fn two_doses_an_hour_apart_and_one_log_between_them() {
        let doses = [
            dose(1, "2026-11-27T08:00:00Z"),
            dose(1, "2026-11-27T09:00:00Z"),
        ];
        // The earlier dose takes the log; the later one stays untaken.
        assert_eq!(
            taken_by(&doses, &[log(1, 1, "2026-11-27T08:30:00Z")]),
            [1, 0]
        );
        // With a second log, each takes one.
        let logs = [
            log(1, 1, "2026-11-27T08:30:00Z"),
            log(2, 1, "2026-11-27T08:40:00Z"),
        ];
        assert_eq!(taken_by(&doses, &logs), [1, 2]);
    }

    #[test]
    fn a_log_taken_early_for_the_next_dose_does_not_go_to_the_one_before() {
        // The 08:00 dose was taken at 08:05; the 09:00 one early, at 08:10.
        let doses = [
            dose(1, "2026-11-27T08:00:00Z"),
            dose(1, "2026-11-27T09:00:00Z"),
        ];
        let logs = [
            log(2, 1, "2026-11-27T08:10:00Z"),
            log(1, 1, "2026-11-27T08:05:00Z"),
        ];
        assert_eq!(taken_by(&doses, &logs), [1, 2]);
    }

    #[test]
    fn doses_of_different_medications_at_one_time_each_take_their_own_log() {
        let doses = [
            dose(1, "2026-11-27T08:00:00Z"),
            dose(2, "2026-11-27T08:00:00Z"),
        ];
        let logs = [
            log(1, 2, "2026-11-27T08:00:00Z"),
            log(2, 1, "2026-11-27T08:01:00Z"),
        ];
        assert_eq!(taken_by(&doses, &logs), [2, 1]);
    }

    #[test]
    fn a_log_just_before_the_range_still_takes_the_first_dose_in_it() {
        // The range starts on the 27th (UTC); the log was taken late on the 26th.
        let doses = [dose(1, "2026-11-27T00:30:00Z")];
        assert_eq!(taken_by(&doses, &[log(1, 1, "2026-11-26T23:45:00Z")]), [1]);
    }

    #[test]
    fn statuses_follow_the_window_at_now() {
        let planned = at("2026-11-27T08:00:00Z");
        let taking = Some(Taking {
            log_id: id(1),
            taken_at: planned,
        });
        let cases = [
            ("2026-11-27T06:59:59.999Z", None, DoseStatus::Upcoming),
            ("2026-11-27T07:00:00Z", None, DoseStatus::Due),
            ("2026-11-27T10:00:00Z", None, DoseStatus::Due),
            ("2026-11-27T10:00:00.001Z", None, DoseStatus::Missed),
            ("2026-11-27T06:00:00Z", taking, DoseStatus::Taken),
            ("2026-11-28T10:00:00Z", taking, DoseStatus::Taken),
        ];
        for (now, taking, expected) in cases {
            assert_eq!(status(planned, taking, at(now)), expected, "{now}");
        }
    }

    /// Statuses of the doses on `from..=to`, matched from where the chain begins, as the
    /// endpoints do.
    fn statuses_in_range(
        schedule: &SchedulePlan,
        logs: &[LoggedDose],
        from: Date,
        to: Date,
    ) -> Vec<(String, Option<Id>)> {
        let tz = jiff::tz::TimeZone::UTC;
        let start = matching_start(std::slice::from_ref(schedule), &tz, from);
        let doses = planned_doses(std::slice::from_ref(schedule), &tz, start, to, 10_000)
            .expect("under the limit");
        let takings = match_doses(&doses, logs);
        doses
            .iter()
            .zip(takings)
            .filter(|(d, _)| d.local_date >= from)
            .map(|(d, t)| (d.planned_at.to_string(), t.map(|t| t.log_id)))
            .collect()
    }

    #[test]
    fn a_chain_of_doses_closer_than_the_window_matches_alike_whatever_the_range() {
        // Every 2 hours, and each dose taken 90 minutes late: each log is also eligible for the
        // next dose, so matching from anywhere but the chain's first dose shifts every log by one.
        let times: Vec<Time> = (0..12).map(|h| time(h * 2, 0, 0, 0)).collect();
        let schedule = SchedulePlan {
            schedule_id: id(90),
            medication_id: id(1),
            times,
            days_of_week: None,
            starts_on: date(2026, 11, 25),
            ends_on: None,
            stopped_at: None,
        };
        let mut logs = Vec::new();
        for day in 25..=27 {
            for hour in (0..24).step_by(2) {
                let n = u8::try_from(logs.len() + 1).expect("few logs");
                let taken = format!("2026-11-{day}T{hour:02}:00:00Z");
                let taken = at(&taken).plus_secs(90 * 60).to_string();
                logs.push(log(n, 1, &taken));
            }
        }
        let whole = statuses_in_range(&schedule, &logs, date(2026, 11, 25), date(2026, 11, 27));
        let middle = statuses_in_range(&schedule, &logs, date(2026, 11, 26), date(2026, 11, 26));
        let expected_middle: Vec<_> = whole
            .iter()
            .filter(|(planned, _)| planned.starts_with("2026-11-26"))
            .cloned()
            .collect();
        assert_eq!(middle, expected_middle);
        // From the chain's first dose, 00:00 takes the 01:30 log, 02:00 the 03:30 one, and so on:
        // midnight on the 26th takes its own log (the 13th), not the 23:30 one of the 25th.
        assert_eq!(whole[0].1, Some(id(1)));
        assert_eq!(middle[0].1, Some(id(13)));
        assert_eq!(middle.len(), 12);
    }
}
