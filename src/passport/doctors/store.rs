//! The `doctors` table. Every function takes the account id and puts it in the `WHERE`.

use super::model::{Doctor, DoctorInput, DoctorPatch};
use crate::{
    db::{Conn, Db, DbError, read, run},
    input::name_key,
    limits::quota::{self, Collection},
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
    db.connection(async |conn| find_in(conn, user_id, id, false).await)
        .await
}

/// The doctor with their conditions, read on `tx`; `lock` locks the row until the transaction ends.
async fn find_in(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    lock: bool,
) -> Result<Option<Doctor>, DbError> {
    let lock = if lock {
        tx.lock_clause("doctors")
    } else {
        String::new()
    };
    let sql = format!("SELECT {COLUMNS} FROM doctors WHERE id = $1 AND user_id = $2{lock}");
    let doctor: Option<Doctor> = run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(mut doctor) = doctor else {
        return Ok(None);
    };
    doctor.condition_ids = links::conditions_of(tx, user_id, doctor.id).await?;
    Ok(Some(doctor))
}

pub async fn insert(tx: &mut Conn<'_>, user_id: Id, new: &DoctorInput) -> Result<Doctor, DbError> {
    quota::ensure_room(tx, user_id, Collection::Doctors).await?;
    let sql = format!(
        "INSERT INTO doctors (id, user_id, name, name_key, specialty, phone, email, address, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(new.name.as_str())
        .bind(name_key(&new.name))
        .bind(new.specialty.as_deref())
        .bind(new.phone.as_deref())
        .bind(new.email.as_deref())
        .bind(new.address.as_deref())
        .bind(new.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land; `None` when the account has no such doctor.
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: DoctorPatch,
) -> Result<Option<Doctor>, DbError> {
    let sql = format!(
        "UPDATE doctors SET name = $3, name_key = $4, specialty = $5, phone = $6, email = $7, address = $8, \
         notes = $9, updated_at = $10 WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let Some(current) = find_in(tx, user_id, id, true).await? else {
        return Ok(None);
    };
    let condition_ids = current.condition_ids.clone();
    let next = patch.apply(current);
    let updated: Option<Doctor> = run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(next.name.as_str())
        .bind(name_key(&next.name))
        .bind(next.specialty.as_deref())
        .bind(next.phone.as_deref())
        .bind(next.email.as_deref())
        .bind(next.address.as_deref())
        .bind(next.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await?);
    Ok(updated.map(|doctor| Doctor {
        condition_ids,
        ..doctor
    }))
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
/// A prescription committed after the statement's snapshot (PostgreSQL) fails the foreign key
/// (`DbError::ForeignKey`), which callers answer as [`Deletion::InUse`].
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<Deletion, DbError> {
    const DELETE: &str = "DELETE FROM doctors WHERE id = $1 AND user_id = $2 \
                       AND NOT EXISTS (SELECT 1 FROM doctor_conditions WHERE doctor_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM medications WHERE prescribing_doctor_id = $1)";
    const EXISTS: &str = "SELECT COUNT(*) FROM doctors WHERE id = $1 AND user_id = $2";
    let deleted = run!(tx, |conn| sqlx::query(DELETE)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected());
    if deleted > 0 {
        return Ok(Deletion::Deleted);
    }
    let count: i64 = run!(tx, |conn| sqlx::query_scalar(EXISTS)
        .bind(id)
        .bind(user_id)
        .fetch_one(conn)
        .await?);
    Ok(if count > 0 {
        Deletion::InUse
    } else {
        Deletion::NotFound
    })
}
