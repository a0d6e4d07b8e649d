//! What the report shows, put together from the day tallies, the passport and the most severe
//! logs: plain values in display order, so the page template only lays them out.

use std::collections::HashMap;

use jiff::{civil::Date as CivilDate, tz::TimeZone};

use super::store::SevereLog;
use crate::{
    passport::view::model::Passport,
    schedules::{
        doses::{MedicationAdherence, Tally},
        model::Schedule,
    },
    symptoms::rules::severity_label,
    trends::{
        buckets::{Buckets, MedicationDay, SymptomDay, mean, symptom_series},
        model::{BucketSize, DateRange},
    },
    types::{Id, Timestamp},
};

pub struct Report {
    /// The display name, else the masked email.
    pub person: String,
    pub from: CivilDate,
    pub to: CivilDate,
    pub days: usize,
    pub timezone: String,
    /// When the report was made, in the account's time zone.
    pub generated: String,
    pub passport: Passport,
    /// The schedules of each medication (by id) in force during the range or after it.
    pub plans: HashMap<Id, Vec<PlanLine>>,
    /// Doses decided (taken or missed) over the range, of every scheduled medication.
    pub adherence: Tally,
    /// One per medication with a dose planned in the range, by name.
    pub adherence_by_medication: Vec<MedicationAdherence>,
    /// One per symptom type logged in the range, by name.
    pub charts: Vec<SymptomChart>,
    /// By severity, then newest first.
    pub most_severe: Vec<SevereEntry>,
    /// One per medication logged in the range, by name.
    pub effectiveness: Vec<Effectiveness>,
}

/// One schedule of a medication, as the passport lists it.
#[derive(Debug, PartialEq)]
pub struct PlanLine {
    /// `08:00, 20:00`.
    pub times: String,
    /// `every day`, or the weekdays: `Mon, Wed, Fri`.
    pub days: String,
    /// `400 mg`, when the schedule names an amount.
    pub dose: Option<String>,
    /// `from 2026-11-02`, or `from 2026-11-02 to 2026-11-05`.
    pub dates: String,
}

pub struct SymptomChart {
    pub name: String,
    pub logs: i64,
    pub mean_severity: Option<f64>,
    pub max_severity: Option<i32>,
    /// The mean severity of each day of the range; None where nothing was logged.
    pub daily: Vec<Option<f64>>,
}

pub struct SevereEntry {
    /// Local date and time of `started_at`.
    pub when: String,
    pub symptom: String,
    pub severity: i32,
    pub label: &'static str,
    pub duration: Option<String>,
    pub notes: Option<String>,
}

pub struct Effectiveness {
    pub name: String,
    pub logs: i64,
    pub rated: i64,
    pub mean: Option<f64>,
}

/// Everything [`assemble`] needs.
pub struct Inputs<'a> {
    pub display_name: Option<&'a str>,
    pub email: &'a str,
    pub range: DateRange,
    pub timezone: &'a str,
    pub tz: &'a TimeZone,
    pub generated_at: Timestamp,
    pub passport: Passport,
    /// Every schedule of the account.
    pub schedules: Vec<Schedule>,
    pub adherence: (Tally, Vec<MedicationAdherence>),
    pub symptoms: &'a [SymptomDay],
    pub medications: &'a [MedicationDay],
    pub most_severe: Vec<SevereLog>,
}

