//! Planned doses: a schedule's local dates and times, turned into instants in the account's time
//! zone. Nothing here is stored; a change of time zone or schedule simply plans again.

use jiff::{
    civil::{Date, DateTime, Time},
    tz::TimeZone,
};

use crate::types::{Id, Timestamp};

/// What planning needs to know of one schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulePlan {
    pub schedule_id: Id,
    pub medication_id: Id,
    /// Local times of day, sorted and distinct.
    pub times: Vec<Time>,
    /// ISO weekdays (1 = Monday) the schedule runs on; `None` is every day.
    pub days_of_week: Option<Vec<i8>>,
    pub starts_on: Date,
    /// Inclusive.
    pub ends_on: Option<Date>,
    /// When the medication was deactivated after this schedule was last set: doses planned
    /// after that moment are dropped.
    pub stopped_at: Option<Timestamp>,
}

impl SchedulePlan {
    fn runs_on(&self, date: Date) -> bool {
        date >= self.starts_on
            && self.ends_on.is_none_or(|end| date <= end)
            && self
                .days_of_week
                .as_ref()
                .is_none_or(|days| days.contains(&date.weekday().to_monday_one_offset()))
    }
}

/// One dose as planned: the local date and time written in the schedule, and the instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedDose {
    pub schedule_id: Id,
    pub medication_id: Id,
    pub local_date: Date,
    /// The time as written in the schedule, even on a day when the clock skips it.
    pub local_time: Time,
    pub planned_at: Timestamp,
}

/// The instant of a local date and time in `tz`. A time in the spring-forward gap is taken at
/// the offset before the gap (02:30 becomes 03:30 summer time); a time that occurs twice in the
/// autumn is taken at its first occurrence. `None` only at the edge of the supported range.
pub fn instant_of(date: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    let local = DateTime::from_parts(date, time);
    let instant = tz.to_ambiguous_timestamp(local).compatible().ok()?;
    Some(Timestamp::from_jiff(instant))
}

