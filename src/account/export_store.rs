//! The export's SQL and its writer: one query per table, each scoped to the account and served by
//! the `(user_id, ...)` indexes, all read in one snapshot so that the document is consistent even
//! while the account writes (a log never names a medication the document lacks). Rows are written
//! to the response as they are read, so the export's memory does not grow with the account.

use futures_util::TryStreamExt;
use serde::Serialize;

use super::export::{
    ExportedCondition, ExportedDoctor, ExportedLink, ExportedMedication, ExportedMedicationLog,
    ExportedSymptomLog, ExportedSymptomType, LinkIndex,
};
use crate::{
    auth::users::User,
    db::{Db, DbError, Snapshot, SnapshotRow},
    http::streaming::{BodyWriter, StreamError},
    schedules::model::ScheduleRow,
    symptoms::severity_label,
    types::{Date, Id, Timestamp},
};

const PROFILE: &str =
    "SELECT id, email, display_name, timezone, created_at FROM users WHERE id = $1";
const MEDICATIONS: &str = "SELECT id, name, dosage, form, purpose, frequency, prescribing_doctor_id, condition_id, notes, active, created_at, updated_at \
     FROM medications WHERE user_id = $1 ORDER BY name_key, id";
const MEDICATION_LOGS: &str = "SELECT l.id, l.medication_id, m.name AS medication_name, l.taken_at, l.dose_amount, l.dose_unit, l.effectiveness, \
     l.side_effects, l.side_effect_severity, l.notes, l.created_at, l.updated_at \
     FROM medication_logs l JOIN medications m ON m.id = l.medication_id AND m.user_id = l.user_id \
     WHERE l.user_id = $1 ORDER BY l.taken_at DESC, l.id DESC";
const SCHEDULES: &str = "SELECT id, medication_id, times, days_of_week, starts_on, ends_on, dose_amount, dose_unit, created_at, updated_at \
     FROM schedules WHERE user_id = $1 ORDER BY medication_id, starts_on, id";
const SYMPTOM_TYPES: &str = "SELECT id, name, description, category, default_severity, default_impact, active, created_at, updated_at \
     FROM symptom_types WHERE user_id = $1 ORDER BY name_key, id";
const SYMPTOM_LOGS: &str = "SELECT l.id, l.symptom_type_id, t.name AS symptom_name, l.started_at, l.ended_at, l.duration_minutes, \
     l.severity, l.impact, l.notes, l.created_at, l.updated_at \
     FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
     WHERE l.user_id = $1 ORDER BY l.started_at DESC, l.id DESC";
const CONDITIONS: &str = "SELECT id, name, status, diagnosed_on, notes, created_at, updated_at \
     FROM conditions WHERE user_id = $1 ORDER BY name_key, id";
const DOCTORS: &str = "SELECT id, name, specialty, phone, email, address, notes, created_at, updated_at \
     FROM doctors WHERE user_id = $1 ORDER BY name_key, id";
const LINKS: &str = "SELECT doctor_id, condition_id, created_at FROM doctor_conditions \
     WHERE user_id = $1 ORDER BY doctor_id, condition_id";

