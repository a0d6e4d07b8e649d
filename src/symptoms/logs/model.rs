//! A symptom log as the API shows it, and how a request body becomes one.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::input::{extent, refuse_future_start, whole_minutes};
use crate::{
    error::ApiError,
    input::{self, Fields, Patch, present},
    pagination::Cursor,
    symptoms::{
        rules::{Extent, new_span, patched_span, severity_label},
        types::model::SymptomType,
    },
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

/// A parsed `POST` body. What it is worth depends on the symptom type it names (which must be
/// the account's own and active, and gives the default ratings), so problems found while parsing
/// are kept and reported together with the type's in [`SymptomLogInput::resolve`].
pub struct SymptomLogInput {
    fields: Fields,
    symptom_type_id: Option<Id>,
    started_at: Timestamp,
    extent: Extent,
    severity: Option<i32>,
    impact: Option<i32>,
    notes: Option<String>,
}

impl SymptomLogInput {
    /// `now` is the server's clock: the default `started_at` and the limit on future times.
    pub fn parse(body: Map<String, Value>, now: Timestamp) -> Self {
        let mut fields = Fields::new(body);
        let symptom_type_id = fields.required("symptom_type_id", input::id);
        let started_at = fields.optional("started_at", input::timestamp);
        let duration = fields.optional("duration_minutes", whole_minutes);
        let ended_at = fields.optional("ended_at", input::timestamp);
        let severity = fields.optional("severity", input::int_between(1, 10));
        let impact = fields.optional("impact", input::int_between(1, 10));
        let confirmed = fields.optional("confirm_long_duration", input::boolean);
        let notes = fields.optional_text("notes", NOTES_MAX, true);

        let started_at = started_at.unwrap_or(now);
        refuse_future_start(&mut fields, started_at, now);
        let extent = extent(
            &mut fields,
            started_at,
            new_span(duration, ended_at),
            confirmed.unwrap_or(false),
        );
        Self {
            fields,
            symptom_type_id,
            started_at,
            extent,
            severity,
            impact,
            notes,
        }
    }

    /// The symptom type to look up, when the body named one.
    pub fn symptom_type_id(&self) -> Option<Id> {
        self.symptom_type_id
    }

    /// The values to store, given the account's symptom type of [`Self::symptom_type_id`]
    /// (`None` when the account has none of that id).
    pub fn resolve(self, symptom_type: Option<&SymptomType>) -> Result<LogValues, ApiError> {
        let mut fields = self.fields;
        if self.symptom_type_id.is_some() && symptom_type.is_none() {
            fields.error("symptom_type_id", NO_SUCH_TYPE);
        }
        fields.finish()?;
        let symptom_type = present(symptom_type)?;
        refuse_inactive(symptom_type)?;
        Ok(LogValues {
            symptom_type_id: symptom_type.id,
            started_at: self.started_at,
            ended_at: self.extent.ended_at,
            duration_minutes: self.extent.duration_minutes,
            severity: self.severity.unwrap_or(symptom_type.default_severity),
            impact: self.impact.unwrap_or(symptom_type.default_impact),
            notes: self.notes,
        })
    }
}

/// A parsed `PATCH` body. Its duration rules need the log's current start and duration, so, as
/// for [`SymptomLogInput`], problems found while parsing are reported together with those in
/// [`SymptomLogPatch::apply`].
pub struct SymptomLogPatch {
    fields: Fields,
    symptom_type_id: Patch<Id>,
    started_at: Patch<Timestamp>,
    duration: Patch<i64>,
    ended_at: Patch<Timestamp>,
    severity: Patch<i32>,
    impact: Patch<i32>,
    confirmed: bool,
    notes: Patch<String>,
}

impl SymptomLogPatch {
    /// `now` is the server's clock, the limit on future times.
    pub fn parse(body: Map<String, Value>, now: Timestamp) -> Self {
        let mut fields = Fields::new(body);
        let symptom_type_id = fields.patch_required("symptom_type_id", input::id);
        let started_at = fields.patch_required("started_at", input::timestamp);
        let duration = fields.patch("duration_minutes", whole_minutes);
        let ended_at = fields.patch("ended_at", input::timestamp);
        let severity = fields.patch_required("severity", input::int_between(1, 10));
        let impact = fields.patch_required("impact", input::int_between(1, 10));
        let confirmed = fields.optional("confirm_long_duration", input::boolean);
        let notes = fields.patch_text("notes", NOTES_MAX, true);
        if let Patch::Set(at) = started_at {
            refuse_future_start(&mut fields, at, now);
        }
        Self {
            fields,
            symptom_type_id,
            started_at,
            duration,
            ended_at,
            severity,
            impact,
            confirmed: confirmed.unwrap_or(false),
            notes,
        }
    }

    /// The symptom type the log moves to, when it moves to another one than `current`'s.
    pub fn new_type_id(&self, current: &SymptomLog) -> Option<Id> {
        match self.symptom_type_id {
            Patch::Set(id) if id != current.symptom_type_id => Some(id),
            _ => None,
        }
    }

    /// The log's values after this patch, given the account's symptom type of
    /// [`Self::new_type_id`] (`None` when it is not moved, or the account has no such type).
    pub fn apply(
        self,
        current: SymptomLog,
        new_type: Option<&SymptomType>,
    ) -> Result<LogValues, ApiError> {
        let moved_to = self.new_type_id(&current);
        let mut fields = self.fields;
        let started_at = self.started_at.set_or_keep(current.started_at);
        let extent = extent(
            &mut fields,
            started_at,
            patched_span(current.duration_minutes, self.duration, self.ended_at),
            self.confirmed,
        );
        if moved_to.is_some() && new_type.is_none() {
            fields.error("symptom_type_id", NO_SUCH_TYPE);
        }
        fields.finish()?;
        if let Some(new_type) = new_type {
            refuse_inactive(new_type)?;
        }
        Ok(LogValues {
            symptom_type_id: new_type.map_or(current.symptom_type_id, |t| t.id),
            started_at,
            ended_at: extent.ended_at,
            duration_minutes: extent.duration_minutes,
            severity: self.severity.set_or_keep(current.severity),
            impact: self.impact.set_or_keep(current.impact),
            notes: self.notes.apply(current.notes),
        })
    }
}

const NO_SUCH_TYPE: &str = "no such symptom type";

/// A log names a symptom type the account does not have (or no longer has).
pub fn unknown_type() -> ApiError {
    ApiError::field("symptom_type_id", NO_SUCH_TYPE)
}

fn refuse_inactive(symptom_type: &SymptomType) -> Result<(), ApiError> {
    if symptom_type.active {
        Ok(())
    } else {
        Err(ApiError::Rule {
            code: "symptom_type_inactive",
            field: "symptom_type_id",
            detail: "this symptom type is inactive: activate it before logging it".into(),
        })
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
// Only documents the body: the parsed [`SymptomLogInput`] holds the end and duration derived from
// it, which is not what a client sends.
#[derive(ToSchema)]
#[schema(as = SymptomLogInput)]
#[expect(
    dead_code,
    reason = "documents the body; SymptomLogInput::parse reads it"
)]
pub struct SymptomLogBody {
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
// Only documents the body, as `SymptomLogBody` does.
#[derive(ToSchema)]
#[schema(as = SymptomLogPatch)]
#[expect(
    dead_code,
    reason = "documents the body; SymptomLogPatch::parse reads it"
)]
pub struct SymptomLogPatchBody {
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
