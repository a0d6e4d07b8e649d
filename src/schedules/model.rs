//! The `schedule` resource: what the API shows, how a request body becomes one, and how it is
//! kept in a row.

use jiff::civil::Time;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::plan::SchedulePlan;
use crate::{
    error::{ApiError, FieldError},
    input::{self, Fields, Patch},
    medications::logs::model::dose_amount,
    types::{Date, Id, Timestamp},
};

const TIMES_MAX: usize = 12;
const DOSE_UNIT_MAX: usize = 20;
/// Schedule dates are kept within this century: how far back doses must be matched follows the
/// schedule's first day, so a first day in antiquity would make every answer walk millennia.
const FIRST_DATE: jiff::civil::Date = jiff::civil::date(2000, 1, 1);
const LAST_DATE: jiff::civil::Date = jiff::civil::date(2099, 12, 31);

/// A medication's plan: at which local times, on which weekdays, from when until when.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
    "medication_id": "019a6b2e-6a00-7b3a-8c1d-1a2b3c4d5e6f", "times": ["08:00", "20:00"],
    "days_of_week": null, "starts_on": "2026-11-27", "ends_on": null, "dose_amount": 400.0,
    "dose_unit": "mg", "created_at": "2026-11-27T08:30:00.123Z", "updated_at": "2026-11-27T08:30:00.123Z"}))]
pub struct Schedule {
    pub id: Id,
    pub medication_id: Id,
    /// Local times of day (`HH:MM`) in the account's time zone, sorted.
    #[schema(example = json!(["08:00", "20:00"]))]
    pub times: Vec<String>,
    /// ISO weekdays (1 = Monday … 7 = Sunday), sorted; `null` is every day.
    #[schema(example = json!([1, 3, 5]))]
    pub days_of_week: Option<Vec<i8>>,
    pub starts_on: Date,
    /// The last day (inclusive); `null` runs without end.
    pub ends_on: Option<Date>,
    #[schema(example = 400.0)]
    pub dose_amount: Option<f64>,
    #[schema(example = "mg")]
    pub dose_unit: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /api/v1/medications/{id}/schedules`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct ScheduleInput {
    /// 1 to 12 distinct local times of day, each exactly `HH:MM` (`00:00` to `23:59`).
    #[schema(example = json!(["08:00", "20:00"]), min_items = 1, max_items = 12)]
    times: Vec<String>,
    /// 1 to 7 distinct ISO weekdays (1 = Monday); absent or `null` is every day.
    #[schema(example = json!([1, 3, 5]), min_items = 1, max_items = 7)]
    days_of_week: Option<Vec<i8>>,
    /// Defaults to today in the account's time zone.
    starts_on: Option<Date>,
    /// The last day (inclusive), on or after `starts_on`.
    ends_on: Option<Date>,
    /// Greater than 0.
    #[schema(example = 400.0, exclusive_minimum = 0.0)]
    dose_amount: Option<f64>,
    #[schema(example = "mg", max_length = 20)]
    dose_unit: Option<String>,
}

/// Body of `PATCH /api/v1/schedules/{id}` (JSON Merge Patch): an absent field is unchanged,
/// `null` clears an optional field; `times` and `starts_on` cannot be `null`, and `days_of_week:
/// null` means every day.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct SchedulePatchInput {
    #[schema(example = json!(["07:30", "19:30"]), min_items = 1, max_items = 12)]
    times: Option<Vec<String>>,
    #[schema(example = json!([1, 2, 3, 4, 5]), min_items = 1, max_items = 7)]
    days_of_week: Option<Vec<i8>>,
    starts_on: Option<Date>,
    ends_on: Option<Date>,
    #[schema(example = 200.0, exclusive_minimum = 0.0)]
    dose_amount: Option<f64>,
    #[schema(example = "mg", max_length = 20)]
    dose_unit: Option<String>,
}

/// Every column a request can set: what is inserted, or the result of a merge patch.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleFields {
    pub times: Vec<Time>,
    pub days_of_week: Option<Vec<i8>>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub dose_amount: Option<f64>,
    pub dose_unit: Option<String>,
}

/// `HH:MM`, two digits each: `8:00`, `24:00` and `08:00:00` are refused.
fn local_time(raw: &str) -> Option<Time> {
    let bytes = raw.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return None;
    }
    let two_digits = |at: usize| -> Option<i8> {
        let (tens, ones) = (bytes[at], bytes[at + 1]);
        (tens.is_ascii_digit() && ones.is_ascii_digit())
            .then(|| i8::try_from((tens - b'0') * 10 + (ones - b'0')).ok())
            .flatten()
    };
    Time::new(two_digits(0)?, two_digits(3)?, 0, 0).ok()
}

