//! Writes a demo account together with its sample data, in one transaction: a demo either exists
//! with everything to show, or not at all.

use super::{demo_data::SampleData, email::Email, users::User};
use crate::{
    db::{Db, DbError, transaction},
    input::name_key,
    types::{Id, Timestamp},
};

const INSERT_USER: &str = "INSERT INTO users (id, email, password_hash, display_name, timezone, is_demo, demo_expires_at, created_at, updated_at) \
     VALUES ($1, $2, NULL, 'Demo', 'UTC', $3, $4, $5, $5) RETURNING id, email, display_name, timezone, created_at";
const INSERT_CONDITION: &str = "INSERT INTO conditions (id, user_id, name, name_key, status, diagnosed_on, notes, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
const INSERT_DOCTOR: &str = "INSERT INTO doctors (id, user_id, name, name_key, specialty, phone, email, address, notes, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9)";
const INSERT_LINK: &str = "INSERT INTO doctor_conditions (doctor_id, condition_id, user_id, created_at) \
     VALUES ($1, $2, $3, $4)";
const INSERT_MEDICATION: &str = "INSERT INTO medications (id, user_id, name, name_key, dosage, form, purpose, frequency, prescribing_doctor_id, condition_id, notes, active, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";
const INSERT_MEDICATION_LOG: &str = "INSERT INTO medication_logs (id, user_id, medication_id, taken_at, dose_amount, dose_unit, effectiveness, side_effects, side_effect_severity, notes, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";
const INSERT_SYMPTOM_TYPE: &str = "INSERT INTO symptom_types (id, user_id, name, name_key, description, category, default_severity, default_impact, active, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
const INSERT_SYMPTOM_LOG: &str = "INSERT INTO symptom_logs (id, user_id, symptom_type_id, started_at, ended_at, duration_minutes, severity, impact, notes, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";

/// Creates the demo account `email`, expiring at `expires_at`, with `data`.
pub async fn insert_with_sample_data(
    db: &Db,
    email: &Email,
    expires_at: Timestamp,
    data: &SampleData,
) -> Result<User, DbError> {
    let now = Timestamp::now();
    let user = transaction!(db, |tx| {
        let user: User = sqlx::query_as(INSERT_USER)
            .bind(Id::new())
            .bind(email.as_str())
            .bind(true)
            .bind(expires_at)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let mut condition_ids = Vec::with_capacity(data.conditions.len());
        for condition in &data.conditions {
            let id = Id::new();
            sqlx::query(INSERT_CONDITION)
                .bind(id)
                .bind(user.id)
                .bind(condition.name)
                .bind(name_key(condition.name))
                .bind(condition.status)
                .bind(condition.diagnosed_on)
                .bind(condition.notes)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            condition_ids.push(id);
        }
        let mut doctor_ids = Vec::with_capacity(data.doctors.len());
        for doctor in &data.doctors {
            let id = Id::new();
            sqlx::query(INSERT_DOCTOR)
                .bind(id)
                .bind(user.id)
                .bind(doctor.name)
                .bind(name_key(doctor.name))
                .bind(doctor.specialty)
                .bind(doctor.phone)
                .bind(doctor.email)
                .bind(doctor.address)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            doctor_ids.push(id);
        }
        for (doctor, condition) in &data.links {
            if let (Some(doctor), Some(condition)) =
                (doctor_ids.get(*doctor), condition_ids.get(*condition))
            {
                sqlx::query(INSERT_LINK)
                    .bind(*doctor)
                    .bind(*condition)
                    .bind(user.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for medication in &data.medications {
            let medication_id = Id::new();
            sqlx::query(INSERT_MEDICATION)
                .bind(medication_id)
                .bind(user.id)
                .bind(medication.name)
                .bind(name_key(medication.name))
                .bind(medication.dosage)
                .bind(medication.form)
                .bind(medication.purpose)
                .bind(medication.frequency)
                .bind(
                    medication
                        .prescribing_doctor
                        .and_then(|i| doctor_ids.get(i).copied()),
                )
                .bind(
                    medication
                        .condition
                        .and_then(|i| condition_ids.get(i).copied()),
                )
                .bind(medication.notes)
                .bind(medication.active)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for log in &medication.logs {
                sqlx::query(INSERT_MEDICATION_LOG)
                    .bind(Id::new())
                    .bind(user.id)
                    .bind(medication_id)
                    .bind(log.taken_at)
                    .bind(log.dose_amount)
                    .bind(log.dose_unit)
                    .bind(log.effectiveness)
                    .bind(log.side_effects)
                    .bind(log.side_effect_severity)
                    .bind(log.notes)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for symptom_type in &data.symptom_types {
            let type_id = Id::new();
            sqlx::query(INSERT_SYMPTOM_TYPE)
                .bind(type_id)
                .bind(user.id)
                .bind(symptom_type.name)
                .bind(name_key(symptom_type.name))
                .bind(symptom_type.description)
                .bind(symptom_type.category)
                .bind(symptom_type.default_severity)
                .bind(symptom_type.default_impact)
                .bind(true)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for log in &symptom_type.logs {
                sqlx::query(INSERT_SYMPTOM_LOG)
                    .bind(Id::new())
                    .bind(user.id)
                    .bind(type_id)
                    .bind(log.started_at)
                    .bind(log.ended_at)
                    .bind(log.duration_minutes)
                    .bind(log.severity)
                    .bind(log.impact)
                    .bind(log.notes)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        user
    });
    Ok(user)
}
