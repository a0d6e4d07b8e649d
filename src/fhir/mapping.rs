//! From the diary's records to FHIR resources: pure functions, one per kind of record.

use sha2::{Digest, Sha256};

use super::{
    resources::{
        Address, Annotation, CareTeam, CareTeamParticipant, CodeableConcept, Coding, Condition,
        ContactPoint, Dosage, DoseAndRate, HumanName, MedicationStatement, Observation,
        ObservationComponent, Patient, Period, Practitioner, Qualification, Quantity, Reference,
        Resource,
    },
    timing,
};
use crate::{
    auth::users::User,
    medications::{logs::model::MedicationLog, model::Medication},
    passport::{
        conditions::model::{Condition as ConditionRecord, ConditionStatus},
        doctors::model::Doctor,
    },
    schedules::model::Schedule,
    symptoms::logs::model::SymptomLog,
    types::Id,
};

const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";

/// A reference to the bundle entry of the record `id`.
pub fn reference(id: Id) -> Reference {
    Reference {
        reference: format!("urn:uuid:{id}"),
    }
}

fn text(text: &str) -> CodeableConcept {
    CodeableConcept {
        coding: Vec::new(),
        text: Some(text.to_owned()),
    }
}

fn notes(texts: impl IntoIterator<Item = Option<String>>) -> Vec<Annotation> {
    texts
        .into_iter()
        .flatten()
        .map(|text| Annotation { text })
        .collect()
}

fn contact_points(phone: Option<&str>, email: Option<&str>) -> Vec<ContactPoint> {
    [("phone", phone), ("email", email)]
        .into_iter()
        .filter_map(|(system, value)| {
            value.map(|value| ContactPoint {
                system,
                value: value.to_owned(),
            })
        })
        .collect()
}

pub fn patient(user: &User) -> Resource {
    Resource::Patient(Patient {
        id: user.id.to_string(),
        name: user
            .display_name
            .iter()
            .map(|name| HumanName { text: name.clone() })
            .collect(),
        telecom: contact_points(None, Some(&user.email)),
    })
}

pub fn practitioner(doctor: Doctor) -> Resource {
    Resource::Practitioner(Practitioner {
        id: doctor.id.to_string(),
        telecom: contact_points(doctor.phone.as_deref(), doctor.email.as_deref()),
        name: vec![HumanName { text: doctor.name }],
        address: doctor
            .address
            .into_iter()
            .map(|text| Address { text })
            .collect(),
        qualification: doctor
            .specialty
            .iter()
            .map(|specialty| Qualification {
                code: text(specialty),
            })
            .collect(),
    })
}

pub fn condition(condition: ConditionRecord, patient: Id) -> Resource {
    let status = match condition.status {
        ConditionStatus::Active => "active",
        ConditionStatus::Resolved => "resolved",
    };
    Resource::Condition(Condition {
        id: condition.id.to_string(),
        clinical_status: Some(CodeableConcept {
            coding: vec![Coding {
                system: CONDITION_CLINICAL,
                code: status,
            }],
            text: None,
        }),
        code: text(&condition.name),
        subject: reference(patient),
        onset_date_time: condition.diagnosed_on.map(|date| date.to_string()),
        note: notes([condition.notes]),
    })
}

/// The care team of a condition's doctors has an id of its own, derived from the condition's:
/// the same condition gets the same team id in every export (so an importer can recognise it
/// again), and it can never equal a record's id (those are v7 UUIDs, this one a v8).
pub fn care_team_id(condition: Id) -> Id {
    let digest = Sha256::new()
        .chain_update(b"medtracker care team of condition ")
        .chain_update(condition.0.as_bytes())
        .finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Id(uuid::Uuid::new_v8(bytes))
}

/// The care team of a condition with linked doctors; `None` when it has none.
pub fn care_team(condition: Id, doctors: &[Id], patient: Id) -> Option<Resource> {
    if doctors.is_empty() {
        return None;
    }
    Some(Resource::CareTeam(CareTeam {
        id: care_team_id(condition).to_string(),
        subject: reference(patient),
        participant: doctors
            .iter()
            .map(|&doctor| CareTeamParticipant {
                member: reference(doctor),
            })
            .collect(),
        reason_reference: vec![reference(condition)],
    }))
}

