//! The export's SQL: one query per table, each scoped to the account and served by the
//! `(user_id, ...)` indexes, all read in one snapshot so that the document is consistent even while
//! the account writes (a log never names a medication the document lacks).

use super::export::{
    AccountExport, ExportedCondition, ExportedDoctor, ExportedLink, ExportedMedication,
    ExportedMedicationLog, ExportedSymptomLog, ExportedSymptomType, LinkIndex,
};
use crate::{
    auth::users::User,
    db::{Db, DbError},
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

/// Everything the tables hold for one account, as read in one snapshot.
struct Rows {
    profile: Option<User>,
    medications: Vec<ExportedMedication>,
    medication_logs: Vec<ExportedMedicationLog>,
    schedules: Vec<ScheduleRow>,
    symptom_types: Vec<ExportedSymptomType>,
    symptom_logs: Vec<SymptomLogRow>,
    conditions: Vec<ConditionRow>,
    doctors: Vec<DoctorRow>,
    links: Vec<ExportedLink>,
}

/// Runs `$body` in a read-only transaction that sees one snapshot of the database.
macro_rules! in_snapshot {
    ($db:expr, |$tx:ident| $body:expr) => {
        match $db {
            Db::Sqlite(sqlite) => {
                // In WAL mode a (deferred) read transaction keeps the snapshot of its first read.
                let mut reader = sqlite.readers.acquire().await?;
                let mut $tx = sqlx::Connection::begin(&mut *reader).await?;
                let out = $body;
                $tx.rollback().await?;
                out
            }
            Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *$tx)
                    .await?;
                let out = $body;
                $tx.rollback().await?;
                out
            }
        }
    };
}

async fn read_rows(db: &Db, user_id: Id) -> Result<Rows, DbError> {
    let rows = in_snapshot!(db, |tx| Rows {
        profile: sqlx::query_as(PROFILE)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?,
        medications: sqlx::query_as(MEDICATIONS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        medication_logs: sqlx::query_as(MEDICATION_LOGS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        schedules: sqlx::query_as(SCHEDULES)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        symptom_types: sqlx::query_as(SYMPTOM_TYPES)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        symptom_logs: sqlx::query_as(SYMPTOM_LOGS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        conditions: sqlx::query_as(CONDITIONS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        doctors: sqlx::query_as(DOCTORS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
        links: sqlx::query_as(LINKS)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?,
    });
    Ok(rows)
}

/// The export of the account `user_id`, or `None` when the account no longer exists.
pub async fn export(db: &Db, user_id: Id) -> Result<Option<AccountExport>, DbError> {
    let exported_at = Timestamp::now();
    let rows = read_rows(db, user_id).await?;
    let Some(profile) = rows.profile else {
        return Ok(None);
    };
    let mut links = LinkIndex::new(&rows.links);
    let conditions = rows
        .conditions
        .into_iter()
        .map(|row| ExportedCondition {
            doctor_ids: links.doctors_of(row.id),
            id: row.id,
            name: row.name,
            status: row.status,
            diagnosed_on: row.diagnosed_on,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect();
    let doctors = rows
        .doctors
        .into_iter()
        .map(|row| ExportedDoctor {
            condition_ids: links.conditions_of(row.id),
            id: row.id,
            name: row.name,
            specialty: row.specialty,
            phone: row.phone,
            email: row.email,
            address: row.address,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect();
    Ok(Some(AccountExport {
        exported_at,
        profile,
        medications: rows.medications,
        medication_logs: rows.medication_logs,
        schedules: rows
            .schedules
            .into_iter()
            .map(ScheduleRow::into_schedule)
            .collect::<Result<_, _>>()?,
        symptom_types: rows.symptom_types,
        symptom_logs: rows.symptom_logs.into_iter().map(Into::into).collect(),
        conditions,
        doctors,
        doctor_conditions: rows.links,
    }))
}
