//! Writes a demo account together with its sample data, in one transaction: a demo either exists
//! with everything to show, or not at all. Every row goes through its feature's store, as a
//! request would write it.

use super::data::SampleData;
use crate::{
    auth::{
        email::Email,
        users::{self, NewUser, User},
    },
    db::{Conn, Db, DbError},
    medications::{
        logs::{model::MedicationLogInput, store as medication_logs},
        model::MedicationInput,
        store as medications,
    },
    passport::{
        conditions::{model::ConditionInput, store as conditions},
        doctors::{model::DoctorInput, store as doctors},
        links::store as links,
    },
    schedules::{
        model::ScheduleFields,
        store::{self as schedules, Written},
    },
    symptoms::{
        logs::{model::LogValues, store as symptom_logs},
        types::{model::SymptomTypeInput, store as symptom_types},
    },
    types::Timestamp,
};

/// Creates the demo account `email`, expiring at `expires_at`, with `data`.
pub async fn insert_with_sample_data(
    db: &Db,
    email: &Email,
    expires_at: Timestamp,
    data: &SampleData,
) -> Result<User, DbError> {
    db.transaction(async |tx| {
        let user = users::insert(
            tx,
            NewUser {
                email,
                password_hash: None,
                display_name: Some("Demo"),
                timezone: "UTC",
                demo_expires_at: Some(expires_at),
            },
        )
        .await?;
        insert_sample_data(tx, &user, data).await?;
        Ok(user)
    })
    .await
}

async fn insert_sample_data(
    tx: &mut Conn<'_>,
    user: &User,
    data: &SampleData,
) -> Result<(), DbError> {
    let mut condition_ids = Vec::with_capacity(data.conditions.len());
    for condition in &data.conditions {
        let new = ConditionInput {
            name: condition.name.to_owned(),
            status: condition.status,
            diagnosed_on: Some(condition.diagnosed_on),
            notes: condition.notes.map(str::to_owned),
        };
        condition_ids.push(conditions::insert(tx, user.id, &new).await?.id);
    }
    let mut doctor_ids = Vec::with_capacity(data.doctors.len());
    for doctor in &data.doctors {
        let new = DoctorInput {
            name: doctor.name.to_owned(),
            specialty: Some(doctor.specialty.to_owned()),
            phone: Some(doctor.phone.to_owned()),
            email: Some(doctor.email.to_owned()),
            address: Some(doctor.address.to_owned()),
            notes: None,
        };
        doctor_ids.push(doctors::insert(tx, user.id, &new).await?.id);
    }
    for (doctor, condition) in &data.links {
        if let (Some(doctor), Some(condition)) =
            (doctor_ids.get(*doctor), condition_ids.get(*condition))
        {
            links::link(tx, user.id, *doctor, *condition).await?;
        }
    }
    for medication in &data.medications {
        let new = MedicationInput {
            name: medication.name.to_owned(),
            dosage: Some(medication.dosage.to_owned()),
            form: Some(medication.form.to_owned()),
            purpose: Some(medication.purpose.to_owned()),
            frequency: Some(medication.frequency.to_owned()),
            prescribing_doctor_id: medication
                .prescribing_doctor
                .and_then(|i| doctor_ids.get(i).copied()),
            condition_id: medication
                .condition
                .and_then(|i| condition_ids.get(i).copied()),
            notes: medication.notes.map(str::to_owned),
            active: medication.active,
        };
        let medication_id = medications::insert(tx, user.id, &new).await?.id;
        for log in &medication.logs {
            let new = MedicationLogInput {
                medication_id,
                taken_at: log.taken_at,
                dose_amount: Some(log.dose_amount),
                dose_unit: Some(log.dose_unit.to_owned()),
                effectiveness: Some(log.effectiveness),
                side_effects: log.side_effects.map(str::to_owned),
                side_effect_severity: log.side_effect_severity,
                notes: log.notes.map(str::to_owned),
            };
            // The history of a medication stopped since: written as it was logged back then.
            medication_logs::insert_row(tx, user.id, &new).await?;
        }
        if let Some(schedule) = &medication.schedule {
            let new = ScheduleFields {
                times: vec![schedule.time],
                days_of_week: None,
                starts_on: schedule.starts_on,
                ends_on: schedule.ends_on,
                dose_amount: Some(schedule.dose_amount),
                dose_unit: Some(schedule.dose_unit.to_owned()),
            };
            match schedules::insert(tx, user.id, medication_id, &new).await? {
                Written::Saved(_) => {}
                refused => {
                    // The sample data is fixed: a refusal is a bug in it, not a user's mistake.
                    let reason = format!("the demo schedule was refused: {refused:?}");
                    return Err(DbError::Other(sqlx::Error::Protocol(reason)));
                }
            }
        }
    }
    for symptom_type in &data.symptom_types {
        let new = SymptomTypeInput {
            name: symptom_type.name.to_owned(),
            description: Some(symptom_type.description.to_owned()),
            category: Some(symptom_type.category.to_owned()),
            default_severity: symptom_type.default_severity,
            default_impact: symptom_type.default_impact,
            active: true,
        };
        let symptom_type_id = symptom_types::insert(tx, user.id, &new).await?.id;
        for log in &symptom_type.logs {
            let values = LogValues {
                symptom_type_id,
                started_at: log.started_at,
                ended_at: log.ended_at,
                duration_minutes: log.duration_minutes,
                severity: log.severity,
                impact: log.impact,
                notes: log.notes.map(str::to_owned),
            };
            symptom_logs::insert_values(tx, user.id, &values).await?;
        }
    }
    Ok(())
}
