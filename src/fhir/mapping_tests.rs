use serde_json::{Value, json};

use super::*;
use crate::types::{Date, Timestamp};

/// When every record of these tests was made; the mapping ignores it.
fn made() -> Timestamp {
    at("2026-01-01T00:00:00Z")
}

fn id(n: u128) -> Id {
    Id(uuid::Uuid::from_u128(n))
}

fn at(raw: &str) -> Timestamp {
    Timestamp::parse_rfc3339(raw).expect("a timestamp")
}

fn json_of(resource: Resource) -> Value {
    serde_json::to_value(resource.into_entry()).expect("serializable")
}

const PATIENT: u128 = 1;

fn patient_ref() -> Value {
    json!({"reference": format!("urn:uuid:{}", id(PATIENT))})
}

fn user(display_name: Option<&str>) -> User {
    User {
        id: id(PATIENT),
        email: "jan@example.com".into(),
        display_name: display_name.map(Into::into),
        timezone: "Europe/Berlin".into(),
        created_at: at("2026-01-01T00:00:00Z"),
    }
}

#[test]
fn a_patient_is_the_account_with_its_name_and_email() {
    let entry = json_of(patient(&user(Some("Jan"))));
    assert_eq!(entry["fullUrl"], json!(format!("urn:uuid:{}", id(PATIENT))));
    assert_eq!(
        entry["resource"],
        json!({"resourceType": "Patient", "id": id(PATIENT).to_string(),
            "name": [{"text": "Jan"}], "telecom": [{"system": "email", "value": "jan@example.com"}]})
    );
}

#[test]
fn a_patient_without_a_display_name_has_no_name() {
    let entry = json_of(patient(&user(None)));
    assert!(entry["resource"].get("name").is_none(), "{entry}");
}

#[test]
fn a_doctor_is_a_practitioner_with_contacts_address_and_specialty() {
    let doctor = Doctor {
        id: id(2),
        name: "Dr. Anna Weber".into(),
        specialty: Some("Neurology".into()),
        phone: Some("+49 30 1234".into()),
        email: Some("weber@example.org".into()),
        address: Some("Hauptstr. 1\nBerlin".into()),
        notes: Some("only for the doctor's own records".into()),
        condition_ids: vec![id(3)],
        created_at: made(),
        updated_at: made(),
    };
    assert_eq!(
        json_of(practitioner(doctor))["resource"],
        json!({"resourceType": "Practitioner", "id": id(2).to_string(),
            "name": [{"text": "Dr. Anna Weber"}],
            "telecom": [{"system": "phone", "value": "+49 30 1234"},
                        {"system": "email", "value": "weber@example.org"}],
            "address": [{"text": "Hauptstr. 1\nBerlin"}],
            "qualification": [{"code": {"text": "Neurology"}}]})
    );
}

#[test]
fn a_doctor_known_by_name_only_has_nothing_else() {
    let doctor = Doctor {
        id: id(2),
        name: "Dr. B".into(),
        specialty: None,
        phone: None,
        email: None,
        address: None,
        notes: None,
        condition_ids: Vec::new(),
        created_at: made(),
        updated_at: made(),
    };
    assert_eq!(
        json_of(practitioner(doctor))["resource"],
        json!({"resourceType": "Practitioner", "id": id(2).to_string(), "name": [{"text": "Dr. B"}]})
    );
}

fn condition_record(status: ConditionStatus, notes: Option<&str>) -> ConditionRecord {
    ConditionRecord {
        id: id(3),
        name: "Migraine".into(),
        status,
        diagnosed_on: Date::parse("2024-05-02"),
        notes: notes.map(Into::into),
        doctor_ids: Vec::new(),
        created_at: made(),
        updated_at: made(),
    }
}

#[test]
fn an_active_condition_has_its_status_onset_and_note() {
    assert_eq!(
        json_of(condition(
            condition_record(ConditionStatus::Active, Some("with aura")),
            id(PATIENT)
        ))["resource"],
        json!({"resourceType": "Condition", "id": id(3).to_string(),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "code": {"text": "Migraine"}, "subject": patient_ref(),
            "onsetDateTime": "2024-05-02", "note": [{"text": "with aura"}]})
    );
}

#[test]
fn a_resolved_condition_is_coded_resolved_and_has_no_empty_note() {
    let mut record = condition_record(ConditionStatus::Resolved, None);
    record.diagnosed_on = None;
    let resource = json_of(condition(record, id(PATIENT)))["resource"].clone();
    assert_eq!(
        resource["clinicalStatus"]["coding"][0]["code"],
        json!("resolved")
    );
    assert!(resource.get("note").is_none(), "{resource}");
    assert!(resource.get("onsetDateTime").is_none(), "{resource}");
}

