//! A doctor as the API shows it, and the rules for what a request body may set.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    auth::email::Email,
    error::ApiError,
    input::{self, Fields, Patch, present},
    types::{Id, Timestamp},
};

pub const NAME_MAX: usize = 100;
pub const SPECIALTY_MAX: usize = 100;
pub const PHONE_MAX: usize = 40;
pub const ADDRESS_MAX: usize = 300;
pub const NOTES_MAX: usize = 1000;

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
#[schema(example = json!({"id": "019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b", "name": "Dr. Anna Weber",
    "specialty": "Pulmonology", "phone": "+49 30 1234-567", "email": "praxis@weber.example",
    "address": "Hauptstraße 1\n10115 Berlin", "notes": "Closed on Wednesdays.",
    "condition_ids": ["019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c"],
    "created_at": "2026-11-27T08:30:00.123Z", "updated_at": "2026-11-27T08:30:00.123Z"}))]
pub struct Doctor {
    pub id: Id,
    #[schema(example = "Dr. Anna Weber")]
    pub name: String,
    #[schema(example = "Pulmonology")]
    pub specialty: Option<String>,
    #[schema(example = "+49 30 1234-567")]
    pub phone: Option<String>,
    /// Stored lower-cased.
    #[schema(example = "praxis@weber.example")]
    pub email: Option<String>,
    #[schema(example = "Hauptstraße 1\n10115 Berlin")]
    pub address: Option<String>,
    #[schema(example = "Closed on Wednesdays.")]
    pub notes: Option<String>,
    /// The conditions this doctor is linked to, in id (creation) order.
    #[sqlx(skip)]
    pub condition_ids: Vec<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Digits, spaces and `+-().`, with at least one digit; blank is "no phone".
fn parse_phone(value: &Value) -> Result<Option<String>, String> {
    let Some(phone) = input::optional_text(value, PHONE_MAX, false)? else {
        return Ok(None);
    };
    if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
    {
        return Err("may contain only digits, spaces and + - ( ) .".into());
    }
    if !phone.chars().any(|c| c.is_ascii_digit()) {
        return Err("must contain at least one digit".into());
    }
    Ok(Some(phone))
}

/// A valid address, normalised as account emails are; blank is "no email".
fn parse_email(value: &Value) -> Result<Option<String>, String> {
    let raw = value.as_str().ok_or("must be a string")?;
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Email::parse(raw).map(|email| Some(email.as_str().to_owned()))
}

/// A PATCH of an optional field whose parser maps blank to `None`: blank clears, like `null`.
fn blank_clears<T>(patch: Patch<Option<T>>) -> Patch<T> {
    match patch {
        Patch::Absent => Patch::Absent,
        Patch::Clear | Patch::Set(None) => Patch::Clear,
        Patch::Set(Some(value)) => Patch::Set(value),
    }
}

/// Body of `POST /api/v1/doctors`, parsed: every field a client may write. Blank optional fields
/// are stored as `null`. A merge patch yields one too, the doctor's fields after the patch.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct DoctorInput {
    /// Need not be unique.
    #[schema(example = "Dr. Anna Weber", min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(example = "Pulmonology", max_length = 100)]
    pub specialty: Option<String>,
    /// Digits, spaces and `+-().`, with at least one digit.
    #[schema(example = "+49 30 1234-567", max_length = 40)]
    pub phone: Option<String>,
    /// Stored lower-cased.
    #[schema(example = "praxis@weber.example", max_length = 254)]
    pub email: Option<String>,
    /// Multi-line.
    #[schema(example = "Hauptstraße 1\n10115 Berlin", max_length = 300)]
    pub address: Option<String>,
    /// Multi-line.
    #[schema(example = "Closed on Wednesdays.", max_length = 1000)]
    pub notes: Option<String>,
}

impl DoctorInput {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let name = fields.required("name", input::name(NAME_MAX));
        let specialty = fields.optional_text("specialty", SPECIALTY_MAX, false);
        let phone = fields.optional("phone", parse_phone).flatten();
        let email = fields.optional("email", parse_email).flatten();
        let address = fields.optional_text("address", ADDRESS_MAX, true);
        let notes = fields.optional_text("notes", NOTES_MAX, true);
        fields.finish()?;
        Ok(Self {
            name: present(name)?,
            specialty,
            phone,
            email,
            address,
            notes,
        })
    }
}