#[derive(sqlx::FromRow)]
struct SymptomLogRow {
    id: Id,
    symptom_type_id: Id,
    symptom_name: String,
    started_at: Timestamp,
    ended_at: Option<Timestamp>,
    duration_minutes: Option<i32>,
    severity: i32,
    impact: i32,
    notes: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<SymptomLogRow> for ExportedSymptomLog {
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

#[derive(sqlx::FromRow)]
struct ConditionRow {
    id: Id,
    name: String,
    status: String,
    diagnosed_on: Option<Date>,
    notes: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct DoctorRow {
    id: Id,
    name: String,
    specialty: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    notes: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// An export ready to be written: the snapshot it reads and the account it belongs to.
pub struct PendingExport {
    snapshot: Snapshot,
    profile: User,
    exported_at: Timestamp,
}

impl PendingExport {
    pub fn exported_at(&self) -> Timestamp {
        self.exported_at
    }
}

/// Opens the snapshot the export of `user_id` reads; `None` when the account no longer exists.
pub async fn open(db: &Db, user_id: Id) -> Result<Option<PendingExport>, DbError> {
    let exported_at = Timestamp::now();
    let mut snapshot = Snapshot::open(db).await?;
    let Some(profile) = snapshot.optional::<User>(PROFILE, user_id).await? else {
        return Ok(None);
    };
    Ok(Some(PendingExport {
        snapshot,
        profile,
        exported_at,
    }))
}

/// Writes the document: the fields of [`super::export::AccountExport`], in its order.
pub async fn write(export: PendingExport, mut out: BodyWriter) -> Result<(), StreamError> {
    let PendingExport {
        mut snapshot,
        profile,
        exported_at,
    } = export;
    let user_id = profile.id;
    // Links are few (the quotas bound conditions and doctors) and both of their ends need them.
    let links: Vec<ExportedLink> = snapshot.all(LINKS, user_id).await?;
    let mut index = LinkIndex::new(&links);

    out.raw("{\"exported_at\":");
    out.value(&exported_at).await?;
    out.raw(",\"profile\":");
    out.value(&profile).await?;
    let db = &mut snapshot;
    array(
        &mut out,
        db,
        "medications",
        MEDICATIONS,
        user_id,
        |row: ExportedMedication| row,
    )
    .await?;
    array(
        &mut out,
        db,
        "medication_logs",
        MEDICATION_LOGS,
        user_id,
        |row: ExportedMedicationLog| row,
    )
    .await?;
    try_array(
        &mut out,
        db,
        "schedules",
        SCHEDULES,
        user_id,
        ScheduleRow::into_schedule,
    )
    .await?;
    array(
        &mut out,
        db,
        "symptom_types",
        SYMPTOM_TYPES,
        user_id,
        |row: ExportedSymptomType| row,
    )
    .await?;
    array(
        &mut out,
        db,
        "symptom_logs",
        SYMPTOM_LOGS,
        user_id,
        |row: SymptomLogRow| ExportedSymptomLog::from(row),
    )
    .await?;
    array(
        &mut out,
        db,
        "conditions",
        CONDITIONS,
        user_id,
        |row: ConditionRow| ExportedCondition {
            doctor_ids: index.doctors_of(row.id),
            id: row.id,
            name: row.name,
            status: row.status,
            diagnosed_on: row.diagnosed_on,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
    )
    .await?;
    array(
        &mut out,
        db,
        "doctors",
        DOCTORS,
        user_id,
        |row: DoctorRow| ExportedDoctor {
            condition_ids: index.conditions_of(row.id),
            id: row.id,
            name: row.name,
            specialty: row.specialty,
            phone: row.phone,
            email: row.email,
            address: row.address,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
    )
    .await?;
    out.raw(",\"doctor_conditions\":");
    out.value(&links).await?;
    out.raw("}");
    out.finish().await
}

/// Writes `,"key":[...]` with one element per row of `sql`, as the rows arrive.
async fn array<T: SnapshotRow, U: Serialize>(
    out: &mut BodyWriter,
    snapshot: &mut Snapshot,
    key: &str,
    sql: &'static str,
    user_id: Id,
    mut to_item: impl FnMut(T) -> U,
) -> Result<(), StreamError> {
    try_array(out, snapshot, key, sql, user_id, |row| {
        Ok::<_, StreamError>(to_item(row))
    })
    .await
}

/// [`array`] for rows whose conversion can fail (a stored value the API cannot show).
async fn try_array<T: SnapshotRow, U: Serialize, E: Into<StreamError>>(
    out: &mut BodyWriter,
    snapshot: &mut Snapshot,
    key: &str,
    sql: &'static str,
    user_id: Id,
    mut to_item: impl FnMut(T) -> Result<U, E>,
) -> Result<(), StreamError> {
    out.raw(",\"");
    out.raw(key);
    out.raw("\":[");
    let mut rows = snapshot.rows::<T>(sql, user_id);
    let mut first = true;
    while let Some(row) = rows.try_next().await? {
        if !first {
            out.raw(",");
        }
        first = false;
        out.value(&to_item(row).map_err(Into::into)?).await?;
    }
    out.raw("]");
    Ok(())
}
