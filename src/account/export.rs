//! The account export (`GET /api/v1/me/export`): every record of the account in one document,
//! each with the same fields as the API object it is (the schemas of `openapi/openapi.json`), so
//! that a person can read it and a program can re-import it.
//!
//! These types are the export's own (read by [`super::export_store`]), independent of the feature
//! modules' models, so that one document is read in one snapshot with one query per table.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::users::User,
    schedules::model::Schedule,
    types::{Date, Id, Timestamp},
};

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountExport {
    pub exported_at: Timestamp,
    /// The account, as `GET /api/v1/me` shows it.
    pub profile: User,
    /// Ordered by name.
    pub medications: Vec<ExportedMedication>,
    /// Newest first, as the log lists.
    pub medication_logs: Vec<ExportedMedicationLog>,
    /// Each medication's schedules (by medication id, then first day), as the API shows them.
    pub schedules: Vec<Schedule>,
    pub symptom_types: Vec<ExportedSymptomType>,
    pub symptom_logs: Vec<ExportedSymptomLog>,
    pub conditions: Vec<ExportedCondition>,
    pub doctors: Vec<ExportedDoctor>,
    /// Which doctor treats which condition.
    pub doctor_conditions: Vec<ExportedLink>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ExportedMedication {
    pub id: Id,
    #[schema(example = "Sumatriptan")]
    pub name: String,
    #[schema(example = "50 mg")]
    pub dosage: Option<String>,
    #[schema(example = "tablet")]
    pub form: Option<String>,
    pub purpose: Option<String>,
    #[schema(example = "As needed, at most 2 per day")]
    pub frequency: Option<String>,
    pub prescribing_doctor_id: Option<Id>,
    pub condition_id: Option<Id>,
    pub notes: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ExportedMedicationLog {
    pub id: Id,
    pub medication_id: Id,
    #[schema(example = "Sumatriptan")]
    pub medication_name: String,
    pub taken_at: Timestamp,
    #[schema(example = 50.0)]
    pub dose_amount: Option<f64>,
    #[schema(example = "mg")]
    pub dose_unit: Option<String>,
    #[schema(example = 4)]
    pub effectiveness: Option<i32>,
    pub side_effects: Option<String>,
    pub side_effect_severity: Option<i32>,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ExportedSymptomType {
    pub id: Id,
    #[schema(example = "Headache")]
    pub name: String,
    pub description: Option<String>,
    #[schema(example = "Neurological")]
    pub category: Option<String>,
    #[schema(example = 5)]
    pub default_severity: i32,
    #[schema(example = 5)]
    pub default_impact: i32,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedSymptomLog {
    pub id: Id,
    pub symptom_type_id: Id,
    #[schema(example = "Headache")]
    pub symptom_name: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    #[schema(example = 90)]
    pub duration_minutes: Option<i32>,
    #[schema(example = 6)]
    pub severity: i32,
    /// `mild` (1–3), `moderate` (4–6), `severe` (7–8) or `critical` (9–10).
    #[schema(example = "moderate")]
    pub severity_label: &'static str,
    #[schema(example = 4)]
    pub impact: i32,
    /// The same scale as `severity_label`.
    #[schema(example = "moderate")]
    pub impact_label: &'static str,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCondition {
    pub id: Id,
    #[schema(example = "Migraine")]
    pub name: String,
    /// `active` or `resolved`.
    #[schema(example = "active")]
    pub status: String,
    pub diagnosed_on: Option<Date>,
    pub notes: Option<String>,
    pub doctor_ids: Vec<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedDoctor {
    pub id: Id,
    #[schema(example = "Dr. Anna Weber")]
    pub name: String,
    #[schema(example = "Neurology")]
    pub specialty: Option<String>,
    #[schema(example = "+49 30 1234 5678")]
    pub phone: Option<String>,
    #[schema(example = "praxis.weber@example.org")]
    pub email: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub condition_ids: Vec<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ExportedLink {
    pub doctor_id: Id,
    pub condition_id: Id,
    pub created_at: Timestamp,
}

/// For each doctor, the conditions they are linked to; for each condition, its doctors.
pub struct LinkIndex {
    pub conditions_of_doctor: BTreeMap<Id, Vec<Id>>,
    pub doctors_of_condition: BTreeMap<Id, Vec<Id>>,
}

impl LinkIndex {
    pub fn new(links: &[ExportedLink]) -> Self {
        let mut index = Self {
            conditions_of_doctor: BTreeMap::new(),
            doctors_of_condition: BTreeMap::new(),
        };
        for link in links {
            index
                .conditions_of_doctor
                .entry(link.doctor_id)
                .or_default()
                .push(link.condition_id);
            index
                .doctors_of_condition
                .entry(link.condition_id)
                .or_default()
                .push(link.doctor_id);
        }
        // Id (creation) order, as the passport routes list them.
        for ids in index
            .conditions_of_doctor
            .values_mut()
            .chain(index.doctors_of_condition.values_mut())
        {
            ids.sort_unstable();
        }
        index
    }

    pub fn doctors_of(&mut self, condition: Id) -> Vec<Id> {
        self.doctors_of_condition
            .remove(&condition)
            .unwrap_or_default()
    }

    pub fn conditions_of(&mut self, doctor: Id) -> Vec<Id> {
        self.conditions_of_doctor
            .remove(&doctor)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_indexed_both_ways() {
        let (d1, d2, c1, c2) = (Id::new(), Id::new(), Id::new(), Id::new());
        let at = Timestamp::from_millis(0);
        let link = |doctor_id, condition_id| ExportedLink {
            doctor_id,
            condition_id,
            created_at: at,
        };
        let mut index = LinkIndex::new(&[link(d2, c2), link(d2, c1), link(d1, c1)]);
        assert_eq!(index.doctors_of(c1), [d1, d2]);
        assert_eq!(index.doctors_of(c2), [d2]);
        assert_eq!(index.conditions_of(d2), [c1, c2]);
        assert_eq!(index.conditions_of(d1), [c1]);
        assert!(index.conditions_of(Id::new()).is_empty());
    }
}
