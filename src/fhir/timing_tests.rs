use serde_json::{Value, json};

use super::*;
use crate::types::{Date, Id, Timestamp};

fn date(raw: &str) -> Date {
    Date::parse(raw).expect("a date")
}

fn schedule(times: &[&str], days_of_week: Option<Vec<i8>>, ends_on: Option<&str>) -> Schedule {
    let made = Timestamp::from_millis(1_767_225_600_000);
    Schedule {
        id: Id(uuid::Uuid::from_u128(10)),
        medication_id: Id(uuid::Uuid::from_u128(6)),
        times: times.iter().map(|&time| time.to_owned()).collect(),
        days_of_week,
        starts_on: date("2026-01-01"),
        ends_on: ends_on.map(date),
        dose_amount: Some(400.0),
        dose_unit: Some("mg".into()),
        created_at: made,
        updated_at: made,
    }
}

fn json_of(schedule: &Schedule) -> Value {
    serde_json::to_value(scheduled_dosage(schedule)).expect("serializable")
}

#[test]
fn a_schedule_on_some_weekdays_is_a_timing_with_its_times_days_dates_and_dose() {
    let plan = schedule(&["08:00", "20:30"], Some(vec![1, 3, 7]), Some("2026-03-31"));
    assert_eq!(
        json_of(&plan),
        json!({
            "text": "400 mg at 08:00, 20:30 on Mon, Wed, Sun from 2026-01-01 to 2026-03-31",
            "timing": {"repeat": {
                "boundsPeriod": {"start": "2026-01-01", "end": "2026-03-31"},
                "frequency": 2, "period": 1, "periodUnit": "d",
                "dayOfWeek": ["mon", "wed", "sun"],
                "timeOfDay": ["08:00:00", "20:30:00"]}},
            "doseAndRate": [{"doseQuantity": {"value": 400.0, "unit": "mg"}}]})
    );
}

#[test]
fn a_schedule_of_every_day_has_no_weekdays_and_its_abbreviation() {
    let dosage = json_of(&schedule(&["08:00", "20:00"], None, None));
    let timing = &dosage["timing"];
    assert!(timing["repeat"].get("dayOfWeek").is_none(), "{timing}");
    assert_eq!(
        timing["code"],
        json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "BID"}]})
    );
    assert_eq!(
        dosage["text"],
        json!("400 mg at 08:00, 20:00 every day from 2026-01-01")
    );
}

#[test]
fn an_open_schedule_has_a_period_without_end() {
    let dosage = json_of(&schedule(&["08:00"], None, None));
    assert_eq!(
        dosage["timing"]["repeat"]["boundsPeriod"],
        json!({"start": "2026-01-01"})
    );
}

#[test]
fn the_abbreviation_names_one_to_four_times_a_day_and_nothing_else() {
    let times = ["06:00", "10:00", "14:00", "18:00", "22:00"];
    let codes: Vec<Value> = (1..=5)
        .map(|n| {
            json_of(&schedule(&times[..n], None, None))["timing"]["code"]["coding"][0]["code"]
                .clone()
        })
        .collect();
    assert_eq!(
        codes,
        [
            json!("QD"),
            json!("BID"),
            json!("TID"),
            json!("QID"),
            Value::Null
        ]
    );
    let weekly = json_of(&schedule(&["08:00"], Some(vec![6]), None));
    assert!(weekly["timing"].get("code").is_none(), "{weekly}");
    assert_eq!(weekly["timing"]["repeat"]["frequency"], json!(1));
}

#[test]
fn a_schedule_without_a_dose_has_no_dose_and_a_unit_alone_is_no_dose() {
    let mut plan = schedule(&["08:00"], None, None);
    plan.dose_amount = None;
    let dosage = json_of(&plan);
    assert!(dosage.get("doseAndRate").is_none(), "{dosage}");
    assert_eq!(dosage["text"], json!("at 08:00 every day from 2026-01-01"));
    plan.dose_unit = None;
    plan.dose_amount = Some(1.5);
    assert_eq!(
        json_of(&plan)["doseAndRate"],
        json!([{"doseQuantity": {"value": 1.5}}])
    );
}