#[test]
fn a_care_team_has_its_own_stable_id_and_names_the_condition_and_doctors() {
    let team = care_team(id(3), &[id(2), id(4)], id(PATIENT)).expect("doctors are linked");
    let entry = json_of(team);
    let team_id = care_team_id(id(3));
    assert_eq!(team_id, care_team_id(id(3)), "the same in every export");
    assert_ne!(team_id, care_team_id(id(5)));
    assert_ne!(team_id, id(3));
    assert_eq!(team_id.0.get_version_num(), 8);
    assert_eq!(entry["fullUrl"], json!(format!("urn:uuid:{team_id}")));
    assert_eq!(
        entry["resource"],
        json!({"resourceType": "CareTeam", "id": team_id.to_string(), "subject": patient_ref(),
            "participant": [{"member": {"reference": format!("urn:uuid:{}", id(2))}},
                            {"member": {"reference": format!("urn:uuid:{}", id(4))}}],
            "reasonReference": [{"reference": format!("urn:uuid:{}", id(3))}]})
    );
}

#[test]
fn a_condition_without_doctors_has_no_care_team() {
    assert!(care_team(id(3), &[], id(PATIENT)).is_none());
}

fn medication_record(active: bool) -> Medication {
    Medication {
        id: id(6),
        name: "Sumatriptan".into(),
        dosage: Some("50 mg".into()),
        form: Some("tablet".into()),
        frequency: Some("as needed".into()),
        purpose: Some("attacks".into()),
        prescribing_doctor_id: Some(id(2)),
        condition_id: Some(id(3)),
        notes: Some("with water".into()),
        active,
        created_at: made(),
        updated_at: made(),
    }
}

#[test]
fn an_active_medication_is_an_active_statement_with_dosage_reason_and_note() {
    assert_eq!(
        json_of(medication(medication_record(true), &[], id(PATIENT)))["resource"],
        json!({"resourceType": "MedicationStatement", "id": id(6).to_string(), "status": "active",
            "medicationCodeableConcept": {"text": "Sumatriptan"}, "subject": patient_ref(),
            "informationSource": patient_ref(), "reasonCode": [{"text": "attacks"}],
            "reasonReference": [{"reference": format!("urn:uuid:{}", id(3))}],
            "note": [{"text": "with water"}], "dosage": [{"text": "50 mg, as needed"}]})
    );
}

#[test]
fn a_stopped_medication_without_instructions_has_no_dosage() {
    let mut record = medication_record(false);
    record.dosage = None;
    record.frequency = None;
    record.purpose = None;
    record.condition_id = None;
    record.notes = None;
    assert_eq!(
        json_of(medication(record, &[], id(PATIENT)))["resource"],
        json!({"resourceType": "MedicationStatement", "id": id(6).to_string(), "status": "stopped",
            "medicationCodeableConcept": {"text": "Sumatriptan"}, "subject": patient_ref(),
            "informationSource": patient_ref()})
    );
}

#[test]
fn a_medication_has_one_dosage_per_schedule_after_its_written_instructions() {
    let made = made();
    let plan = |n: u128, starts_on: &str, ends_on: Option<&str>| Schedule {
        id: id(n),
        medication_id: id(6),
        times: vec!["08:00".into()],
        days_of_week: None,
        starts_on: Date::parse(starts_on).expect("a date"),
        ends_on: ends_on.and_then(Date::parse),
        dose_amount: None,
        dose_unit: None,
        created_at: made,
        updated_at: made,
    };
    let schedules = [
        plan(10, "2026-01-01", Some("2026-01-31")),
        plan(11, "2026-02-01", None),
    ];
    let resource =
        json_of(medication(medication_record(true), &schedules, id(PATIENT)))["resource"].clone();
    let dosage = resource["dosage"].as_array().expect("dosages");
    assert_eq!(dosage.len(), 3, "{resource}");
    assert_eq!(dosage[0], json!({"text": "50 mg, as needed"}));
    assert_eq!(
        dosage[1]["timing"]["repeat"]["boundsPeriod"],
        json!({"start": "2026-01-01", "end": "2026-01-31"})
    );
    assert_eq!(
        dosage[2]["timing"]["repeat"]["boundsPeriod"],
        json!({"start": "2026-02-01"})
    );
    assert_eq!(
        dosage[2]["timing"]["repeat"]["timeOfDay"],
        json!(["08:00:00"])
    );
}

