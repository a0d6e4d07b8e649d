//! A symptom type as the API shows it, and how a request body becomes one.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{
    error::ApiError,
    input::{self, Fields, Patch, present},
    types::{Id, Timestamp},
};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;
pub const CATEGORY_MAX: usize = 100;
pub const DEFAULT_RATING: i32 = 5;

/// A symptom the person tracks, with the severity and impact a new log starts from.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct SymptomType {
    pub id: Id,
    #[schema(example = "Migraine")]
    pub name: String,
    #[schema(example = "Throbbing headache, usually on one side")]
    pub description: Option<String>,
    #[schema(example = "Neurological")]
    pub category: Option<String>,
    #[schema(example = 6, minimum = 1, maximum = 10)]
    pub default_severity: i32,
    #[schema(example = 5, minimum = 1, maximum = 10)]
    pub default_impact: i32,
    /// Inactive types stay in the history but cannot receive new logs.
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /api/v1/symptom-types`, parsed: every value a client may write. A merge patch
/// yields one too, the type's values after the patch.
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct SymptomTypeInput {
    /// Unique per account, compared case-insensitively.
    #[schema(example = "Migraine", min_length = 1, max_length = 100)]
    pub name: String,
    /// May span several lines.
    #[schema(example = "Throbbing headache, usually on one side", max_length = 500)]
    pub description: Option<String>,
    #[schema(example = "Neurological", max_length = 100)]
    pub category: Option<String>,
    /// Defaults to 5.
    #[schema(value_type = Option<i32>, example = 6, minimum = 1, maximum = 10)]
    pub default_severity: i32,
    /// Defaults to 5.
    #[schema(value_type = Option<i32>, example = 5, minimum = 1, maximum = 10)]
    pub default_impact: i32,
    /// Defaults to true.
    #[schema(value_type = Option<bool>, example = true)]
    pub active: bool,
}

impl SymptomTypeInput {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let name = fields.required("name", input::name(NAME_MAX));
        let description = fields.optional_text("description", DESCRIPTION_MAX, true);
        let category = fields.optional_text("category", CATEGORY_MAX, false);
        let default_severity = fields.optional("default_severity", input::int_between(1, 10));
        let default_impact = fields.optional("default_impact", input::int_between(1, 10));
        let active = fields.optional("active", input::boolean);
        fields.finish()?;
        Ok(Self {
            name: present(name)?,
            description,
            category,
            default_severity: default_severity.unwrap_or(DEFAULT_RATING),
            default_impact: default_impact.unwrap_or(DEFAULT_RATING),
            active: active.unwrap_or(true),
        })
    }
}

/// Body of `PATCH /api/v1/symptom-types/{id}` (JSON Merge Patch: absent is unchanged, `null`
/// clears `description` or `category`; `null` for any other field is refused).
#[derive(Clone, Debug, PartialEq, ToSchema)]
pub struct SymptomTypePatch {
    #[schema(value_type = Option<String>, example = "Tension headache", min_length = 1, max_length = 100)]
    pub name: Patch<String>,
    #[schema(value_type = Option<String>, example = "Band-like pressure", max_length = 500)]
    pub description: Patch<String>,
    #[schema(value_type = Option<String>, example = "Neurological", max_length = 100)]
    pub category: Patch<String>,
    #[schema(value_type = Option<i32>, example = 4, minimum = 1, maximum = 10)]
    pub default_severity: Patch<i32>,
    #[schema(value_type = Option<i32>, example = 3, minimum = 1, maximum = 10)]
    pub default_impact: Patch<i32>,
    #[schema(value_type = Option<bool>, example = false)]
    pub active: Patch<bool>,
}

impl SymptomTypePatch {
    pub fn parse(body: Map<String, Value>) -> Result<Self, ApiError> {
        let mut fields = Fields::new(body);
        let patch = Self {
            name: fields.patch_required("name", input::name(NAME_MAX)),
            description: fields.patch_text("description", DESCRIPTION_MAX, true),
            category: fields.patch_text("category", CATEGORY_MAX, false),
            default_severity: fields.patch_required("default_severity", input::int_between(1, 10)),
            default_impact: fields.patch_required("default_impact", input::int_between(1, 10)),
            active: fields.patch_required("active", input::boolean),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// The type's values after this patch.
    pub fn apply(self, current: SymptomType) -> SymptomTypeInput {
        SymptomTypeInput {
            name: self.name.set_or_keep(current.name),
            description: self.description.apply(current.description),
            category: self.category.apply(current.category),
            default_severity: self.default_severity.set_or_keep(current.default_severity),
            default_impact: self.default_impact.set_or_keep(current.default_impact),
            active: self.active.set_or_keep(current.active),
        }
    }
}

/// Filters of the symptom type list.
#[derive(Default)]
pub struct TypeFilter {
    pub active: Option<bool>,
    /// Already folded with [`crate::input::name_key`].
    pub name_contains: Option<String>,
}
