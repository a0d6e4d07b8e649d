//! The SQL of symptom types. Every query is scoped to the account in its `WHERE`.

use super::model::{SymptomType, SymptomTypeInput, SymptomTypePatch, TypeFilter};
use crate::{
    db::{Conn, Db, DbError, read, run},
    input::name_key,
    limits::quota::{self, Collection},
    types::{Id, Timestamp},
};

const COLUMNS: &str = "id, name, description, category, default_severity, default_impact, active, created_at, updated_at";

/// A `LIKE` pattern matching `needle` anywhere, with the pattern characters in it escaped.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub async fn list(db: &Db, user_id: Id, filter: &TypeFilter) -> Result<Vec<SymptomType>, DbError> {
    let mut sql = format!("SELECT {COLUMNS} FROM symptom_types WHERE user_id = $1");
    let mut next = 2;
    if filter.active.is_some() {
        sql.push_str(&format!(" AND active = ${next}"));
        next += 1;
    }
    if filter.name_contains.is_some() {
        sql.push_str(&format!(" AND name_key LIKE ${next} ESCAPE '\\'"));
    }
    sql.push_str(" ORDER BY name_key, id");
    let pattern = filter.name_contains.as_deref().map(contains_pattern);
    Ok(read!(db, |conn| {
        let mut query = sqlx::query_as(&sql).bind(user_id);
        if let Some(active) = filter.active {
            query = query.bind(active);
        }
        if let Some(pattern) = &pattern {
            query = query.bind(pattern);
        }
        query.fetch_all(conn).await
    })?)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<SymptomType>, DbError> {
    db.connection(async |conn| find_in(conn, user_id, id).await)
        .await
}

/// [`find`] on a connection the caller holds (inside its transaction).
pub async fn find_in(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
) -> Result<Option<SymptomType>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM symptom_types WHERE id = $1 AND user_id = $2");
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?))
}

pub async fn insert(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &SymptomTypeInput,
) -> Result<SymptomType, DbError> {
    quota::ensure_room(tx, user_id, Collection::SymptomTypes).await?;
    let sql = format!(
        "INSERT INTO symptom_types (id, user_id, name, name_key, description, category, default_severity, default_impact, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(&new.name)
        .bind(name_key(&new.name))
        .bind(&new.description)
        .bind(&new.category)
        .bind(new.default_severity)
        .bind(new.default_impact)
        .bind(new.active)
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land; `None` when the account has no such type.
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: SymptomTypePatch,
) -> Result<Option<SymptomType>, DbError> {
    let current = format!(
        "SELECT {COLUMNS} FROM symptom_types WHERE id = $1 AND user_id = $2{}",
        tx.lock_clause("symptom_types")
    );
    let write = format!(
        "UPDATE symptom_types SET name = $3, name_key = $4, description = $5, category = $6, \
         default_severity = $7, default_impact = $8, active = $9, updated_at = $10 \
         WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let current: Option<SymptomType> = run!(tx, |conn| sqlx::query_as(&current)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(current) = current else {
        return Ok(None);
    };
    let next = patch.apply(current);
    Ok(run!(tx, |conn| sqlx::query_as(&write)
        .bind(id)
        .bind(user_id)
        .bind(&next.name)
        .bind(name_key(&next.name))
        .bind(&next.description)
        .bind(&next.category)
        .bind(next.default_severity)
        .bind(next.default_impact)
        .bind(next.active)
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await?))
}

/// What `DELETE` did to a symptom type.
#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// Logs refer to it, so it was kept and deactivated: history is never orphaned.
    Deactivated,
    NotFound,
}

/// Deletes a type no log refers to, and deactivates one that logs refer to. A log written by a
/// concurrent request after the check fails the foreign key (`DbError::ForeignKey`); callers
/// then [`deactivate`] it instead.
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<Removal, DbError> {
    const DELETE_UNUSED: &str = "DELETE FROM symptom_types WHERE id = $1 AND user_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM symptom_logs WHERE symptom_type_id = $1)";
    let deleted = run!(tx, |conn| sqlx::query(DELETE_UNUSED)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected());
    if deleted > 0 {
        return Ok(Removal::Deleted);
    }
    deactivate(tx, user_id, id).await
}

/// Keeps a type but offers it for no new logs.
pub async fn deactivate(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<Removal, DbError> {
    const DEACTIVATE: &str =
        "UPDATE symptom_types SET active = $3, updated_at = $4 WHERE id = $1 AND user_id = $2";
    let deactivated = run!(tx, |conn| sqlx::query(DEACTIVATE)
        .bind(id)
        .bind(user_id)
        .bind(false)
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
    Ok(if deactivated == 0 {
        Removal::NotFound
    } else {
        Removal::Deactivated
    })
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        let table = [
            ("head", "%head%"),
            ("100%", "%100\\%%"),
            ("a_b", "%a\\_b%"),
            ("back\\slash", "%back\\\\slash%"),
        ];
        for (needle, pattern) in table {
            assert_eq!(contains_pattern(needle), pattern, "{needle}");
        }
    }
}
