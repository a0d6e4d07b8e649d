//! The `medication` resource: what the API shows, and how a request body becomes one.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    error::ApiError,
    input::{self, Fields, Patch, present},
    types::{Id, Timestamp},
};

const NAME_MAX: usize = 100;
const DOSAGE_MAX: usize = 50;
const FORM_MAX: usize = 50;
const PURPOSE_MAX: usize = 500;
const FREQUENCY_MAX: usize = 100;
const NOTES_MAX: usize = 1000;

/// A medication as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Medication {
    pub id: Id,
    #[schema(example = "Ibuprofen")]
    pub name: String,
    #[schema(example = "400 mg")]
    pub dosage: Option<String>,
    #[schema(example = "tablet")]
    pub form: Option<String>,
    #[schema(example = "Headache")]
    pub purpose: Option<String>,
    #[schema(example = "up to 3 times a day")]
    pub frequency: Option<String>,
    pub prescribing_doctor_id: Option<Id>,
    pub condition_id: Option<Id>,
    #[schema(example = "Take with food.")]
    pub notes: Option<String>,
    /// Inactive medications stay in the history but take no new logs.
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /api/v1/medications`, parsed: every column a request can set. A merge patch
/// yields one too, the medication's fields after the patch.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct MedicationInput {
    /// Unique per account, compared case-insensitively.
    #[schema(example = "Ibuprofen", min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(example = "400 mg", max_length = 50)]
    pub dosage: Option<String>,
    #[schema(example = "tablet", max_length = 50)]
    pub form: Option<String>,
    #[schema(example = "Headache", max_length = 500)]
    pub purpose: Option<String>,
    #[schema(example = "up to 3 times a day", max_length = 100)]
    pub frequency: Option<String>,
    /// One of the account's doctors.
    pub prescribing_doctor_id: Option<Id>,
    /// One of the account's conditions.
    pub condition_id: Option<Id>,
    /// May span several lines.
    #[schema(example = "Take with food.", max_length = 1000)]
    pub notes: Option<String>,
    /// Defaults to `true`.
    #[schema(value_type = Option<bool>, example = true)]
    pub active: bool,
}

impl MedicationInput {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let name = fields.required("name", input::name(NAME_MAX));
        let dosage = fields.optional_text("dosage", DOSAGE_MAX, false);
        let form = fields.optional_text("form", FORM_MAX, false);
        let purpose = fields.optional_text("purpose", PURPOSE_MAX, false);
        let frequency = fields.optional_text("frequency", FREQUENCY_MAX, false);
        let prescribing_doctor_id = fields.optional("prescribing_doctor_id", input::id);
        let condition_id = fields.optional("condition_id", input::id);
        let notes = fields.optional_text("notes", NOTES_MAX, true);
        let active = fields.optional("active", input::boolean).unwrap_or(true);
        fields.finish()?;
        Ok(Self {
            name: present(name)?,
            dosage,
            form,
            purpose,
            frequency,
            prescribing_doctor_id,
            condition_id,
            notes,
            active,
        })
    }
}

/// Body of `PATCH /api/v1/medications/{id}` (JSON Merge Patch): an absent field is unchanged,
/// `null` clears an optional field; `name` and `active` cannot be `null`.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct MedicationPatch {
    #[schema(value_type = Option<String>, example = "Ibuprofen", min_length = 1, max_length = 100)]
    pub name: Patch<String>,
    #[schema(value_type = Option<String>, example = "200 mg", max_length = 50)]
    pub dosage: Patch<String>,
    #[schema(value_type = Option<String>, example = "tablet", max_length = 50)]
    pub form: Patch<String>,
    #[schema(value_type = Option<String>, example = "Headache", max_length = 500)]
    pub purpose: Patch<String>,
    #[schema(value_type = Option<String>, example = "twice a day", max_length = 100)]
    pub frequency: Patch<String>,
    #[schema(value_type = Option<Id>)]
    pub prescribing_doctor_id: Patch<Id>,
    #[schema(value_type = Option<Id>)]
    pub condition_id: Patch<Id>,
    #[schema(value_type = Option<String>, example = "Take with food.", max_length = 1000)]
    pub notes: Patch<String>,
    #[schema(value_type = Option<bool>, example = false)]
    pub active: Patch<bool>,
}

impl MedicationPatch {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            name: fields.patch_required("name", input::name(NAME_MAX)),
            dosage: fields.patch_text("dosage", DOSAGE_MAX, false),
            form: fields.patch_text("form", FORM_MAX, false),
            purpose: fields.patch_text("purpose", PURPOSE_MAX, false),
            frequency: fields.patch_text("frequency", FREQUENCY_MAX, false),
            prescribing_doctor_id: fields.patch("prescribing_doctor_id", input::id),
            condition_id: fields.patch("condition_id", input::id),
            notes: fields.patch_text("notes", NOTES_MAX, true),
            active: fields.patch_required("active", input::boolean),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The references this patch sets, which must be the account's own.
    pub fn references(&self) -> (Option<Id>, Option<Id>) {
        let set = |patch: &Patch<Id>| match patch {
            Patch::Set(id) => Some(*id),
            Patch::Absent | Patch::Clear => None,
        };
        (set(&self.prescribing_doctor_id), set(&self.condition_id))
    }

    /// The medication's fields after this patch.
    pub fn apply(self, current: Medication) -> MedicationInput {
        MedicationInput {
            name: self.name.set_or_keep(current.name),
            dosage: self.dosage.apply(current.dosage),
            form: self.form.apply(current.form),
            purpose: self.purpose.apply(current.purpose),
            frequency: self.frequency.apply(current.frequency),
            prescribing_doctor_id: self
                .prescribing_doctor_id
                .apply(current.prescribing_doctor_id),
            condition_id: self.condition_id.apply(current.condition_id),
            notes: self.notes.apply(current.notes),
            active: self.active.set_or_keep(current.active),
        }
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

    fn current() -> Medication {
        Medication {
            id: Id::new(),
            name: "Ibuprofen".into(),
            dosage: Some("400 mg".into()),
            form: Some("tablet".into()),
            purpose: None,
            frequency: Some("daily".into()),
            prescribing_doctor_id: Some(Id::new()),
            condition_id: None,
            notes: Some("with food".into()),
            active: true,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn creation_defaults_to_active_and_stores_blank_text_as_null() {
        let fields = MedicationInput::parse(body(json!({"name": "  Aspirin ", "dosage": "  "})));
        let fields = fields.expect("valid");
        assert_eq!(fields.name, "Aspirin");
        assert_eq!(fields.dosage, None);
        assert!(fields.active);
    }

    #[test]
    fn creation_reports_every_bad_field() {
        let cases: &[(Value, &[&str])] = &[
            (json!({}), &["name"]),
            (json!({"name": ""}), &["name"]),
            (json!({"name": "x".repeat(101)}), &["name"]),
            (json!({"name": "a\nb"}), &["name"]),
            (json!({"name": "A", "dosage": "x".repeat(51)}), &["dosage"]),
            (json!({"name": "A", "form": "x".repeat(51)}), &["form"]),
            (
                json!({"name": "A", "purpose": "x".repeat(501)}),
                &["purpose"],
            ),
            (
                json!({"name": "A", "frequency": "x".repeat(101)}),
                &["frequency"],
            ),
            (json!({"name": "A", "notes": "x".repeat(1001)}), &["notes"]),
            (
                json!({"name": "A", "prescribing_doctor_id": "nope"}),
                &["prescribing_doctor_id"],
            ),
            (json!({"name": "A", "condition_id": 7}), &["condition_id"]),
            (json!({"name": "A", "active": "yes"}), &["active"]),
            (
                json!({"name": "A", "id": "x", "user_id": "y"}),
                &["id", "user_id"],
            ),
            (json!({"name": 1, "dosage": 2}), &["name", "dosage"]),
        ];
        for (input, expected) in cases {
            let err = MedicationInput::parse(body(input.clone())).expect_err("invalid");
            assert_eq!(field_names(err), *expected, "{input}");
        }
    }

    #[test]
    fn limits_are_inclusive_and_notes_may_span_lines() {
        let fields = MedicationInput::parse(body(json!({
            "name": "x".repeat(100), "dosage": "x".repeat(50), "form": "x".repeat(50),
            "purpose": "x".repeat(500), "frequency": "x".repeat(100),
            "notes": format!("line\r\n\t{}", "x".repeat(993)),
        })));
        assert!(fields.is_ok());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let before = current();
        let patch = MedicationPatch::parse(body(json!({
            "dosage": "200 mg", "notes": null, "prescribing_doctor_id": null, "active": false,
        })))
        .expect("valid");
        let after = patch.apply(before.clone());
        assert_eq!(after.name, before.name);
        assert_eq!(after.dosage.as_deref(), Some("200 mg"));
        assert_eq!(after.form, before.form);
        assert_eq!(after.frequency, before.frequency);
        assert_eq!(after.notes, None);
        assert_eq!(after.prescribing_doctor_id, None);
        assert!(!after.active);
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let before = current();
        let patch = MedicationPatch::parse(Map::new()).expect("valid");
        let after = patch.apply(before.clone());
        assert_eq!(after.name, before.name);
        assert_eq!(after.dosage, before.dosage);
        assert_eq!(after.prescribing_doctor_id, before.prescribing_doctor_id);
        assert_eq!(after.notes, before.notes);
        assert!(after.active);
    }

    #[test]
    fn a_patch_refuses_null_for_required_fields() {
        for (input, field) in [
            (json!({"name": null}), "name"),
            (json!({"name": "  "}), "name"),
            (json!({"active": null}), "active"),
            (json!({"owner": "x"}), "owner"),
        ] {
            let err = MedicationPatch::parse(body(input)).expect_err("invalid");
            assert_eq!(field_names(err), [field]);
        }
    }

    #[test]
    fn a_patch_names_the_references_it_sets() {
        let doctor = Id::new();
        let patch = MedicationPatch::parse(body(json!({
            "prescribing_doctor_id": doctor.to_string(), "condition_id": null,
        })))
        .expect("valid");
        assert_eq!(patch.references(), (Some(doctor), None));
    }
}
