//! The `doctors` table. Every function takes the account id and puts it in the `WHERE`.

use super::model::{Doctor, DoctorValues};
use crate::{
    db::{self, Db, DbError, execute, on_writer, read},
    input::name_key,
    passport::links::store as links,
    types::{Id, Timestamp},
};

const COLUMNS: &str = "id, name, specialty, phone, email, address, notes, created_at, updated_at";

/// Every doctor of the account, by name (its key), then id.
pub async fn list(db: &Db, user_id: Id) -> Result<Vec<Doctor>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM doctors WHERE user_id = $1 ORDER BY name_key, id");
    let mut doctors: Vec<Doctor> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(conn)
        .await)?;
    let mut conditions = links::conditions_by_doctor(db, user_id).await?;
    for doctor in &mut doctors {
        doctor.condition_ids = conditions.remove(&doctor.id).unwrap_or_default();
    }
    Ok(doctors)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<Doctor>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM doctors WHERE id = $1 AND user_id = $2");
    let doctor: Option<Doctor> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)?;
    with_conditions(db, user_id, doctor).await
}

async fn with_conditions(
    db: &Db,
    user_id: Id,
    doctor: Option<Doctor>,
) -> Result<Option<Doctor>, DbError> {
    let Some(mut doctor) = doctor else {
        return Ok(None);
    };
    doctor.condition_ids = links::conditions_of(db, user_id, doctor.id).await?;
    Ok(Some(doctor))
}

pub async fn insert(db: &Db, user_id: Id, values: &DoctorValues) -> Result<Doctor, DbError> {
    let sql = format!(
        "INSERT INTO doctors (id, user_id, name, name_key, specialty, phone, email, address, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    Ok(on_writer!(db, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(values.name.as_str())
        .bind(name_key(&values.name))
        .bind(values.specialty.as_deref())
        .bind(values.phone.as_deref())
        .bind(values.email.as_deref())
        .bind(values.address.as_deref())
        .bind(values.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await)?)
}

/// Replaces the writable fields; `None` when the account has no such doctor.
pub async fn update(
    db: &Db,
    user_id: Id,
    id: Id,
    values: &DoctorValues,
) -> Result<Option<Doctor>, DbError> {
    let sql = format!(
        "UPDATE doctors SET name = $3, name_key = $4, specialty = $5, phone = $6, email = $7, address = $8, \
         notes = $9, updated_at = $10 WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let doctor: Option<Doctor> = on_writer!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(values.name.as_str())
        .bind(name_key(&values.name))
        .bind(values.specialty.as_deref())
        .bind(values.phone.as_deref())
        .bind(values.email.as_deref())
        .bind(values.address.as_deref())
        .bind(values.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await)?;
    with_conditions(db, user_id, doctor).await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    NotFound,
    /// Linked to a condition or prescribing a medication: kept.
    InUse,
}

/// Deletes a doctor nobody refers to. The checks run inside the delete statement rather than as
/// a query before it, which leaves no gap in which a new link would cascade away with the doctor.
pub async fn delete(db: &Db, user_id: Id, id: Id) -> Result<Deletion, DbError> {
    const SQL: &str = "DELETE FROM doctors WHERE id = $1 AND user_id = $2 \
                       AND NOT EXISTS (SELECT 1 FROM doctor_conditions WHERE doctor_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM medications WHERE prescribing_doctor_id = $1)";
    let deleted = match execute!(db, sqlx::query(SQL).bind(id).bind(user_id)) {
        Ok(rows) => rows,
        // A prescription committed after the statement's snapshot (PostgreSQL).
        Err(DbError::ForeignKey(_)) => return Ok(Deletion::InUse),
        Err(err) => return Err(err),
    };
    Ok(if deleted > 0 {
        Deletion::Deleted
    } else if db::owns(db, "doctors", user_id, id).await? {
        Deletion::InUse
    } else {
        Deletion::NotFound
    })
}
