//! The account export (`GET /api/v1/me/export`): every record of the account in one document,
//! each the same API object the feature's own routes answer, so that a person can read it and a
//! program can re-import it. [`super::export_writer`] writes it, reading through the features'
//! stores in one snapshot.

use std::collections::BTreeMap;

use utoipa::ToSchema;

use crate::{
    auth::users::User,
    medications::{logs::model::MedicationLog, model::Medication},
    passport::{
        conditions::model::Condition, doctors::model::Doctor, links::store::DoctorConditionLink,
    },
    schedules::model::Schedule,
    symptoms::{logs::model::SymptomLog, types::model::SymptomType},
    types::{Id, Timestamp},
};

/// Every record of the account, each as the feature's own routes show it.
// The writer streams the fields in this order.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the document that the export writer streams field by field"
)]
pub struct AccountExport {
    exported_at: Timestamp,
    /// The account, as `GET /api/v1/me` shows it.
    profile: User,
    /// Ordered by name.
    medications: Vec<Medication>,
    /// Newest first, as the log lists.
    medication_logs: Vec<MedicationLog>,
    /// Each medication's schedules (by medication id, then first day), as the API shows them.
    schedules: Vec<Schedule>,
    symptom_types: Vec<SymptomType>,
    symptom_logs: Vec<SymptomLog>,
    conditions: Vec<Condition>,
    doctors: Vec<Doctor>,
    /// Which doctor treats which condition.
    doctor_conditions: Vec<DoctorConditionLink>,
}

/// For each doctor, the conditions they are linked to; for each condition, its doctors.
pub struct LinkIndex {
    pub conditions_of_doctor: BTreeMap<Id, Vec<Id>>,
    pub doctors_of_condition: BTreeMap<Id, Vec<Id>>,
}

impl LinkIndex {
    pub fn new(links: &[DoctorConditionLink]) -> Self {
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
        let link = |doctor_id, condition_id| DoctorConditionLink {
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
