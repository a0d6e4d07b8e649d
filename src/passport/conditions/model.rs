//! A condition as the API shows it, and the rules for what a request body may set.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{Decode, Type, error::BoxDynError};
use utoipa::ToSchema;

use crate::{
    error::ApiError,
    input::{self, Fields, Patch, present},
    types::{Date, Id, Timestamp},
};

pub const NAME_MAX: usize = 100;
pub const NOTES_MAX: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConditionStatus {
    Active,
    Resolved,
}

impl ConditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Resolved => "resolved",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "active" => Some(Self::Active),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }

    /// A body value: exactly one of the two names (trimmed); `""` is refused like any unknown name.
    fn parse(value: &Value) -> Result<Self, String> {
        value
            .as_str()
            .and_then(|raw| Self::from_name(raw.trim()))
            .ok_or_else(|| "must be one of: active, resolved".into())
    }
}

// Stored as text on both databases (a CHECK constraint limits the values), so decoding goes
// through `&str` whichever backend runs.
impl<DB: sqlx::Database> Type<DB> for ConditionStatus
where
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> Decode<'r, DB> for ConditionStatus
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let name = <&str as Decode<'r, DB>>::decode(value)?;
        Self::from_name(name).ok_or_else(|| format!("unknown condition status `{name}`").into())
    }
}

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
#[schema(example = json!({"id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c", "name": "Asthma", "status": "active",
    "diagnosed_on": "2019-04-02", "notes": "Worse in spring.", "doctor_ids": ["019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b"],
    "created_at": "2026-11-27T08:30:00.123Z", "updated_at": "2026-11-27T08:30:00.123Z"}))]
