//! The `conditions` table. Every function takes the account id and puts it in the `WHERE`.

use super::model::{Condition, ConditionInput, ConditionPatch};
use crate::{
    db::{Conn, Db, DbError, read, run},
    input::name_key,
    limits::quota::{self, Collection},
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
    db.connection(async |conn| find_in(conn, user_id, id, false).await)
        .await
}

/// The condition with its doctors, read on `tx`; `lock` locks the row until the transaction ends.
async fn find_in(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    lock: bool,
) -> Result<Option<Condition>, DbError> {
    let lock = if lock {
        tx.lock_clause("conditions")
    } else {
        String::new()
    };
    let sql = format!("SELECT {COLUMNS} FROM conditions WHERE id = $1 AND user_id = $2{lock}");
    let condition: Option<Condition> = run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(mut condition) = condition else {
        return Ok(None);
    };
    condition.doctor_ids = links::doctors_of(tx, user_id, condition.id).await?;
    Ok(Some(condition))
}

/// Fails with a unique violation (409 `duplicate_name`) when the account has the name already.
pub async fn insert(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &ConditionInput,
) -> Result<Condition, DbError> {
    quota::ensure_room(tx, user_id, Collection::Conditions).await?;
    let sql = format!(
        "INSERT INTO conditions (id, user_id, name, name_key, status, diagnosed_on, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
    );
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(new.name.as_str())
        .bind(name_key(&new.name))
        .bind(new.status.as_str())
        .bind(new.diagnosed_on)
        .bind(new.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land; `None` when the account has no such condition.
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: ConditionPatch,
) -> Result<Option<Condition>, DbError> {
    let sql = format!(
        "UPDATE conditions SET name = $3, name_key = $4, status = $5, diagnosed_on = $6, notes = $7, updated_at = $8 \
         WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let Some(current) = find_in(tx, user_id, id, true).await? else {
        return Ok(None);
    };
    let doctor_ids = current.doctor_ids.clone();
    let next = patch.apply(current);
    let updated: Option<Condition> = run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(next.name.as_str())
        .bind(name_key(&next.name))
        .bind(next.status.as_str())
        .bind(next.diagnosed_on)
        .bind(next.notes.as_deref())
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await?);
    Ok(updated.map(|condition| Condition {
        doctor_ids,
        ..condition
    }))
}

/// Deletes a condition with its links, and unsets it on the account's medications. False when
/// the account has no such condition (then nothing changed).
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<bool, DbError> {
    // The schema's ON DELETE actions would do the same; doing it explicitly also bumps the
    // medications' `updated_at` and does not depend on SQLite's foreign_keys pragma.
    run!(tx, |conn| sqlx::query(
        "DELETE FROM doctor_conditions WHERE condition_id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    run!(tx, |conn| sqlx::query(
        "UPDATE medications SET condition_id = NULL, updated_at = $3 \
         WHERE condition_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .bind(Timestamp::now())
    .execute(conn)
    .await?
    .rows_affected());
    let deleted = run!(tx, |conn| sqlx::query(
        "DELETE FROM conditions WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(deleted > 0)
}
