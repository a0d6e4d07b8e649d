//! The diary's records as the FHIR export reads them: just the columns the mapping needs.

use crate::types::{Date, Id, Timestamp};

#[derive(Debug, sqlx::FromRow)]
pub struct DoctorRecord {
    pub id: Id,
    pub name: String,
    pub specialty: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct ConditionRecord {
    pub id: Id,
    pub name: String,
    /// `active` or `resolved`.
    pub status: String,
    pub diagnosed_on: Option<Date>,
    pub notes: Option<String>,
}

/// A doctor treating a condition.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct CareLink {
    pub condition_id: Id,
    pub doctor_id: Id,
}

#[derive(Debug, sqlx::FromRow)]
pub struct MedicationRecord {
    pub id: Id,
    pub name: String,
    pub dosage: Option<String>,
    pub frequency: Option<String>,
    pub purpose: Option<String>,
    pub condition_id: Option<Id>,
    pub notes: Option<String>,
    pub active: bool,
}

#[derive(Debug, sqlx::FromRow)]
pub struct MedicationLogRecord {
    pub id: Id,
    pub medication_id: Id,
    pub medication_name: String,
    pub taken_at: Timestamp,
    pub dose_amount: Option<f64>,
    pub dose_unit: Option<String>,
    pub side_effects: Option<String>,
    pub side_effect_severity: Option<i32>,
    pub notes: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct SymptomLogRecord {
    pub id: Id,
    pub symptom_name: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub severity: i32,
    pub impact: i32,
    pub notes: Option<String>,
}