/// Calls `each` with every dose of `schedules` whose local date lies in `from..=to`, date by
/// date; stops early (and returns `false`) when `each` returns `false`.
fn walk(
    schedules: &[SchedulePlan],
    tz: &TimeZone,
    from: Date,
    to: Date,
    mut each: impl FnMut(PlannedDose) -> bool,
) -> bool {
    let first = schedules.iter().map(|s| s.starts_on).min();
    let Some(first) = first else {
        return true;
    };
    let mut date = from.max(first);
    while date <= to {
        for schedule in schedules.iter().filter(|s| s.runs_on(date)) {
            for &time in &schedule.times {
                let Some(planned_at) = instant_of(date, time, tz) else {
                    continue;
                };
                if schedule.stopped_at.is_some_and(|stop| planned_at > stop) {
                    continue;
                }
                let dose = PlannedDose {
                    schedule_id: schedule.schedule_id,
                    medication_id: schedule.medication_id,
                    local_date: date,
                    local_time: time,
                    planned_at,
                };
                if !each(dose) {
                    return false;
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    true
}

/// Sorts doses by planned instant, then schedule id: the order in which doses take logs.
pub fn sort_for_matching(doses: &mut [PlannedDose]) {
    doses.sort_by_key(|d| (d.planned_at, d.schedule_id));
}

/// Every dose planned for a local date in `from..=to`, ordered by planned instant, then schedule
/// id; `None` when there would be more than `limit`.
pub fn planned_doses(
    schedules: &[SchedulePlan],
    tz: &TimeZone,
    from: Date,
    to: Date,
    limit: usize,
) -> Option<Vec<PlannedDose>> {
    let mut doses = Vec::new();
    let complete = walk(schedules, tz, from, to, |dose| {
        doses.push(dose);
        doses.len() <= limit
    });
    if !complete {
        return None;
    }
    sort_for_matching(&mut doses);
    Some(doses)
}

/// Two doses of one medication whose taking windows overlap are at most this far apart: a log
/// may then be eligible for both, so the earlier one's match decides the later one's.
pub const CHAIN_GAP_MILLIS: i64 =
    (super::matching::EARLY_MINUTES + super::matching::LATE_MINUTES) * 60_000;

/// The local date from which doses must be matched so that every dose on `from` or later gets
/// the status it would get in any other range: the date of the first dose of the earliest chain
/// of overlapping windows that reaches into the range. Usually `from` itself, or the day before
/// when a dose late at night shares a log with one early the next morning.
pub fn matching_start(schedules: &[SchedulePlan], tz: &TimeZone, from: Date) -> Date {
    let mut by_medication: Vec<Id> = schedules.iter().map(|s| s.medication_id).collect();
    by_medication.sort();
    by_medication.dedup();
    by_medication
        .into_iter()
        .map(|medication| {
            let own: Vec<SchedulePlan> = schedules
                .iter()
                .filter(|s| s.medication_id == medication)
                .cloned()
                .collect();
            chain_start(&own, tz, from)
        })
        .min()
        .unwrap_or(from)
}

/// `matching_start` for the schedules of one medication.
fn chain_start(schedules: &[SchedulePlan], tz: &TimeZone, from: Date) -> Date {
    let day = |date: Date| {
        let mut doses = Vec::new();
        walk(schedules, tz, date, date, |dose| {
            doses.push(dose.planned_at);
            true
        });
        doses.sort();
        doses
    };
    let first_start = schedules.iter().map(|s| s.starts_on).min();
    // Without a dose on `from`, the first dose in range is a whole day (23 hours at least) after
    // any dose before it: no window reaches across.
    let Some(mut earliest) = day(from).first().copied() else {
        return from;
    };
    let mut start = from;
    loop {
        let Ok(previous) = start.yesterday() else {
            return start;
        };
        if first_start.is_none_or(|first| previous < first) {
            return start;
        }
        let doses = day(previous);
        let mut reached_first = false;
        for (index, &planned_at) in doses.iter().enumerate().rev() {
            if earliest.as_millis() - planned_at.as_millis() > CHAIN_GAP_MILLIS {
                break;
            }
            earliest = planned_at;
            reached_first = index == 0;
            start = previous;
        }
        if !reached_first {
            return start;
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};

    use super::*;

    fn tz(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("bundled tzdb")
    }

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    fn schedule(times: &[Time], starts_on: Date) -> SchedulePlan {
        SchedulePlan {
            schedule_id: Id::new(),
            medication_id: Id::new(),
            times: times.to_vec(),
            days_of_week: None,
            starts_on,
            ends_on: None,
            stopped_at: None,
        }
    }

    fn plan(schedules: &[SchedulePlan], zone: &str, from: Date, to: Date) -> Vec<String> {
        planned_doses(schedules, &tz(zone), from, to, 10_000)
            .expect("under the limit")
            .iter()
            .map(|d| format!("{} {} {}", d.local_date, d.local_time, d.planned_at))
            .collect()
    }

    #[test]
    fn every_day_plans_each_time_on_each_date() {
        let s = schedule(&[time(8, 0, 0, 0), time(20, 0, 0, 0)], date(2026, 11, 1));
        let doses = plan(
            &[s],
            "Europe/Berlin",
            date(2026, 11, 27),
            date(2026, 11, 28),
        );
        assert_eq!(
            doses,
            [
                "2026-11-27 08:00:00 2026-11-27T07:00:00.000Z",
                "2026-11-27 20:00:00 2026-11-27T19:00:00.000Z",
                "2026-11-28 08:00:00 2026-11-28T07:00:00.000Z",
                "2026-11-28 20:00:00 2026-11-28T19:00:00.000Z",
            ]
        );
    }

    #[test]
    fn weekdays_starts_on_and_ends_on_bound_the_dates() {
        type Case<'a> = (Option<Vec<i8>>, Date, Option<Date>, &'a [&'a str]);
        let cases: &[Case] = &[
            // 2026-11-23 is a Monday.
            (
                Some(vec![1, 3]),
                date(2026, 11, 1),
                None,
                &["2026-11-23", "2026-11-25"],
            ),
            (Some(vec![7]), date(2026, 11, 1), None, &["2026-11-29"]),
            (
                None,
                date(2026, 11, 26),
                Some(date(2026, 11, 27)),
                &["2026-11-26", "2026-11-27"],
            ),
            (None, date(2026, 12, 1), None, &[]),
            (None, date(2026, 1, 1), Some(date(2026, 11, 22)), &[]),
        ];
        for (days, starts_on, ends_on, expected) in cases {
            let mut s = schedule(&[time(9, 0, 0, 0)], *starts_on);
            s.days_of_week = days.clone();
            s.ends_on = *ends_on;
            let dates: Vec<String> = planned_doses(
                &[s],
                &tz("UTC"),
                date(2026, 11, 23),
                date(2026, 11, 29),
                100,
            )
            .expect("under the limit")
            .iter()
            .map(|d| d.local_date.to_string())
            .collect();
            assert_eq!(dates, *expected, "{days:?} {starts_on} {ends_on:?}");
        }
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_is_planned_after_the_gap() {
        let s = schedule(&[time(2, 30, 0, 0), time(8, 0, 0, 0)], date(2026, 1, 1));
        let doses = plan(&[s], "Europe/Berlin", date(2026, 3, 29), date(2026, 3, 29));
        assert_eq!(
            doses,
            [
                // 02:30 does not exist on that day: 03:30 CEST, written as 02:30.
                "2026-03-29 02:30:00 2026-03-29T01:30:00.000Z",
                "2026-03-29 08:00:00 2026-03-29T06:00:00.000Z",
            ]
        );
    }

    #[test]
    fn a_time_that_occurs_twice_in_autumn_is_planned_once_at_its_first_occurrence() {
        let s = schedule(&[time(2, 30, 0, 0)], date(2026, 1, 1));
        let doses = plan(
            &[s],
            "Europe/Berlin",
            date(2026, 10, 24),
            date(2026, 10, 26),
        );
        assert_eq!(
            doses,
            [
                "2026-10-24 02:30:00 2026-10-24T00:30:00.000Z",
                // 02:30 CEST (UTC+2), not 02:30 CET an hour later.
                "2026-10-25 02:30:00 2026-10-25T00:30:00.000Z",
                "2026-10-26 02:30:00 2026-10-26T01:30:00.000Z",
            ]
        );
    }

    #[test]
    fn a_change_of_time_zone_plans_the_same_local_times_at_other_instants() {
        let s = schedule(&[time(8, 0, 0, 0)], date(2026, 1, 1));
        let day = date(2026, 11, 27);
        let cases = [
            ("UTC", "2026-11-27T08:00:00.000Z"),
            ("Europe/Berlin", "2026-11-27T07:00:00.000Z"),
            ("America/New_York", "2026-11-27T13:00:00.000Z"),
            ("Asia/Tokyo", "2026-11-26T23:00:00.000Z"),
        ];
        for (zone, instant) in cases {
            let doses = plan(std::slice::from_ref(&s), zone, day, day);
            assert_eq!(doses, [format!("2026-11-27 08:00:00 {instant}")], "{zone}");
        }
    }

    #[test]
    fn a_range_across_the_year_end_continues_into_january() {
        let mut s = schedule(&[time(21, 0, 0, 0)], date(2026, 12, 30));
        s.ends_on = Some(date(2027, 1, 1));
        let doses = plan(&[s], "Europe/Berlin", date(2026, 12, 1), date(2027, 1, 31));
        assert_eq!(
            doses,
            [
                "2026-12-30 21:00:00 2026-12-30T20:00:00.000Z",
                "2026-12-31 21:00:00 2026-12-31T20:00:00.000Z",
                "2027-01-01 21:00:00 2027-01-01T20:00:00.000Z",
            ]
        );
    }

    #[test]
    fn doses_after_the_medication_was_stopped_are_dropped() {
        let mut s = schedule(&[time(8, 0, 0, 0), time(20, 0, 0, 0)], date(2026, 1, 1));
        s.ends_on = Some(date(2026, 11, 27));
        s.stopped_at = Some(at("2026-11-27T12:00:00Z"));
        let doses = plan(&[s], "UTC", date(2026, 11, 27), date(2026, 11, 27));
        assert_eq!(doses, ["2026-11-27 08:00:00 2026-11-27T08:00:00.000Z"]);
    }

    #[test]
    fn doses_are_ordered_by_instant_then_schedule_across_schedules() {
        let mut a = schedule(&[time(8, 0, 0, 0)], date(2026, 1, 1));
        let mut b = schedule(&[time(7, 0, 0, 0), time(8, 0, 0, 0)], date(2026, 1, 1));
        a.schedule_id = Id::parse("00000000-0000-7000-8000-000000000002").expect("uuid");
        b.schedule_id = Id::parse("00000000-0000-7000-8000-000000000001").expect("uuid");
        let day = date(2026, 11, 27);
        let doses = planned_doses(&[a.clone(), b.clone()], &tz("UTC"), day, day, 10)
            .expect("under the limit");
        let order: Vec<(Id, String)> = doses
            .iter()
            .map(|d| (d.schedule_id, d.local_time.to_string()))
            .collect();
        assert_eq!(
            order,
            [
                (b.schedule_id, "07:00:00".into()),
                (b.schedule_id, "08:00:00".into()),
                (a.schedule_id, "08:00:00".into()),
            ]
        );
    }

    #[test]
    fn more_doses_than_the_limit_is_refused() {
        let s = schedule(&[time(8, 0, 0, 0), time(20, 0, 0, 0)], date(2026, 1, 1));
        let (from, to) = (date(2026, 11, 1), date(2026, 11, 5));
        assert!(planned_doses(std::slice::from_ref(&s), &tz("UTC"), from, to, 10).is_some());
        assert!(planned_doses(&[s], &tz("UTC"), from, to, 9).is_none());
    }

    #[test]
    fn matching_starts_at_the_first_dose_of_the_chain_reaching_into_the_range() {
        let every_two_hours: Vec<Time> = (0..12).map(|h| time(h * 2, 0, 0, 0)).collect();
        let cases: &[(&[Time], Date, Date)] = &[
            // Windows 12 hours apart never touch.
            (
                &[time(8, 0, 0, 0), time(20, 0, 0, 0)],
                date(2026, 11, 1),
                date(2026, 11, 20),
            ),
            // 23:00 and 01:00 are two hours apart: the chain begins the evening before.
            (
                &[time(1, 0, 0, 0), time(23, 0, 0, 0)],
                date(2026, 11, 1),
                date(2026, 11, 19),
            ),
            // Doses every 2 hours form one chain back to the schedule's first day.
            (&every_two_hours, date(2026, 11, 10), date(2026, 11, 10)),
            // Nothing planned on the first day of the range.
            (&[time(8, 0, 0, 0)], date(2026, 11, 21), date(2026, 11, 20)),
        ];
        for (times, starts_on, expected) in cases {
            let s = schedule(times, *starts_on);
            let start = matching_start(&[s], &tz("Europe/Berlin"), date(2026, 11, 20));
            assert_eq!(start, *expected, "{times:?}");
        }
    }

    #[test]
    fn matching_starts_at_the_earliest_chain_of_any_medication() {
        let late = schedule(&[time(0, 30, 0, 0), time(22, 0, 0, 0)], date(2026, 1, 1));
        let plain = schedule(&[time(12, 0, 0, 0)], date(2026, 1, 1));
        let start = matching_start(&[plain, late], &tz("UTC"), date(2026, 11, 20));
        assert_eq!(start, date(2026, 11, 19));
    }
}