fn render_time(time: Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

fn times(value: &Value) -> Result<Vec<Time>, String> {
    const RULE: &str = "must be a list of 1 to 12 distinct times of day written HH:MM";
    let items = value.as_array().ok_or(RULE)?;
    if items.is_empty() || items.len() > TIMES_MAX {
        return Err(RULE.into());
    }
    let mut times = items
        .iter()
        .map(|item| item.as_str().and_then(local_time))
        .collect::<Option<Vec<Time>>>()
        .ok_or(RULE)?;
    times.sort();
    let count = times.len();
    times.dedup();
    if times.len() != count {
        return Err(RULE.into());
    }
    Ok(times)
}

fn days_of_week(value: &Value) -> Result<Vec<i8>, String> {
    const RULE: &str =
        "must be null (every day) or a list of 1 to 7 distinct weekdays from 1 (Monday) to 7";
    let items = value.as_array().ok_or(RULE)?;
    let mut days = items
        .iter()
        .map(|item| {
            item.as_i64()
                .filter(|day| (1..=7).contains(day))
                .and_then(|day| i8::try_from(day).ok())
        })
        .collect::<Option<Vec<i8>>>()
        .ok_or(RULE)?;
    days.sort_unstable();
    let count = days.len();
    days.dedup();
    if days.is_empty() || days.len() != count {
        return Err(RULE.into());
    }
    Ok(days)
}

fn schedule_date(value: &Value) -> Result<Date, String> {
    let date = input::date(value)?;
    if date.0 < FIRST_DATE || date.0 > LAST_DATE {
        return Err(format!("must lie between {FIRST_DATE} and {LAST_DATE}"));
    }
    Ok(date)
}

impl ScheduleFields {
    /// `today` (in the account's time zone) is the default first day.
    pub fn parse(body: Map<String, Value>, today: Date) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let times = fields.required("times", times);
        let days_of_week = fields.optional("days_of_week", days_of_week);
        let starts_on = fields.optional("starts_on", schedule_date);
        let ends_on = fields.optional("ends_on", schedule_date);
        let dose_amount = fields.optional("dose_amount", dose_amount);
        let dose_unit = fields.optional_text("dose_unit", DOSE_UNIT_MAX, false);
        let parsed = Self {
            times: times.unwrap_or_default(),
            days_of_week,
            starts_on: starts_on.unwrap_or(today),
            ends_on,
            dose_amount,
            dose_unit,
        };
        if !fields.has_errors_on("starts_on") && !fields.has_errors_on("ends_on") {
            parsed.check_dates(&mut fields);
        }
        fields.finish()?;
        Ok(parsed)
    }

    fn check_dates(&self, fields: &mut Fields) {
        if self.ends_on.is_some_and(|end| end < self.starts_on) {
            fields.error("ends_on", "must not be before starts_on");
        }
    }

    /// The days this schedule covers, for the overlap check: `starts_on..=ends_on`.
    pub fn days(&self) -> (Date, Option<Date>) {
        (self.starts_on, self.ends_on)
    }
}

/// A parsed `PATCH` body.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulePatch {
    pub times: Patch<Vec<Time>>,
    pub days_of_week: Patch<Vec<i8>>,
    pub starts_on: Patch<Date>,
    pub ends_on: Patch<Date>,
    pub dose_amount: Patch<f64>,
    pub dose_unit: Patch<String>,
}

impl SchedulePatch {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            times: fields.patch_required("times", times),
            days_of_week: fields.patch("days_of_week", days_of_week),
            starts_on: fields.patch_required("starts_on", schedule_date),
            ends_on: fields.patch("ends_on", schedule_date),
            dose_amount: fields.patch("dose_amount", dose_amount),
            dose_unit: fields.patch_text("dose_unit", DOSE_UNIT_MAX, false),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The schedule's fields after this patch; the dates are judged together, as they end up.
    pub fn apply(self, current: &Schedule) -> Result<ScheduleFields, ApiError> {
        let current_times = current
            .times
            .iter()
            .map(|raw| local_time(raw))
            .collect::<Option<Vec<Time>>>()
            .ok_or_else(|| ApiError::internal("a stored schedule time is malformed"))?;
        let next = ScheduleFields {
            times: keep_or_set(self.times, current_times),
            days_of_week: self.days_of_week.apply(current.days_of_week.clone()),
            starts_on: keep_or_set(self.starts_on, current.starts_on),
            ends_on: self.ends_on.apply(current.ends_on),
            dose_amount: self.dose_amount.apply(current.dose_amount),
            dose_unit: self.dose_unit.apply(current.dose_unit.clone()),
        };
        if next.ends_on.is_some_and(|end| end < next.starts_on) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "ends_on",
                "must not be before starts_on",
            )]));
        }
        Ok(next)
    }
}