/// A medication with its instructions as text (from its dosage and frequency) and one dosage per
/// schedule (`schedules`: the medication's own, by first day).
pub fn medication(medication: Medication, schedules: &[Schedule], patient: Id) -> Resource {
    let instructions: Vec<&str> = [
        medication.dosage.as_deref(),
        medication.frequency.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let written = (!instructions.is_empty()).then(|| Dosage {
        text: Some(instructions.join(", ")),
        ..Dosage::default()
    });
    let dosage = written
        .into_iter()
        .chain(schedules.iter().map(timing::scheduled_dosage))
        .collect();
    Resource::MedicationStatement(MedicationStatement {
        id: medication.id.to_string(),
        part_of: Vec::new(),
        status: if medication.active {
            "active"
        } else {
            "stopped"
        },
        medication_codeable_concept: text(&medication.name),
        subject: reference(patient),
        effective_date_time: None,
        information_source: Some(reference(patient)),
        reason_code: medication
            .purpose
            .as_deref()
            .map(text)
            .into_iter()
            .collect(),
        reason_reference: medication.condition_id.map(reference).into_iter().collect(),
        note: notes([medication.notes]),
        dosage,
    })
}

/// A dose as FHIR states it: a quantity only with an amount, since a unit alone says nothing to
/// measure.
pub fn dose_and_rate(amount: Option<f64>, unit: Option<&str>) -> Vec<DoseAndRate> {
    amount
        .map(|value| DoseAndRate {
            dose_quantity: Quantity {
                value,
                unit: unit.map(str::to_owned),
            },
        })
        .into_iter()
        .collect()
}

/// What a log says about side effects, as one sentence.
fn side_effects_note(text: Option<&str>, severity: Option<i32>) -> Option<String> {
    match (text, severity) {
        (Some(text), Some(severity)) => {
            Some(format!("Side effects: {text} (severity {severity} of 10)"))
        }
        (Some(text), None) => Some(format!("Side effects: {text}")),
        (None, Some(severity)) => Some(format!("Side effect severity: {severity} of 10")),
        (None, None) => None,
    }
}

pub fn medication_log(log: MedicationLog, patient: Id) -> Resource {
    let dose = dose_and_rate(log.dose_amount, log.dose_unit.as_deref());
    let dosage = (!dose.is_empty())
        .then(|| Dosage {
            dose_and_rate: dose,
            ..Dosage::default()
        })
        .into_iter()
        .collect();
    let side_effects = side_effects_note(log.side_effects.as_deref(), log.side_effect_severity);
    Resource::MedicationStatement(MedicationStatement {
        id: log.id.to_string(),
        part_of: vec![reference(log.medication_id)],
        status: "completed",
        medication_codeable_concept: text(&log.medication_name),
        subject: reference(patient),
        effective_date_time: Some(log.taken_at.to_string()),
        information_source: None,
        reason_code: Vec::new(),
        reason_reference: Vec::new(),
        note: notes([log.notes, side_effects]),
        dosage,
    })
}

pub fn symptom_log(log: SymptomLog, patient: Id) -> Resource {
    let (effective_date_time, effective_period) = match log.ended_at {
        Some(end) => (
            None,
            Some(Period {
                start: Some(log.started_at.to_string()),
                end: Some(end.to_string()),
            }),
        ),
        None => (Some(log.started_at.to_string()), None),
    };
    Resource::Observation(Observation {
        id: log.id.to_string(),
        status: "final",
        code: text(&log.symptom_name),
        subject: reference(patient),
        effective_date_time,
        effective_period,
        value_integer: log.severity,
        note: notes([log.notes]),
        component: vec![ObservationComponent {
            code: text("impact"),
            value_integer: log.impact,
        }],
    })
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
