//! The `conditions` table. Every function takes the account id and puts it in the `WHERE`.

use super::model::{Condition, ConditionValues};
use crate::{
    db::{Db, DbError, on_writer, read, transaction},
    input::name_key,
    passport::links::store as links,
    types::{Id, Timestamp},
};

const COLUMNS: &str = "id, name, status, diagnosed_on, notes, created_at, updated_at";

/// Every condition of the account, by name (its key), then id.
pub async fn list(db: &Db, user_id: Id) -> Result<Vec<Condition>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM conditions WHERE user_id = $1 ORDER BY name_key, id");
    let mut conditions: Vec<Condition> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(conn)
        .await)?;
    let mut doctors = links::doctors_by_condition(db, user_id).await?;
    for condition in &mut conditions {
        condition.doctor_ids = doctors.remove(&condition.id).unwrap_or_default();
    }
    Ok(conditions)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<Condition>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM conditions WHERE id = $1 AND user_id = $2");
    let condition: Option<Condition> = read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)?;
    with_doctors(db, user_id, condition).await
}

async fn with_doctors(
    db: &Db,
    user_id: Id,
    condition: Option<Condition>,
) -> Result<Option<Condition>, DbError> {
    let Some(mut condition) = condition else {
        return Ok(None);
    };
    condition.doctor_ids = links::doctors_of(db, user_id, condition.id).await?;
    Ok(Some(condition))
}

/// Fails with a unique violation (409 `duplicate_name`) when the account has the name already.
pub async fn insert(db: &Db, user_id: Id, values: &ConditionValues) -> Result<Condition, DbError> {
    let sql = format!(
        "INSERT INTO conditions (id, user_id, name, name_key, status, diagnosed_on, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
    );
    Ok(on_writer!(db, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(values.name.as_str())
        .bind(name_key(&values.name))
        .bind(values.status.as_str())
        .bind(values.diagnosed_on)
        .bind(values.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await)?)
}

/// Replaces the writable fields; `None` when the account has no such condition.
pub async fn update(
    db: &Db,
    user_id: Id,
    id: Id,
    values: &ConditionValues,
) -> Result<Option<Condition>, DbError> {
    let sql = format!(
        "UPDATE conditions SET name = $3, name_key = $4, status = $5, diagnosed_on = $6, notes = $7, updated_at = $8 \
         WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let condition: Option<Condition> = on_writer!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(values.name.as_str())
        .bind(name_key(&values.name))
        .bind(values.status.as_str())
        .bind(values.diagnosed_on)
        .bind(values.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await)?;
    with_doctors(db, user_id, condition).await
}

/// Deletes a condition with its links, and unsets it on the account's medications, in one
/// transaction. False when the account has no such condition (then nothing changed).
pub async fn delete(db: &Db, user_id: Id, id: Id) -> Result<bool, DbError> {
    // The schema's ON DELETE actions would do the same; doing it explicitly also bumps the
    // medications' `updated_at` and does not depend on SQLite's foreign_keys pragma.
    let deleted = transaction!(db, |tx| {
        sqlx::query("DELETE FROM doctor_conditions WHERE condition_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE medications SET condition_id = NULL, updated_at = $3 \
             WHERE condition_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM conditions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
    });
    Ok(deleted > 0)
}