/// Body of `PATCH /api/v1/doctors/{id}` (JSON Merge Patch: `null` or blank clears an optional
/// field; `name` cannot be null).
#[derive(Debug, ToSchema)]
pub struct DoctorPatch {
    #[schema(value_type = Option<String>, example = "Dr. Anna Weber-Schulz", min_length = 1, max_length = 100)]
    name: Patch<String>,
    #[schema(value_type = Option<String>, example = "Pulmonology", max_length = 100)]
    specialty: Patch<String>,
    #[schema(value_type = Option<String>, example = "+49 30 7654-321", max_length = 40)]
    phone: Patch<String>,
    #[schema(value_type = Option<String>, example = "praxis@weber.example", max_length = 254)]
    email: Patch<String>,
    #[schema(value_type = Option<String>, example = "Hauptstraße 1\n10115 Berlin", max_length = 300)]
    address: Patch<String>,
    #[schema(value_type = Option<String>, example = "Now also open on Saturdays.", max_length = 1000)]
    notes: Patch<String>,
}

impl DoctorPatch {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            name: fields.patch_required("name", input::name(NAME_MAX)),
            specialty: fields.patch_text("specialty", SPECIALTY_MAX, false),
            phone: blank_clears(fields.patch("phone", parse_phone)),
            email: blank_clears(fields.patch("email", parse_email)),
            address: fields.patch_text("address", ADDRESS_MAX, true),
            notes: fields.patch_text("notes", NOTES_MAX, true),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The values after applying this patch to `current`.
    pub fn apply(self, current: Doctor) -> DoctorInput {
        DoctorInput {
            name: self.name.set_or_keep(current.name),
            specialty: self.specialty.apply(current.specialty),
            phone: self.phone.apply(current.phone),
            email: self.email.apply(current.email),
            address: self.address.apply(current.address),
            notes: self.notes.apply(current.notes),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn phone_numbers() {
        let longest = "1".repeat(40);
        for (raw, expected) in [
            (json!("+49 (30) 1234-567"), Some("+49 (30) 1234-567")),
            (json!(" 030.123 "), Some("030.123")),
            (json!(longest), Some(longest.as_str())),
            (json!("   "), None),
        ] {
            assert_eq!(
                parse_phone(&raw).as_ref().map(Option::as_deref),
                Ok(expected),
                "{raw}"
            );
        }
        for raw in [
            json!("1".repeat(41)),
            json!("+-()."),
            json!("030 CALL-NOW"),
            json!("030/123"),
            json!("030\t123"),
            json!(30123),
        ] {
            assert!(parse_phone(&raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn emails_are_validated_and_normalised() {
        assert_eq!(
            parse_email(&json!(" Praxis@Weber.Example ")),
            Ok(Some("praxis@weber.example".into()))
        );
        assert_eq!(parse_email(&json!("")), Ok(None));
        assert!(parse_email(&json!("praxis@")).is_err());
        assert!(parse_email(&json!("dr weber@example.com")).is_err());
        assert!(parse_email(&json!(true)).is_err());
    }

    #[test]
    fn blank_or_null_clears_an_optional_field_in_a_patch() {
        assert_eq!(blank_clears::<String>(Patch::Set(None)), Patch::Clear);
        assert_eq!(blank_clears::<String>(Patch::Clear), Patch::Clear);
        assert_eq!(blank_clears::<String>(Patch::Absent), Patch::Absent);
        assert_eq!(
            blank_clears(Patch::Set(Some("x".to_owned()))),
            Patch::Set("x".to_owned())
        );
    }

    #[test]
    fn creation_reports_every_bad_field() {
        let Value::Object(body) = json!({"name": "", "phone": "abc", "email": "x", "address": "a".repeat(301), "id": "x"})
        else {
            unreachable!()
        };
        let Err(ApiError::Validation(errors)) = DoctorInput::parse(body) else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "email", "address", "id"]);
    }
}
