//! A schedule as a FHIR `Dosage` whose `timing.repeat` says when: at which times of day, on which
//! weekdays, between which dates, and how much. Pure, like the rest of the mapping.

use super::{
    mapping::dose_and_rate,
    resources::{CodeableConcept, Coding, Dosage, Period, Timing, TimingRepeat},
};
use crate::schedules::model::Schedule;

/// HL7's abbreviations for "n times a day" (`BID`, …).
const TIMING_ABBREVIATION: &str = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
/// FHIR's `days-of-week` codes, Monday first as ISO numbers them.
const WEEKDAY_CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The name of ISO weekday `day` (1 = Monday) in `names`.
fn weekday(names: &[&'static str; 7], day: i8) -> Option<&'static str> {
    let index = usize::try_from(day).ok()?.checked_sub(1)?;
    names.get(index).copied()
}

pub fn scheduled_dosage(schedule: &Schedule) -> Dosage {
    // The API keeps times as `HH:MM`; FHIR's `time` has seconds.
    let time_of_day = schedule
        .times
        .iter()
        .map(|time| format!("{time}:00"))
        .collect();
    let day_of_week = schedule
        .days_of_week
        .iter()
        .flatten()
        .filter_map(|&day| weekday(&WEEKDAY_CODES, day))
        .collect();
    let frequency = u32::try_from(schedule.times.len()).unwrap_or(u32::MAX);
    Dosage {
        text: Some(describe(schedule)),
        timing: Some(Timing {
            repeat: TimingRepeat {
                bounds_period: Some(Period {
                    start: Some(schedule.starts_on.to_string()),
                    end: schedule.ends_on.map(|date| date.to_string()),
                }),
                frequency,
                period: 1,
                period_unit: "d",
                day_of_week,
                time_of_day,
            },
            code: daily_abbreviation(schedule),
        }),
        dose_and_rate: dose_and_rate(schedule.dose_amount, schedule.dose_unit.as_deref()),
    }
}

/// `QD`, `BID`, `TID` or `QID` for a schedule of every day with one to four times: a reader that
/// knows only the abbreviation still reads the plan right (the times and dates are in `repeat`).
fn daily_abbreviation(schedule: &Schedule) -> Option<CodeableConcept> {
    if schedule.days_of_week.is_some() {
        return None;
    }
    let code = match schedule.times.len() {
        1 => "QD",
        2 => "BID",
        3 => "TID",
        4 => "QID",
        _ => return None,
    };
    Some(CodeableConcept {
        coding: vec![Coding {
            system: TIMING_ABBREVIATION,
            code,
        }],
        text: None,
    })
}

/// The plan in words, for systems that show a dosage's text and not its structure:
/// "400 mg at 08:00, 20:00 on Mon, Wed from 2026-01-01 to 2026-03-31".
fn describe(schedule: &Schedule) -> String {
    let mut text = String::new();
    if let Some(amount) = schedule.dose_amount {
        text.push_str(&amount.to_string());
        if let Some(unit) = &schedule.dose_unit {
            text.push(' ');
            text.push_str(unit);
        }
        text.push(' ');
    }
    text.push_str("at ");
    text.push_str(&schedule.times.join(", "));
    match &schedule.days_of_week {
        None => text.push_str(" every day"),
        Some(days) => {
            let names: Vec<&str> = days
                .iter()
                .filter_map(|&day| weekday(&WEEKDAY_NAMES, day))
                .collect();
            text.push_str(" on ");
            text.push_str(&names.join(", "));
        }
    }
    text.push_str(" from ");
    text.push_str(&schedule.starts_on.to_string());
    if let Some(end) = schedule.ends_on {
        text.push_str(" to ");
        text.push_str(&end.to_string());
    }
    text
}

#[cfg(test)]
#[path = "timing_tests.rs"]
mod tests;
