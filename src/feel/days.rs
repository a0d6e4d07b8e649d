//! Calendar days in a time zone, as instants. Days around daylight-saving changes are 23 or 25
//! hours long, so boundaries come from the time-zone database, never from adding 24 hours.

use jiff::{civil::Date, tz::TimeZone};

use crate::types::Timestamp;

/// `[yesterday_start, today_start)` is yesterday, `[today_start, tomorrow_start)` is the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoDays {
    pub yesterday_start: Timestamp,
    pub today_start: Timestamp,
    pub tomorrow_start: Timestamp,
}

/// The first instant of `date` in `tz`.
pub fn start_of(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    // start_of_day, not midnight: in zones that change clocks at midnight, 00:00 may not exist.
    let zoned = date
        .to_zoned_datetime(tz.clone())
        .ok()?
        .start_of_day()
        .ok()?;
    Some(Timestamp::from_jiff(zoned.timestamp()))
}

/// The instants bounding `date` and the day before it, in `tz`. None only for dates at the very
/// edge of the supported range.
pub fn two_days(date: Date, tz: &TimeZone) -> Option<TwoDays> {
    Some(TwoDays {
        yesterday_start: start_of(date.yesterday().ok()?, tz)?,
        today_start: start_of(date, tz)?,
        tomorrow_start: start_of(date.tomorrow().ok()?, tz)?,
    })
}

pub fn today_in(tz: &TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        jiff::tz::db().get("Europe/Berlin").expect("bundled tzdb")
    }

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("valid")
    }

    #[test]
    fn days_start_at_local_midnight() {
        let days = two_days(jiff::civil::date(2026, 11, 27), &berlin()).expect("in range");
        assert_eq!(days.today_start, at("2026-11-26T23:00:00Z"));
        assert_eq!(days.yesterday_start, at("2026-11-25T23:00:00Z"));
        assert_eq!(days.tomorrow_start, at("2026-11-27T23:00:00Z"));
    }

    #[test]
    fn half_past_eleven_local_belongs_to_the_local_day() {
        let days = two_days(jiff::civil::date(2026, 11, 27), &berlin()).expect("in range");
        // 23:30 in Berlin on the 26th is 22:30Z: yesterday. 23:30 on the 27th: today.
        let yesterday_late = at("2026-11-26T23:30:00+01:00");
        let today_late = at("2026-11-27T23:30:00+01:00");
        assert!(days.yesterday_start <= yesterday_late && yesterday_late < days.today_start);
        assert!(days.today_start <= today_late && today_late < days.tomorrow_start);
        // 00:30 on the 28th local is still 23:30Z on the 27th, yet tomorrow in Berlin.
        assert!(at("2026-11-28T00:30:00+01:00") >= days.tomorrow_start);
    }

    #[test]
    fn daylight_saving_days_are_23_and_25_hours_long() {
        let spring = two_days(jiff::civil::date(2026, 3, 29), &berlin()).expect("in range");
        let hours = |a: Timestamp, b: Timestamp| (b.as_millis() - a.as_millis()) / 3_600_000;
        assert_eq!(hours(spring.today_start, spring.tomorrow_start), 23);
        assert_eq!(hours(spring.yesterday_start, spring.today_start), 24);
        let autumn = two_days(jiff::civil::date(2026, 10, 25), &berlin()).expect("in range");
        assert_eq!(hours(autumn.today_start, autumn.tomorrow_start), 25);
    }
}