pub struct Condition {
    pub id: Id,
    #[schema(example = "Asthma")]
    pub name: String,
    pub status: ConditionStatus,
    pub diagnosed_on: Option<Date>,
    #[schema(example = "Worse in spring.")]
    pub notes: Option<String>,
    /// The doctors linked to this condition, in id (creation) order.
    #[sqlx(skip)]
    pub doctor_ids: Vec<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /api/v1/conditions`, parsed: every field a client may write. A merge patch
/// yields one too, the condition's fields after the patch.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct ConditionInput {
    /// Unique per account, compared case-insensitively.
    #[schema(example = "Asthma", min_length = 1, max_length = 100)]
    pub name: String,
    /// `active` (the default) or `resolved`.
    #[schema(value_type = Option<String>, example = "active")]
    pub status: ConditionStatus,
    /// `YYYY-MM-DD`, not later than today in the account's time zone.
    #[schema(value_type = Option<String>, example = "2019-04-02")]
    pub diagnosed_on: Option<Date>,
    /// Multi-line.
    #[schema(example = "Worse in spring.", max_length = 1000)]
    pub notes: Option<String>,
}

/// A diagnosis date: `YYYY-MM-DD`, no later than `today` (the account's current date).
fn diagnosis_date(today: jiff::civil::Date) -> impl FnOnce(&Value) -> Result<Date, String> {
    move |value| {
        let date = input::date(value)?;
        if date.0 > today {
            return Err("must not be in the future".into());
        }
        Ok(date)
    }
}

impl ConditionInput {
    /// Reads a creation body; `status` defaults to active.
    pub fn parse(body: Map<String, Value>, today: jiff::civil::Date) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let name = fields.required("name", input::name(NAME_MAX));
        let status = fields.optional("status", ConditionStatus::parse);
        let diagnosed_on = fields.optional("diagnosed_on", diagnosis_date(today));
        let notes = fields.optional_text("notes", NOTES_MAX, true);
        fields.finish()?;
        Ok(Self {
            name: present(name)?,
            status: status.unwrap_or(ConditionStatus::Active),
            diagnosed_on,
            notes,
        })
    }
}

/// Body of `PATCH /api/v1/conditions/{id}` (JSON Merge Patch: `null` clears `diagnosed_on` or
/// `notes`; `name` and `status` cannot be null).
#[derive(Debug, ToSchema)]
pub struct ConditionPatch {
    #[schema(value_type = Option<String>, example = "Allergic asthma", min_length = 1, max_length = 100)]
    name: Patch<String>,
    #[schema(value_type = Option<String>, example = "resolved")]
    status: Patch<ConditionStatus>,
    #[schema(value_type = Option<String>, example = "2019-04-02")]
    diagnosed_on: Patch<Date>,
    #[schema(value_type = Option<String>, example = "Symptom-free since the move.", max_length = 1000)]
    notes: Patch<String>,
}

impl ConditionPatch {
    pub fn parse(body: Map<String, Value>, today: jiff::civil::Date) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            name: fields.patch_required("name", input::name(NAME_MAX)),
            status: fields.patch_required("status", ConditionStatus::parse),
            diagnosed_on: fields.patch("diagnosed_on", diagnosis_date(today)),
            notes: fields.patch_text("notes", NOTES_MAX, true),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The values after applying this patch to `current`.
    pub fn apply(self, current: Condition) -> ConditionInput {
        ConditionInput {
            name: self.name.set_or_keep(current.name),
            status: self.status.set_or_keep(current.status),
            diagnosed_on: self.diagnosed_on.apply(current.diagnosed_on),
            notes: self.notes.apply(current.notes),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 11, 27)
    }

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn fields_of(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => vec![format!("not a validation error: {other}")],
        }
    }

    #[test]
    fn status_names_are_exact() {
        for (raw, expected) in [
            (json!("active"), Some(ConditionStatus::Active)),
            (json!(" resolved "), Some(ConditionStatus::Resolved)),
            (json!(""), None),
            (json!("Active"), None),
            (json!("cured"), None),
            (json!(1), None),
        ] {
            assert_eq!(ConditionStatus::parse(&raw).ok(), expected, "{raw}");
        }
    }

    #[test]
    fn diagnosis_dates_may_be_today_but_not_later() {
        for (raw, ok) in [
            ("2026-11-27", true),
            ("1950-01-01", true),
            ("2026-11-28", false),
            ("2026-11-27T00:00:00Z", false),
            ("27.11.2026", false),
        ] {
            assert_eq!(diagnosis_date(today())(&json!(raw)).is_ok(), ok, "{raw}");
        }
    }

    #[test]
    fn creation_defaults_to_active_and_blank_notes_to_null() {
        let values =
            ConditionInput::parse(body(json!({"name": " Asthma ", "notes": "  "})), today())
                .expect("valid");
        assert_eq!(
            values,
            ConditionInput {
                name: "Asthma".into(),
                status: ConditionStatus::Active,
                diagnosed_on: None,
                notes: None,
            }
        );
    }

    #[test]
    fn creation_reports_every_bad_field() {
        let err = ConditionInput::parse(
            body(json!({"status": "", "diagnosed_on": "2099-01-01", "doctor_ids": []})),
            today(),
        )
        .expect_err("invalid");
        assert_eq!(
            fields_of(err),
            ["name", "status", "diagnosed_on", "doctor_ids"]
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let current = Condition {
            id: Id::new(),
            name: "Asthma".into(),
            status: ConditionStatus::Active,
            diagnosed_on: Date::parse("2019-04-02"),
            notes: Some("Worse in spring.".into()),
            doctor_ids: Vec::new(),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        };
        let patch = ConditionPatch::parse(
            body(json!({"status": "resolved", "diagnosed_on": null})),
            today(),
        )
        .expect("valid");
        let values = patch.apply(current);
        assert_eq!(values.name, "Asthma");
        assert_eq!(values.status, ConditionStatus::Resolved);
        assert_eq!(values.diagnosed_on, None);
        assert_eq!(values.notes.as_deref(), Some("Worse in spring."));
    }

    #[test]
    fn a_patch_cannot_null_a_required_field() {
        let err = ConditionPatch::parse(body(json!({"name": null, "status": null})), today())
            .expect_err("invalid");
        assert_eq!(fields_of(err), ["name", "status"]);
    }
}
