//! Which local calendar day of a range an instant falls on, in a form the database can compute
//! while it groups.
//!
//! An instant's local wall-clock time is the instant plus the zone's UTC offset at that instant,
//! and its local day is that wall-clock time divided by 24 hours. The offset changes only at the
//! zone's transitions (daylight saving), and a range of at most 366 days holds very few of them,
//! so the range is cut into segments of one offset each: the database then needs one `CASE` over
//! a handful of instants, not a table of 367 day boundaries, and the days of a daylight-saving
//! change come out 23 or 25 hours long, as the bundled time-zone database says.

use jiff::{civil::Date as CivilDate, tz::TimeZone};

use super::model::DateRange;
use crate::types::Timestamp;

pub const DAY_MS: i64 = 86_400_000;

/// From `from` on (until the next segment), an instant's day index in the range is
/// `(instant_ms + shift_ms) / DAY_MS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: Timestamp,
    pub shift_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDays {
    /// The first instant of the range's first day.
    pub start: Timestamp,
    /// The first instant after the range's last day.
    pub end: Timestamp,
    /// In order; the first starts at `start`.
    pub segments: Vec<Segment>,
    pub days: usize,
}

fn start_of(date: CivilDate, tz: &TimeZone) -> Option<Timestamp> {
    // start_of_day, not midnight: in zones that change clocks at midnight, 00:00 may not exist.
    let zoned = date
        .to_zoned_datetime(tz.clone())
        .ok()?
        .start_of_day()
        .ok()?;
    Some(Timestamp::from_jiff(zoned.timestamp()))
}

impl LocalDays {
    /// None only for dates at the very edge of what the time-zone database covers.
    pub fn new(range: DateRange, tz: &TimeZone) -> Option<Self> {
        let start = start_of(range.from(), tz)?;
        let end = start_of(range.to().tomorrow().ok()?, tz)?;
        // Wall-clock milliseconds of the range's first local midnight, counted from 1970-01-01.
        let epoch_days = jiff::civil::date(1970, 1, 1)
            .until(range.from())
            .ok()?
            .get_days();
        let base = i64::from(epoch_days) * DAY_MS;
        let shift = |offset: jiff::tz::Offset| i64::from(offset.seconds()) * 1000 - base;
        let mut segments = vec![Segment {
            from: start,
            shift_ms: shift(tz.to_offset(start.to_jiff())),
        }];
        for transition in tz.following(start.to_jiff()) {
            let from = Timestamp::from_jiff(transition.timestamp());
            if from >= end {
                break;
            }
            segments.push(Segment {
                from,
                shift_ms: shift(transition.offset()),
            });
        }
        Some(Self {
            start,
            end,
            segments,
            days: range.days(),
        })
    }

    /// The index of the local day `at` falls on, the same arithmetic the store's SQL does;
    /// None outside the range.
    pub fn day_of(&self, at: Timestamp) -> Option<usize> {
        let segment = self.segments.iter().rev().find(|s| s.from <= at)?;
        let day = (at.as_millis() + segment.shift_ms).div_euclid(DAY_MS);
        usize::try_from(day).ok().filter(|d| *d < self.days)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("bundled tzdb")
    }

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    fn days(from: CivilDate, to: CivilDate, tz: &str) -> LocalDays {
        LocalDays::new(DateRange::new(from, to).expect("valid"), &zone(tz)).expect("in range")
    }

    #[test]
    fn instants_fall_on_their_local_day_across_daylight_saving_changes() {
        // Berlin moves to summer time on 2026-03-29 (a 23-hour day) and back on 2026-10-25.
        let spring = days(date(2026, 3, 28), date(2026, 3, 30), "Europe/Berlin");
        let autumn = days(date(2026, 10, 24), date(2026, 10, 26), "Europe/Berlin");
        let cases = [
            (&spring, "2026-03-27T23:59:59.999+01:00", None),
            (&spring, "2026-03-28T00:00:00+01:00", Some(0)),
            (&spring, "2026-03-28T23:59:59.999+01:00", Some(0)),
            (&spring, "2026-03-29T00:00:00+01:00", Some(1)),
            (&spring, "2026-03-29T01:59:59.999+01:00", Some(1)),
            (&spring, "2026-03-29T03:00:00+02:00", Some(1)),
            (&spring, "2026-03-29T23:30:00+02:00", Some(1)),
            (&spring, "2026-03-30T00:00:00+02:00", Some(2)),
            (&spring, "2026-03-30T23:59:59.999+02:00", Some(2)),
            (&spring, "2026-03-31T00:00:00+02:00", None),
            (&autumn, "2026-10-25T02:30:00+02:00", Some(1)),
            (&autumn, "2026-10-25T02:30:00+01:00", Some(1)),
            (&autumn, "2026-10-25T23:59:59.999+01:00", Some(1)),
            (&autumn, "2026-10-26T00:00:00+01:00", Some(2)),
        ];
        for (local_days, instant, expected) in cases {
            assert_eq!(local_days.day_of(at(instant)), expected, "{instant}");
        }
        assert_eq!(spring.segments.len(), 2);
        assert_eq!(
            spring.end.as_millis() - spring.start.as_millis(),
            (24 + 23 + 24) * 3_600_000
        );
        assert_eq!(
            autumn.end.as_millis() - autumn.start.as_millis(),
            (24 + 25 + 24) * 3_600_000
        );
    }

    #[test]
    fn zones_ahead_of_and_behind_utc_and_without_transitions() {
        let cases = [
            ("Pacific/Auckland", "2026-06-30T23:30:00Z", Some(1)),
            ("Pacific/Auckland", "2026-06-30T11:59:59.999Z", Some(0)),
            ("America/Los_Angeles", "2026-07-01T06:59:59.999Z", Some(0)),
            ("America/Los_Angeles", "2026-07-01T07:00:00Z", Some(1)),
            ("Asia/Kathmandu", "2026-06-30T18:15:00Z", Some(1)),
            ("Asia/Kathmandu", "2026-06-30T18:14:59.999Z", Some(0)),
            ("UTC", "2026-07-01T00:00:00Z", Some(1)),
        ];
        for (tz, instant, expected) in cases {
            let local_days = days(date(2026, 6, 30), date(2026, 7, 1), tz);
            assert_eq!(local_days.day_of(at(instant)), expected, "{tz} {instant}");
        }
        assert_eq!(
            days(date(2026, 1, 1), date(2026, 12, 31), "UTC")
                .segments
                .len(),
            1
        );
    }

    #[test]
    fn a_year_in_a_daylight_saving_zone_has_three_segments() {
        let year = days(date(2026, 1, 1), date(2026, 12, 31), "Europe/Berlin");
        assert_eq!(year.segments.len(), 3);
        assert_eq!(year.day_of(at("2026-12-31T23:59:59.999+01:00")), Some(364));
        assert_eq!(year.day_of(at("2026-07-01T00:00:00+02:00")), Some(181));
    }
}
