//! The link table's SQL. Every statement is scoped to the account, and the links of a whole list
//! of records are read in one query, never one query per record.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    db::{Conn, Db, DbError, read, run},
    types::{Id, Timestamp},
};

/// A doctor linked to a condition, with when the link was made.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct DoctorConditionLink {
    pub doctor_id: Id,
    pub condition_id: Id,
    pub created_at: Timestamp,
}

/// Every link of the account, by doctor, then condition. An account's links are few (the quotas
/// bound its conditions and doctors), so they are read at once.
pub async fn all(tx: &mut Conn<'_>, user_id: Id) -> Result<Vec<DoctorConditionLink>, DbError> {
    const SQL: &str = "SELECT doctor_id, condition_id, created_at FROM doctor_conditions \
                       WHERE user_id = $1 ORDER BY doctor_id, condition_id";
    Ok(run!(tx, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await?))
}

/// Record id → the ids linked to it, each list in id (creation) order.
pub type LinkMap = HashMap<Id, Vec<Id>>;

#[derive(sqlx::FromRow)]
struct Link {
    doctor_id: Id,
    condition_id: Id,
}

fn group(pairs: impl Iterator<Item = (Id, Id)>) -> LinkMap {
    let mut map = LinkMap::new();
    for (key, linked) in pairs {
        map.entry(key).or_default().push(linked);
    }
    for ids in map.values_mut() {
        ids.sort_unstable();
    }
    map
}

async fn account_links(db: &Db, user_id: Id) -> Result<Vec<Link>, DbError> {
    const SQL: &str = "SELECT doctor_id, condition_id FROM doctor_conditions WHERE user_id = $1";
    Ok(read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)?)
}

/// For every condition of the account, its doctors.
pub async fn doctors_by_condition(db: &Db, user_id: Id) -> Result<LinkMap, DbError> {
    let links = account_links(db, user_id).await?;
    Ok(group(
        links.into_iter().map(|l| (l.condition_id, l.doctor_id)),
    ))
}

/// For every doctor of the account, their conditions.
pub async fn conditions_by_doctor(db: &Db, user_id: Id) -> Result<LinkMap, DbError> {
    let links = account_links(db, user_id).await?;
    Ok(group(
        links.into_iter().map(|l| (l.doctor_id, l.condition_id)),
    ))
}

pub async fn doctors_of(
    tx: &mut Conn<'_>,
    user_id: Id,
    condition_id: Id,
) -> Result<Vec<Id>, DbError> {
    const SQL: &str =
        "SELECT doctor_id FROM doctor_conditions WHERE user_id = $1 AND condition_id = $2";
    let mut ids: Vec<Id> = run!(tx, |conn| sqlx::query_scalar(SQL)
        .bind(user_id)
        .bind(condition_id)
        .fetch_all(conn)
        .await?);
    ids.sort_unstable();
    Ok(ids)
}

pub async fn conditions_of(
    tx: &mut Conn<'_>,
    user_id: Id,
    doctor_id: Id,
) -> Result<Vec<Id>, DbError> {
    const SQL: &str =
        "SELECT condition_id FROM doctor_conditions WHERE user_id = $1 AND doctor_id = $2";
    let mut ids: Vec<Id> = run!(tx, |conn| sqlx::query_scalar(SQL)
        .bind(user_id)
        .bind(doctor_id)
        .fetch_all(conn)
        .await?);
    ids.sort_unstable();
    Ok(ids)
}

/// Links a doctor to a condition, both the account's own; linking twice is not an error.
/// Returns false when either record is not the account's (nothing is written then).
pub async fn link(
    tx: &mut Conn<'_>,
    user_id: Id,
    doctor_id: Id,
    condition_id: Id,
) -> Result<bool, DbError> {
    // Ownership and the insert are one statement, so a record deleted meanwhile cannot be linked.
    // SQLite needs the WHERE clause to tell the upsert's ON CONFLICT from a join's ON.
    const INSERT: &str = "INSERT INTO doctor_conditions (doctor_id, condition_id, user_id, created_at) \
                       SELECT d.id, c.id, d.user_id, $4 FROM doctors d JOIN conditions c ON c.user_id = d.user_id \
                       WHERE d.id = $1 AND c.id = $2 AND d.user_id = $3 \
                       ON CONFLICT (doctor_id, condition_id) DO NOTHING";
    const LINKED: &str = "SELECT COUNT(*) FROM doctor_conditions \
                       WHERE doctor_id = $1 AND condition_id = $2 AND user_id = $3";
    let inserted = run!(tx, |conn| sqlx::query(INSERT)
        .bind(doctor_id)
        .bind(condition_id)
        .bind(user_id)
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
    if inserted > 0 {
        return Ok(true);
    }
    let linked: i64 = run!(tx, |conn| sqlx::query_scalar(LINKED)
        .bind(doctor_id)
        .bind(condition_id)
        .bind(user_id)
        .fetch_one(conn)
        .await?);
    Ok(linked > 0)
}

/// Removes a link; false when there was none (or either record is not the account's).
pub async fn unlink(
    tx: &mut Conn<'_>,
    user_id: Id,
    doctor_id: Id,
    condition_id: Id,
) -> Result<bool, DbError> {
    const SQL: &str = "DELETE FROM doctor_conditions \
                       WHERE doctor_id = $1 AND condition_id = $2 AND user_id = $3";
    let deleted = run!(tx, |conn| sqlx::query(SQL)
        .bind(doctor_id)
        .bind(condition_id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected());
    Ok(deleted > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_group_by_record_in_id_order() {
        let id = |n| Id(uuid::Uuid::from_u128(n));
        let (a, b, x, y) = (id(10), id(20), id(1), id(2));
        let map = group([(a, y), (b, x), (a, x)].into_iter());
        assert_eq!(map.get(&a), Some(&vec![x, y]));
        assert_eq!(map.get(&b), Some(&vec![x]));
        assert_eq!(map.get(&x), None);
    }
}
