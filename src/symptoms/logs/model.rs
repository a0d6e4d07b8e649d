//! A symptom log as the API shows it, and the documented shapes of its request bodies.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    pagination::Cursor,
    symptoms::rules::severity_label,
    types::{Id, Timestamp},
};

pub const NOTES_MAX: usize = 1000;
/// How far in the future `started_at` may lie, for clocks that run a little ahead.
pub const FUTURE_TOLERANCE_SECS: i64 = 5 * 60;

/// A symptom felt: when, how long, how bad.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
    "symptom_type_id": "019a6b2e-6a00-7f3a-9b8e-2d4c6f8a0b1c", "symptom_name": "Migraine",
    "started_at": "2026-11-27T08:30:00.000Z", "ended_at": "2026-11-27T10:00:00.000Z",
    "duration_minutes": 90, "severity": 7, "severity_label": "severe", "impact": 5,
    "impact_label": "moderate", "notes": "Started after the early shift.",
    "created_at": "2026-11-27T10:05:00.000Z", "updated_at": "2026-11-27T10:05:00.000Z"}))]
pub struct SymptomLog {
    pub id: Id,
    pub symptom_type_id: Id,
    /// The symptom type's current name.
    pub symptom_name: String,
    pub started_at: Timestamp,
    /// `null` while the symptom is ongoing (then `duration_minutes` is `null` too).
    pub ended_at: Option<Timestamp>,
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: Option<i32>,
    #[schema(minimum = 1, maximum = 10)]
    pub severity: i32,
    /// `mild` (1–3), `moderate` (4–6), `severe` (7–8) or `critical` (9–10).
    #[schema(example = "severe")]
    pub severity_label: &'static str,
    #[schema(minimum = 1, maximum = 10)]
    pub impact: i32,
    /// The same scale as `severity_label`.
    #[schema(example = "moderate")]
    pub impact_label: &'static str,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A `symptom_logs` row joined with its type's name.
#[derive(sqlx::FromRow)]
pub struct SymptomLogRow {
    pub id: Id,
    pub symptom_type_id: Id,
    pub symptom_name: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub duration_minutes: Option<i32>,
    pub severity: i32,
    pub impact: i32,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<SymptomLogRow> for SymptomLog {
    fn from(row: SymptomLogRow) -> Self {
        Self {
            id: row.id,
            symptom_type_id: row.symptom_type_id,
            symptom_name: row.symptom_name,
            started_at: row.started_at,
            ended_at: row.ended_at,
            duration_minutes: row.duration_minutes,
            severity: row.severity,
            severity_label: severity_label(row.severity),
            impact: row.impact,
            impact_label: severity_label(row.impact),
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl SymptomLog {
    /// Its position in the newest-first order of the lists.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.started_at,
            id: self.id,
        }
    }
}

/// The stored values of a log (what a create writes and a PATCH replaces).
#[derive(Clone, Debug)]
pub struct LogValues {
    pub symptom_type_id: Id,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub duration_minutes: Option<i32>,
    pub severity: i32,
    pub impact: i32,
    pub notes: Option<String>,
}

/// Filters of the symptom log list.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub symptom_type_id: Option<Id>,
}

/// Body of `POST /api/v1/logs/symptoms`. Send `duration_minutes` or `ended_at`, not both; neither
/// means the symptom is ongoing.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct SymptomLogInput {
    /// An active symptom type of the account.
    symptom_type_id: Id,
    /// Defaults to now; at most 5 minutes in the future.
    started_at: Option<Timestamp>,
    /// 1 to 1440; above 720 needs `confirm_long_duration: true`. Sets `ended_at`.
    #[schema(example = 90, minimum = 1, maximum = 1440)]
    duration_minutes: Option<i32>,
    /// Sets `duration_minutes` to the whole minutes since `started_at`.
    ended_at: Option<Timestamp>,
    /// Defaults to the type's `default_severity`.
    #[schema(example = 7, minimum = 1, maximum = 10)]
    severity: Option<i32>,
    /// Defaults to the type's `default_impact`.
    #[schema(example = 5, minimum = 1, maximum = 10)]
    impact: Option<i32>,
    /// Confirms a duration above 720 minutes; not stored.
    #[schema(example = false)]
    confirm_long_duration: Option<bool>,
    /// May span several lines.
    #[schema(example = "Started after the early shift.", max_length = 1000)]
    notes: Option<String>,
}

/// Body of `PATCH /api/v1/logs/symptoms/{id}` (JSON Merge Patch). A new `duration_minutes` or
/// `started_at` moves `ended_at`; a new `ended_at` sets the duration; `null` for either makes the
/// symptom ongoing. Sending values for both `duration_minutes` and `ended_at` is refused.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct SymptomLogPatch {
    symptom_type_id: Option<Id>,
    started_at: Option<Timestamp>,
    #[schema(example = 120, minimum = 1, maximum = 1440)]
    duration_minutes: Option<i32>,
    ended_at: Option<Timestamp>,
    #[schema(example = 6, minimum = 1, maximum = 10)]
    severity: Option<i32>,
    #[schema(example = 4, minimum = 1, maximum = 10)]
    impact: Option<i32>,
    #[schema(example = true)]
    confirm_long_duration: Option<bool>,
    #[schema(example = "Better after a nap.", max_length = 1000)]
    notes: Option<String>,
}