fn keep_or_set<T>(patch: Patch<T>, current: T) -> T {
    match patch {
        Patch::Set(value) => value,
        Patch::Absent | Patch::Clear => current,
    }
}

/// A schedule as stored: times and weekdays as comma-separated text, the same on both databases.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScheduleRow {
    pub id: Id,
    pub medication_id: Id,
    pub times: String,
    pub days_of_week: Option<String>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub dose_amount: Option<f64>,
    pub dose_unit: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn malformed() -> sqlx::Error {
    sqlx::Error::Decode("a stored schedule is malformed".into())
}

pub fn times_column(times: &[Time]) -> String {
    times
        .iter()
        .map(|t| render_time(*t))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn days_column(days: Option<&[i8]>) -> Option<String> {
    days.map(|days| days.iter().map(i8::to_string).collect::<Vec<_>>().join(","))
}

impl ScheduleRow {
    fn stored_times(&self) -> Option<Vec<Time>> {
        self.times.split(',').map(local_time).collect()
    }

    fn stored_days(&self) -> Option<Option<Vec<i8>>> {
        match &self.days_of_week {
            None => Some(None),
            Some(text) => text
                .split(',')
                .map(|day| day.parse::<i8>().ok())
                .collect::<Option<Vec<i8>>>()
                .map(Some),
        }
    }

    /// A row the schema let through but this code cannot read is a decoding failure.
    pub fn into_schedule(self) -> Result<Schedule, sqlx::Error> {
        let times = self.stored_times().ok_or_else(malformed)?;
        let days_of_week = self.stored_days().ok_or_else(malformed)?;
        Ok(Schedule {
            id: self.id,
            medication_id: self.medication_id,
            times: times.into_iter().map(render_time).collect(),
            days_of_week,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            dose_amount: self.dose_amount,
            dose_unit: self.dose_unit,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    /// What planning needs; `stopped_at` is the medication's deactivation when it came after
    /// the schedule was last set.
    pub fn to_plan(&self, stopped_at: Option<Timestamp>) -> Result<SchedulePlan, sqlx::Error> {
        Ok(SchedulePlan {
            schedule_id: self.id,
            medication_id: self.medication_id,
            times: self.stored_times().ok_or_else(malformed)?,
            days_of_week: self.stored_days().ok_or_else(malformed)?,
            starts_on: self.starts_on.0,
            ends_on: self.ends_on.map(|d| d.0),
            stopped_at: stopped_at.filter(|stop| self.updated_at <= *stop),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn field_names(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => vec![format!("unexpected: {other}")],
        }
    }

    fn day(raw: &str) -> Date {
        Date::parse(raw).expect("valid date")
    }

    fn today() -> Date {
        day("2026-11-27")
    }

    #[test]
    fn creation_sorts_times_and_weekdays_and_starts_today() {
        let fields = ScheduleFields::parse(
            body(json!({"times": ["20:00", "08:00"], "days_of_week": [5, 1, 3], "dose_unit": " mg "})),
            today(),
        )
        .expect("valid");
        assert_eq!(times_column(&fields.times), "08:00,20:00");
        assert_eq!(fields.days_of_week, Some(vec![1, 3, 5]));
        assert_eq!(fields.starts_on, today());
        assert_eq!(fields.ends_on, None);
        assert_eq!(fields.dose_unit.as_deref(), Some("mg"));
    }

    #[test]
    fn times_must_be_exactly_hh_mm_and_distinct() {
        let ok = ["00:00", "23:59", "08:05"];
        for raw in ok {
            let parsed = ScheduleFields::parse(body(json!({"times": [raw]})), today());
            assert!(parsed.is_ok(), "{raw}");
        }
        let bad = [
            json!(["8:00"]),
            json!(["24:00"]),
            json!(["08:00:00"]),
            json!(["08:60"]),
            json!(["08h00"]),
            json!(["+8:00"]),
            json!(["٠٨:٠٠"]),
            json!([]),
            json!(["08:00", "08:00"]),
            json!([8]),
            json!("08:00"),
            json!((0..13).map(|h| format!("{h:02}:00")).collect::<Vec<_>>()),
        ];
        for times in bad {
            let err = ScheduleFields::parse(body(json!({ "times": times })), today())
                .expect_err("invalid");
            assert_eq!(field_names(err), ["times"], "{times}");
        }
    }

    #[test]
    fn creation_reports_every_bad_field() {
        let cases: &[(Value, &[&str])] = &[
            (json!({}), &["times"]),
            (json!({"times": null}), &["times"]),
            (
                json!({"times": ["08:00"], "days_of_week": []}),
                &["days_of_week"],
            ),
            (
                json!({"times": ["08:00"], "days_of_week": [0]}),
                &["days_of_week"],
            ),
            (
                json!({"times": ["08:00"], "days_of_week": [8]}),
                &["days_of_week"],
            ),
            (
                json!({"times": ["08:00"], "days_of_week": [1, 1]}),
                &["days_of_week"],
            ),
            (
                json!({"times": ["08:00"], "days_of_week": ["1"]}),
                &["days_of_week"],
            ),
            (
                json!({"times": ["08:00"], "starts_on": "2026-02-30"}),
                &["starts_on"],
            ),
            (
                json!({"times": ["08:00"], "starts_on": "1999-12-31"}),
                &["starts_on"],
            ),
            (
                json!({"times": ["08:00"], "ends_on": "2026-11-26"}),
                &["ends_on"],
            ),
            (
                json!({"times": ["08:00"], "starts_on": "2026-12-01", "ends_on": "2026-11-30"}),
                &["ends_on"],
            ),
            (
                json!({"times": ["08:00"], "dose_amount": 0}),
                &["dose_amount"],
            ),
            (
                json!({"times": ["08:00"], "dose_unit": "x".repeat(21)}),
                &["dose_unit"],
            ),
            (
                json!({"times": ["08:00"], "medication_id": "x", "id": "y"}),
                &["id", "medication_id"],
            ),
            (
                json!({"times": [], "dose_amount": -1}),
                &["times", "dose_amount"],
            ),
        ];
        for (input, expected) in cases {
            let err = ScheduleFields::parse(body(input.clone()), today()).expect_err("invalid");
            assert_eq!(field_names(err), *expected, "{input}");
        }
    }

    #[test]
    fn a_schedule_may_end_on_the_day_it_starts() {
        let fields = ScheduleFields::parse(
            body(json!({"times": ["08:00"], "starts_on": "2026-12-01", "ends_on": "2026-12-01"})),
            today(),
        );
        assert!(fields.is_ok());
    }

    fn current() -> Schedule {
        Schedule {
            id: Id::new(),
            medication_id: Id::new(),
            times: vec!["08:00".into(), "20:00".into()],
            days_of_week: Some(vec![1, 2]),
            starts_on: day("2026-11-01"),
            ends_on: Some(day("2026-11-30")),
            dose_amount: Some(400.0),
            dose_unit: Some("mg".into()),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch = SchedulePatch::parse(body(json!({
            "times": ["09:00"], "days_of_week": null, "dose_unit": null,
        })))
        .expect("valid");
        let next = patch.apply(&current()).expect("valid");
        assert_eq!(times_column(&next.times), "09:00");
        assert_eq!(next.days_of_week, None);
        assert_eq!(next.starts_on, day("2026-11-01"));
        assert_eq!(next.ends_on, Some(day("2026-11-30")));
        assert_eq!(next.dose_amount, Some(400.0));
        assert_eq!(next.dose_unit, None);
    }

    #[test]
    fn a_patch_judges_the_dates_as_they_end_up() {
        let late_start =
            SchedulePatch::parse(body(json!({"starts_on": "2026-12-01"}))).expect("parses");
        let err = late_start
            .apply(&current())
            .expect_err("ends before it starts");
        assert_eq!(field_names(err), ["ends_on"]);
        let open_end =
            SchedulePatch::parse(body(json!({"starts_on": "2026-12-01", "ends_on": null})))
                .expect("parses");
        assert!(open_end.apply(&current()).is_ok());
    }

    #[test]
    fn a_patch_refuses_null_for_required_fields() {
        for (input, field) in [
            (json!({"times": null}), "times"),
            (json!({"starts_on": null}), "starts_on"),
            (json!({"days_of_week": []}), "days_of_week"),
            (json!({"medication_id": "x"}), "medication_id"),
        ] {
            let err = SchedulePatch::parse(body(input)).expect_err("invalid");
            assert_eq!(field_names(err), [field]);
        }
    }

    #[test]
    fn rows_round_trip_to_the_api_form() {
        let row = ScheduleRow {
            id: Id::new(),
            medication_id: Id::new(),
            times: times_column(&[Time::constant(7, 5, 0, 0), Time::constant(21, 0, 0, 0)]),
            days_of_week: days_column(Some(&[6, 7])),
            starts_on: today(),
            ends_on: None,
            dose_amount: None,
            dose_unit: None,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(5),
        };
        let schedule = row.clone().into_schedule().expect("well formed");
        assert_eq!(schedule.times, ["07:05", "21:00"]);
        assert_eq!(schedule.days_of_week, Some(vec![6, 7]));
        let stopped = Timestamp::from_millis(10);
        assert_eq!(
            row.to_plan(Some(stopped)).expect("plan").stopped_at,
            Some(stopped)
        );
        // Changed after the deactivation: the old stop no longer applies.
        assert_eq!(
            row.to_plan(Some(Timestamp::from_millis(4)))
                .expect("plan")
                .stopped_at,
            None
        );
    }
}
