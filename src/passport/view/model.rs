//! The passport: every condition with the doctors linked to it and the active medications taken
//! for it, assembled in memory from three flat lists (so the view costs three queries whatever
//! the size of the account).

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    input::name_key,
    passport::conditions::model::{Condition, ConditionStatus},
    types::{Id, Timestamp},
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"generated_at": "2026-11-27T08:30:00.123Z", "conditions": [{
    "id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c", "name": "Asthma", "status": "active",
    "diagnosed_on": "2019-04-02", "notes": "Worse in spring.", "doctor_ids": ["019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b"],
    "created_at": "2026-11-27T08:30:00.123Z", "updated_at": "2026-11-27T08:30:00.123Z",
    "doctors": [{"id": "019a6b2e-8d2e-7a41-8f3b-1c2d3e4f5a6b", "name": "Dr. Anna Weber", "specialty": "Pulmonology",
        "phone": "+49 30 1234-567", "email": "praxis@weber.example"}],
    "medications": [{"id": "019a6b2e-9e3f-7b52-9a4c-2d3e4f5a6b7c", "name": "Salbutamol", "dosage": "100 µg",
        "frequency": "as needed"}]}]}))]
pub struct Passport {
    pub generated_at: Timestamp,
    /// Active conditions first, then resolved ones; by name within each.
    pub conditions: Vec<PassportCondition>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PassportCondition {
    #[serde(flatten)]
    pub condition: Condition,
    /// By name.
    pub doctors: Vec<DoctorSummary>,
    /// The active medications whose `condition_id` is this condition, by name.
    pub medications: Vec<MedicationSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct DoctorSummary {
    pub id: Id,
    #[schema(example = "Dr. Anna Weber")]
    pub name: String,
    #[schema(example = "Pulmonology")]
    pub specialty: Option<String>,
    #[schema(example = "+49 30 1234-567")]
    pub phone: Option<String>,
    #[schema(example = "praxis@weber.example")]
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct MedicationSummary {
    pub id: Id,
    #[schema(example = "Salbutamol")]
    pub name: String,
    #[schema(example = "100 µg")]
    pub dosage: Option<String>,
    #[schema(example = "as needed")]
    pub frequency: Option<String>,
}

/// Puts the passport together. `doctors` and `medications` are (condition id, entry) pairs,
/// each list already in display order (by name); the order is kept within each condition.
pub fn assemble(
    generated_at: Timestamp,
    mut conditions: Vec<Condition>,
    doctors: Vec<(Id, DoctorSummary)>,
    medications: Vec<(Id, MedicationSummary)>,
) -> Passport {
    conditions
        .sort_by_cached_key(|c| (c.status != ConditionStatus::Active, name_key(&c.name), c.id));
    let mut doctors_of: HashMap<Id, Vec<DoctorSummary>> = HashMap::new();
    for (condition_id, doctor) in doctors {
        doctors_of.entry(condition_id).or_default().push(doctor);
    }
    let mut medications_of: HashMap<Id, Vec<MedicationSummary>> = HashMap::new();
    for (condition_id, medication) in medications {
        medications_of
            .entry(condition_id)
            .or_default()
            .push(medication);
    }
    let conditions = conditions
        .into_iter()
        .map(|mut condition| {
            let doctors = doctors_of.remove(&condition.id).unwrap_or_default();
            let mut doctor_ids: Vec<Id> = doctors.iter().map(|d| d.id).collect();
            doctor_ids.sort_unstable();
            condition.doctor_ids = doctor_ids;
            PassportCondition {
                medications: medications_of.remove(&condition.id).unwrap_or_default(),
                doctors,
                condition,
            }
        })
        .collect();
    Passport {
        generated_at,
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Id {
        Id(uuid::Uuid::from_u128(n))
    }

    fn condition(n: u128, name: &str, status: ConditionStatus) -> Condition {
        Condition {
            id: id(n),
            name: name.into(),
            status,
            diagnosed_on: None,
            notes: None,
            doctor_ids: Vec::new(),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn doctor(n: u128, name: &str) -> DoctorSummary {
        DoctorSummary {
            id: id(n),
            name: name.into(),
            specialty: None,
            phone: None,
            email: None,
        }
    }

    fn medication(n: u128, name: &str) -> MedicationSummary {
        MedicationSummary {
            id: id(n),
            name: name.into(),
            dosage: None,
            frequency: None,
        }
    }

    #[test]
    fn active_conditions_come_first_then_by_name_ignoring_case() {
        use ConditionStatus::{Active, Resolved};
        let passport = assemble(
            Timestamp::from_millis(0),
            vec![
                condition(1, "asthma", Resolved),
                condition(2, "Migraine", Active),
                condition(3, "Allergy", Resolved),
                condition(4, "diabetes", Active),
            ],
            Vec::new(),
            Vec::new(),
        );
        let names: Vec<&str> = passport
            .conditions
            .iter()
            .map(|c| c.condition.name.as_str())
            .collect();
        assert_eq!(names, ["diabetes", "Migraine", "Allergy", "asthma"]);
    }

    #[test]
    fn doctors_and_medications_go_to_their_condition_in_the_given_order() {
        let passport = assemble(
            Timestamp::from_millis(0),
            vec![
                condition(1, "Asthma", ConditionStatus::Active),
                condition(2, "Migraine", ConditionStatus::Active),
            ],
            vec![
                (id(1), doctor(20, "Dr. Adler")),
                (id(2), doctor(20, "Dr. Adler")),
                (id(1), doctor(10, "Dr. Weber")),
            ],
            vec![(id(2), medication(30, "Sumatriptan"))],
        );
        let [asthma, migraine] = &passport.conditions[..] else {
            panic!("two conditions");
        };
        assert_eq!(
            asthma.doctors,
            [doctor(20, "Dr. Adler"), doctor(10, "Dr. Weber")]
        );
        assert_eq!(asthma.condition.doctor_ids, [id(10), id(20)]);
        assert!(asthma.medications.is_empty());
        assert_eq!(migraine.doctors, [doctor(20, "Dr. Adler")]);
        assert_eq!(migraine.medications, [medication(30, "Sumatriptan")]);
    }
}