#[test]
fn a_medication_with_a_frequency_only_has_it_as_dosage_text() {
    let mut record = medication_record(true);
    record.dosage = None;
    let resource = json_of(medication(record, &[], id(PATIENT)))["resource"].clone();
    assert_eq!(resource["dosage"], json!([{"text": "as needed"}]));
}

fn medication_log_record() -> MedicationLog {
    MedicationLog {
        id: id(7),
        medication_id: id(6),
        medication_name: "Sumatriptan".into(),
        taken_at: at("2026-11-27T08:30:00.123+01:00"),
        dose_amount: Some(50.0),
        dose_unit: Some("mg".into()),
        effectiveness: Some(4),
        side_effects: Some("drowsy".into()),
        side_effect_severity: Some(3),
        notes: Some("helped".into()),
        created_at: made(),
        updated_at: made(),
    }
}

#[test]
fn a_medication_log_is_a_completed_statement_part_of_its_medication() {
    assert_eq!(
        json_of(medication_log(medication_log_record(), id(PATIENT)))["resource"],
        json!({"resourceType": "MedicationStatement", "id": id(7).to_string(),
            "partOf": [{"reference": format!("urn:uuid:{}", id(6))}], "status": "completed",
            "medicationCodeableConcept": {"text": "Sumatriptan"}, "subject": patient_ref(),
            "effectiveDateTime": "2026-11-27T07:30:00.123Z",
            "note": [{"text": "helped"}, {"text": "Side effects: drowsy (severity 3 of 10)"}],
            "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 50.0, "unit": "mg"}}]}]})
    );
}

#[test]
fn a_log_without_a_dose_has_no_dosage_and_no_empty_note() {
    let mut record = medication_log_record();
    record.dose_amount = None;
    record.dose_unit = None;
    record.side_effects = None;
    record.side_effect_severity = None;
    record.notes = None;
    let resource = json_of(medication_log(record, id(PATIENT)))["resource"].clone();
    assert!(resource.get("dosage").is_none(), "{resource}");
    assert!(resource.get("note").is_none(), "{resource}");
}

#[test]
fn a_dose_without_a_unit_is_a_bare_quantity() {
    let mut record = medication_log_record();
    record.dose_unit = None;
    let resource = json_of(medication_log(record, id(PATIENT)))["resource"].clone();
    assert_eq!(
        resource["dosage"],
        json!([{"doseAndRate": [{"doseQuantity": {"value": 50.0}}]}])
    );
}

#[test]
fn a_side_effect_severity_without_text_is_still_noted() {
    let mut record = medication_log_record();
    record.side_effects = None;
    record.notes = None;
    let resource = json_of(medication_log(record, id(PATIENT)))["resource"].clone();
    assert_eq!(
        resource["note"],
        json!([{"text": "Side effect severity: 3 of 10"}])
    );
}

fn symptom_log_record(ended_at: Option<&str>) -> SymptomLog {
    SymptomLog {
        id: id(8),
        symptom_type_id: id(9),
        symptom_name: "Headache".into(),
        started_at: at("2026-11-27T08:00:00Z"),
        ended_at: ended_at.map(at),
        duration_minutes: ended_at.map(|_| 90),
        severity: 7,
        severity_label: "severe",
        impact: 4,
        impact_label: "moderate",
        notes: Some("behind the eyes".into()),
        created_at: made(),
        updated_at: made(),
    }
}

#[test]
fn an_ended_symptom_is_an_observation_over_a_period() {
    assert_eq!(
        json_of(symptom_log(
            symptom_log_record(Some("2026-11-27T09:30:00Z")),
            id(PATIENT)
        ))["resource"],
        json!({"resourceType": "Observation", "id": id(8).to_string(), "status": "final",
            "code": {"text": "Headache"}, "subject": patient_ref(),
            "effectivePeriod": {"start": "2026-11-27T08:00:00.000Z", "end": "2026-11-27T09:30:00.000Z"},
            "valueInteger": 7, "note": [{"text": "behind the eyes"}],
            "component": [{"code": {"text": "impact"}, "valueInteger": 4}]})
    );
}

#[test]
fn an_ongoing_symptom_is_an_observation_at_its_start() {
    let resource = json_of(symptom_log(symptom_log_record(None), id(PATIENT)))["resource"].clone();
    assert_eq!(
        resource["effectiveDateTime"],
        json!("2026-11-27T08:00:00.000Z")
    );
    assert!(resource.get("effectivePeriod").is_none(), "{resource}");
}
