//! The `medication_log` resource: what the API shows, and how a request body becomes one.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    error::ApiError,
    input::{self, Fields, Patch, present},
    types::{Id, Timestamp},
};

const DOSE_UNIT_MAX: usize = 20;
const SIDE_EFFECTS_MAX: usize = 500;
const NOTES_MAX: usize = 1000;
/// Clocks drift: a dose logged on a phone a little ahead of the server is still accepted.
const FUTURE_TOLERANCE_SECS: i64 = 5 * 60;

/// A dose taken, as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct MedicationLog {
    pub id: Id,
    pub medication_id: Id,
    /// The medication's current name.
    #[schema(example = "Ibuprofen")]
    pub medication_name: String,
    pub taken_at: Timestamp,
    #[schema(example = 400.0)]
    pub dose_amount: Option<f64>,
    #[schema(example = "mg")]
    pub dose_unit: Option<String>,
    /// 1 (no effect) to 5 (fully effective).
    #[schema(example = 4, minimum = 1, maximum = 5)]
    pub effectiveness: Option<i32>,
    #[schema(example = "slight nausea")]
    pub side_effects: Option<String>,
    #[schema(example = 2, minimum = 1, maximum = 10)]
    pub side_effect_severity: Option<i32>,
    #[schema(example = "Taken after breakfast.")]
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /api/v1/logs/medications`, parsed: every column a request can set. A merge
/// patch yields one too, the log's fields after the patch.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct MedicationLogInput {
    /// One of the account's active medications.
    pub medication_id: Id,
    /// Defaults to now; at most 5 minutes in the future.
    #[schema(value_type = Option<Timestamp>)]
    pub taken_at: Timestamp,
    /// Greater than 0.
    #[schema(example = 400.0, exclusive_minimum = 0.0)]
    pub dose_amount: Option<f64>,
    #[schema(example = "mg", max_length = 20)]
    pub dose_unit: Option<String>,
    #[schema(example = 4, minimum = 1, maximum = 5)]
    pub effectiveness: Option<i32>,
    /// May span several lines.
    #[schema(example = "slight nausea", max_length = 500)]
    pub side_effects: Option<String>,
    #[schema(example = 2, minimum = 1, maximum = 10)]
    pub side_effect_severity: Option<i32>,
    /// May span several lines.
    #[schema(example = "Taken after breakfast.", max_length = 1000)]
    pub notes: Option<String>,
}

fn taken_at(now: Timestamp) -> impl FnOnce(&Value) -> Result<Timestamp, String> {
    move |value| {
        let at = input::timestamp(value)?;
        if at > now.plus_secs(FUTURE_TOLERANCE_SECS) {
            return Err("must not be more than 5 minutes in the future".into());
        }
        Ok(at)
    }
}

/// Greater than 0; shared with schedules, whose planned dose follows the same rule.
pub fn dose_amount(value: &Value) -> Result<f64, String> {
    value
        .as_f64()
        .filter(|amount| amount.is_finite() && *amount > 0.0)
        .ok_or_else(|| "must be a number greater than 0".into())
}

impl MedicationLogInput {
    /// `now` is the server's clock: the default `taken_at` and the limit on future times.
    pub fn parse(body: Map<String, Value>, now: Timestamp) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let medication_id = fields.required("medication_id", input::id);
        let taken_at = fields.optional("taken_at", taken_at(now));
        let dose_amount = fields.optional("dose_amount", dose_amount);
        let dose_unit = fields.optional_text("dose_unit", DOSE_UNIT_MAX, false);
        let effectiveness = fields.optional("effectiveness", input::int_between(1, 5));
        let side_effects = fields.optional_text("side_effects", SIDE_EFFECTS_MAX, true);
        let side_effect_severity =
            fields.optional("side_effect_severity", input::int_between(1, 10));
        let notes = fields.optional_text("notes", NOTES_MAX, true);
        fields.finish()?;
        Ok(Self {
            medication_id: present(medication_id)?,
            taken_at: taken_at.unwrap_or(now),
            dose_amount,
            dose_unit,
            effectiveness,
            side_effects,
            side_effect_severity,
            notes,
        })
    }
}

/// Body of `PATCH /api/v1/logs/medications/{id}` (JSON Merge Patch): an absent field is
/// unchanged, `null` clears an optional field; `medication_id` and `taken_at` cannot be `null`.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct MedicationLogPatch {
    /// A different medication must be one of the account's active ones.
    #[schema(value_type = Option<Id>)]
    pub medication_id: Patch<Id>,
    #[schema(value_type = Option<Timestamp>)]
    pub taken_at: Patch<Timestamp>,
    #[schema(value_type = Option<f64>, example = 200.0, exclusive_minimum = 0.0)]
    pub dose_amount: Patch<f64>,
    #[schema(value_type = Option<String>, example = "mg", max_length = 20)]
    pub dose_unit: Patch<String>,
    #[schema(value_type = Option<i32>, example = 3, minimum = 1, maximum = 5)]
    pub effectiveness: Patch<i32>,
    #[schema(value_type = Option<String>, example = "none", max_length = 500)]
    pub side_effects: Patch<String>,
    #[schema(value_type = Option<i32>, example = 1, minimum = 1, maximum = 10)]
    pub side_effect_severity: Patch<i32>,
    #[schema(value_type = Option<String>, example = "Taken with water.", max_length = 1000)]
    pub notes: Patch<String>,
}

impl MedicationLogPatch {
    pub fn parse(body: Map<String, Value>, now: Timestamp) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            medication_id: fields.patch_required("medication_id", input::id),
            taken_at: fields.patch_required("taken_at", taken_at(now)),
            dose_amount: fields.patch("dose_amount", dose_amount),
            dose_unit: fields.patch_text("dose_unit", DOSE_UNIT_MAX, false),
            effectiveness: fields.patch("effectiveness", input::int_between(1, 5)),
            side_effects: fields.patch_text("side_effects", SIDE_EFFECTS_MAX, true),
            side_effect_severity: fields.patch("side_effect_severity", input::int_between(1, 10)),
            notes: fields.patch_text("notes", NOTES_MAX, true),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The log's fields after this patch.
    pub fn apply(self, current: &MedicationLog) -> MedicationLogInput {
        MedicationLogInput {
            medication_id: self.medication_id.set_or_keep(current.medication_id),
            taken_at: self.taken_at.set_or_keep(current.taken_at),
            dose_amount: self.dose_amount.apply(current.dose_amount),
            dose_unit: self.dose_unit.apply(current.dose_unit.clone()),
            effectiveness: self.effectiveness.apply(current.effectiveness),
            side_effects: self.side_effects.apply(current.side_effects.clone()),
            side_effect_severity: self
                .side_effect_severity
                .apply(current.side_effect_severity),
            notes: self.notes.apply(current.notes.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: &str = "2026-11-27T08:30:00Z";

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339(NOW).unwrap_or(Timestamp::from_millis(0))
    }

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

    fn with_medication(extra: Value) -> Map<String, Value> {
        let mut map = body(json!({"medication_id": Id::new().to_string()}));
        map.extend(body(extra));
        map
    }

    #[test]
    fn taken_at_defaults_to_now() {
        let fields = MedicationLogInput::parse(with_medication(json!({})), now()).expect("valid");
        assert_eq!(fields.taken_at, now());
    }

    #[test]
    fn taken_at_may_be_up_to_five_minutes_ahead() {
        let cases = [
            ("2026-11-27T08:35:00Z", true),
            ("2026-11-27T08:35:00.001Z", false),
            ("2026-11-27T09:34:00+01:00", true),
            ("2026-11-27T09:36:00+01:00", false),
            ("2020-01-01T00:00:00Z", true),
        ];
        for (at, accepted) in cases {
            let parsed = MedicationLogInput::parse(with_medication(json!({"taken_at": at})), now());
            assert_eq!(parsed.is_ok(), accepted, "{at}");
        }
    }

    #[test]
    fn every_bad_field_is_reported() {
        let cases: &[(Value, &[&str])] = &[
            (json!({"dose_amount": 0}), &["dose_amount"]),
            (json!({"dose_amount": -1.5}), &["dose_amount"]),
            (json!({"dose_amount": "5"}), &["dose_amount"]),
            (json!({"dose_unit": "x".repeat(21)}), &["dose_unit"]),
            (json!({"effectiveness": 0}), &["effectiveness"]),
            (json!({"effectiveness": 6}), &["effectiveness"]),
            (json!({"effectiveness": 2.5}), &["effectiveness"]),
            (
                json!({"side_effect_severity": 11}),
                &["side_effect_severity"],
            ),
            (json!({"side_effects": "x".repeat(501)}), &["side_effects"]),
            (json!({"notes": "x".repeat(1001)}), &["notes"]),
            (json!({"dose_unit": "m\ng"}), &["dose_unit"]),
            (json!({"taken_at": "yesterday"}), &["taken_at"]),
            (
                json!({"user_id": "x", "created_at": NOW}),
                &["created_at", "user_id"],
            ),
        ];
        for (extra, expected) in cases {
            let err = MedicationLogInput::parse(with_medication(extra.clone()), now())
                .expect_err("invalid");
            assert_eq!(field_names(err), *expected, "{extra}");
        }
        let err = MedicationLogInput::parse(Map::new(), now()).expect_err("invalid");
        assert_eq!(field_names(err), ["medication_id"]);
    }

    #[test]
    fn limits_are_inclusive() {
        let fields = MedicationLogInput::parse(
            with_medication(json!({
                "dose_amount": 0.001, "dose_unit": "x".repeat(20), "effectiveness": 5,
                "side_effects": format!("a\r\nb{}", "x".repeat(496)), "side_effect_severity": 10,
                "notes": "x".repeat(1000),
            })),
            now(),
        );
        assert!(fields.is_ok());
    }

    fn current() -> MedicationLog {
        MedicationLog {
            id: Id::new(),
            medication_id: Id::new(),
            medication_name: "Ibuprofen".into(),
            taken_at: now(),
            dose_amount: Some(400.0),
            dose_unit: Some("mg".into()),
            effectiveness: Some(4),
            side_effects: Some("nausea".into()),
            side_effect_severity: Some(2),
            notes: Some("after breakfast".into()),
            created_at: now(),
            updated_at: now(),
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let before = current();
        let patch = MedicationLogPatch::parse(
            body(json!({"dose_amount": null, "side_effects": "", "effectiveness": 2})),
            now(),
        )
        .expect("valid");
        let after = patch.apply(&before);
        assert_eq!(after.medication_id, before.medication_id);
        assert_eq!(after.taken_at, before.taken_at);
        assert_eq!(after.dose_amount, None);
        assert_eq!(after.dose_unit, before.dose_unit);
        assert_eq!(after.effectiveness, Some(2));
        assert_eq!(after.side_effects, None);
        assert_eq!(after.side_effect_severity, before.side_effect_severity);
        assert_eq!(after.notes, before.notes);
    }

    #[test]
    fn a_patch_refuses_null_for_required_fields() {
        for (input, field) in [
            (json!({"medication_id": null}), "medication_id"),
            (json!({"taken_at": null}), "taken_at"),
            (json!({"taken_at": "2026-11-27T09:00:00Z"}), "taken_at"),
            (json!({"id": "x"}), "id"),
        ] {
            let err = MedicationLogPatch::parse(body(input), now()).expect_err("invalid");
            assert_eq!(field_names(err), [field]);
        }
    }
}
