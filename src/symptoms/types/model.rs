//! A symptom type as the API shows it, and the documented shapes of its request bodies.

use serde::Serialize;
use utoipa::ToSchema;

use crate::types::{Id, Timestamp};

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

/// Body of `POST /api/v1/symptom-types`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct SymptomTypeInput {
    /// Unique per account, compared case-insensitively.
    #[schema(example = "Migraine", min_length = 1, max_length = 100)]
    name: String,
    /// May span several lines.
    #[schema(example = "Throbbing headache, usually on one side", max_length = 500)]
    description: Option<String>,
    #[schema(example = "Neurological", max_length = 100)]
    category: Option<String>,
    /// Defaults to 5.
    #[schema(example = 6, minimum = 1, maximum = 10)]
    default_severity: Option<i32>,
    /// Defaults to 5.
    #[schema(example = 5, minimum = 1, maximum = 10)]
    default_impact: Option<i32>,
    /// Defaults to true.
    #[schema(example = true)]
    active: Option<bool>,
}

/// Body of `PATCH /api/v1/symptom-types/{id}` (JSON Merge Patch: absent is unchanged, `null`
/// clears `description` or `category`; `null` for any other field is refused).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct SymptomTypePatch {
    #[schema(example = "Tension headache", min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(example = "Band-like pressure", max_length = 500)]
    description: Option<String>,
    #[schema(example = "Neurological", max_length = 100)]
    category: Option<String>,
    #[schema(example = 4, minimum = 1, maximum = 10)]
    default_severity: Option<i32>,
    #[schema(example = 3, minimum = 1, maximum = 10)]
    default_impact: Option<i32>,
    #[schema(example = false)]
    active: Option<bool>,
}

/// The validated values of a new symptom type.
pub struct NewSymptomType {
    pub name: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub default_severity: i32,
    pub default_impact: i32,
    pub active: bool,
}

/// Filters of the symptom type list.
#[derive(Default)]
pub struct TypeFilter {
    pub active: Option<bool>,
    /// Already folded with [`crate::input::name_key`].
    pub name_contains: Option<String>,
}