pub fn local_time(at: Timestamp, tz: &TimeZone) -> String {
    at.to_jiff()
        .to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn duration(minutes: i32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub fn assemble(inputs: Inputs<'_>) -> Report {
    let days = Buckets::new(inputs.range, BucketSize::Day);
    // (logs, severity sum, severity maximum) per symptom type over the whole range.
    let mut symptom_totals: HashMap<Id, (i64, i64, i32)> = HashMap::new();
    for row in inputs.symptoms {
        let total = symptom_totals.entry(row.symptom_type_id).or_default();
        total.0 += row.logs;
        total.1 += row.severity_sum;
        total.2 = total.2.max(row.severity_max);
    }
    let charts = symptom_series(inputs.symptoms, &days)
        .into_iter()
        .map(|series| {
            let (logs, sum, max) = symptom_totals
                .get(&series.symptom_type_id)
                .copied()
                .unwrap_or_default();
            SymptomChart {
                name: series.name,
                logs,
                mean_severity: mean(sum, logs),
                max_severity: (logs > 0).then_some(max),
                daily: series.points.iter().map(|p| p.mean_severity).collect(),
            }
        })
        .collect();
    let effectiveness = effectiveness(inputs.medications);
    let most_severe = inputs
        .most_severe
        .into_iter()
        .map(|log| SevereEntry {
            when: local_time(log.started_at, inputs.tz),
            symptom: log.symptom_name,
            severity: log.severity,
            label: severity_label(log.severity),
            duration: log.duration_minutes.map(duration),
            notes: log.notes,
        })
        .collect();
    Report {
        person: match inputs.display_name {
            Some(name) => name.to_owned(),
            None => crate::auth::email::mask(inputs.email),
        },
        from: inputs.range.from(),
        to: inputs.range.to(),
        days: inputs.range.days(),
        timezone: inputs.timezone.to_owned(),
        generated: local_time(inputs.generated_at, inputs.tz),
        passport: inputs.passport,
        plans: plan_lines(inputs.schedules, inputs.range.from()),
        adherence: inputs.adherence.0,
        adherence_by_medication: inputs.adherence.1,
        charts,
        most_severe,
        effectiveness,
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Each medication's schedules that have not ended before `from` (those explain the range's
/// doses, and the current plan), by first day as the store reads them.
pub fn plan_lines(schedules: Vec<Schedule>, from: CivilDate) -> HashMap<Id, Vec<PlanLine>> {
    let mut plans: HashMap<Id, Vec<PlanLine>> = HashMap::new();
    for schedule in schedules {
        if schedule.ends_on.is_some_and(|end| end.0 < from) {
            continue;
        }
        let days = match &schedule.days_of_week {
            None => "every day".to_owned(),
            Some(days) => days
                .iter()
                .filter_map(|&day| WEEKDAYS.get(usize::try_from(day).ok()?.checked_sub(1)?))
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        };
        let dose = schedule
            .dose_amount
            .map(|amount| match &schedule.dose_unit {
                Some(unit) => format!("{amount} {unit}"),
                None => amount.to_string(),
            });
        let dates = match schedule.ends_on {
            Some(end) => format!("from {} to {end}", schedule.starts_on),
            None => format!("from {}", schedule.starts_on),
        };
        plans
            .entry(schedule.medication_id)
            .or_default()
            .push(PlanLine {
                times: schedule.times.join(", "),
                days,
                dose,
                dates,
            });
    }
    plans
}

/// Each medication logged in the range, by name: its logs and the mean of their ratings.
fn effectiveness(rows: &[MedicationDay]) -> Vec<Effectiveness> {
    let mut by_medication: HashMap<Id, (&str, Effectiveness, i64)> = HashMap::new();
    for row in rows {
        let (_, entry, sum) = by_medication.entry(row.medication_id).or_insert_with(|| {
            let empty = Effectiveness {
                name: row.name.clone(),
                logs: 0,
                rated: 0,
                mean: None,
            };
            (row.name_key.as_str(), empty, 0)
        });
        entry.logs += row.logs;
        entry.rated += row.effectiveness_rated;
        *sum += row.effectiveness_sum;
    }
    let mut list: Vec<_> = by_medication.into_iter().collect();
    list.sort_by(|a, b| (a.1.0, a.0).cmp(&(b.1.0, b.0)));
    list.into_iter()
        .map(|(_, (_, mut entry, sum))| {
            entry.mean = mean(sum, entry.rated);
            entry
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Date;

    fn schedule(medication: u128, starts_on: &str, ends_on: Option<&str>) -> Schedule {
        let made = Timestamp::from_millis(0);
        Schedule {
            id: Id(uuid::Uuid::from_u128(100 + medication)),
            medication_id: Id(uuid::Uuid::from_u128(medication)),
            times: vec!["08:00".into(), "20:00".into()],
            days_of_week: Some(vec![1, 3, 7]),
            starts_on: Date::parse(starts_on).expect("a date"),
            ends_on: ends_on.and_then(Date::parse),
            dose_amount: Some(1.5),
            dose_unit: Some("tablets".into()),
            created_at: made,
            updated_at: made,
        }
    }

    #[test]
    fn plans_list_times_days_dose_and_dates_of_schedules_not_ended_before_the_range() {
        let mut every_day = schedule(2, "2026-12-01", None);
        every_day.days_of_week = None;
        every_day.dose_amount = None;
        let plans = plan_lines(
            vec![
                schedule(1, "2026-10-01", Some("2026-10-31")),
                schedule(1, "2026-11-01", Some("2026-11-01")),
                every_day,
            ],
            jiff::civil::date(2026, 11, 1),
        );
        let first = Id(uuid::Uuid::from_u128(1));
        assert_eq!(
            plans[&first],
            [PlanLine {
                times: "08:00, 20:00".into(),
                days: "Mon, Wed, Sun".into(),
                dose: Some("1.5 tablets".into()),
                dates: "from 2026-11-01 to 2026-11-01".into(),
            }],
            "the schedule that ended the day before the range is left out"
        );
        let second = &plans[&Id(uuid::Uuid::from_u128(2))];
        assert_eq!(second[0].days, "every day");
        assert_eq!(second[0].dose, None);
        assert_eq!(second[0].dates, "from 2026-12-01");
    }
}
