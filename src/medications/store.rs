//! The SQL of the `medications` table. Every query is scoped to the account.

use super::model::{Medication, MedicationInput, MedicationPatch};
use crate::{
    db::{Conn, Db, DbError, read, run},
    input::name_key,
    limits::quota::{self, Collection},
    schedules::store as schedules,
    types::{Id, Timestamp},
};

const COLUMNS: &str = "id, name, dosage, form, purpose, frequency, prescribing_doctor_id, \
    condition_id, notes, active, created_at, updated_at";

#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub active: Option<bool>,
    /// A case-insensitive substring of the name.
    pub search: Option<String>,
}

/// A `LIKE` pattern matching `text` anywhere, with the pattern's own wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The account's medications, ordered by name key, then id (byte order on both databases: the
/// PostgreSQL key column is declared `COLLATE "C"`).
pub async fn list(db: &Db, user_id: Id, filter: &ListFilter) -> Result<Vec<Medication>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM medications WHERE user_id = $1 \
         AND ($2 IS NULL OR active = $2) AND ($3 IS NULL OR name_key LIKE $3 ESCAPE '\\') \
         ORDER BY name_key, id"
    );
    let pattern = filter
        .search
        .as_deref()
        .map(|q| contains_pattern(&name_key(q)));
    Ok(read!(db, |conn| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(filter.active)
        .bind(pattern.as_deref())
        .fetch_all(conn)
        .await)?)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<Medication>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM medications WHERE id = $1 AND user_id = $2");
    Ok(read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)?)
}

pub async fn insert(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &MedicationInput,
) -> Result<Medication, DbError> {
    quota::ensure_room(tx, user_id, Collection::Medications).await?;
    let sql = format!(
        "INSERT INTO medications (id, user_id, name, name_key, dosage, form, purpose, frequency, \
         prescribing_doctor_id, condition_id, notes, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING {COLUMNS}"
    );
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(user_id)
        .bind(&new.name)
        .bind(name_key(&new.name))
        .bind(new.dosage.as_deref())
        .bind(new.form.as_deref())
        .bind(new.purpose.as_deref())
        .bind(new.frequency.as_deref())
        .bind(new.prescribing_doctor_id)
        .bind(new.condition_id)
        .bind(new.notes.as_deref())
        .bind(new.active)
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land; `None` when the account has no such medication.
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: MedicationPatch,
) -> Result<Option<Medication>, DbError> {
    let current = format!(
        "SELECT {COLUMNS} FROM medications WHERE id = $1 AND user_id = $2{}",
        tx.lock_clause("medications")
    );
    let write = format!(
        "UPDATE medications SET name = $3, name_key = $4, dosage = $5, form = $6, purpose = $7, \
         frequency = $8, prescribing_doctor_id = $9, condition_id = $10, notes = $11, \
         active = $12, updated_at = $13 WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let current: Option<Medication> = run!(tx, |conn| sqlx::query_as(&current)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(current) = current else {
        return Ok(None);
    };
    let was_active = current.active;
    let next = patch.apply(current);
    let now = Timestamp::now();
    if was_active && !next.active {
        schedules::end_on_deactivation(tx, user_id, id, now).await?;
    }
    Ok(run!(tx, |conn| sqlx::query_as(&write)
        .bind(id)
        .bind(user_id)
        .bind(&next.name)
        .bind(name_key(&next.name))
        .bind(next.dosage.as_deref())
        .bind(next.form.as_deref())
        .bind(next.purpose.as_deref())
        .bind(next.frequency.as_deref())
        .bind(next.prescribing_doctor_id)
        .bind(next.condition_id)
        .bind(next.notes.as_deref())
        .bind(next.active)
        .bind(now)
        .fetch_optional(conn)
        .await?))
}

/// Activates or deactivates; a medication already in that state is returned unchanged.
/// Deactivating also ends its schedules (see `schedules::end_on_deactivation`); activating does
/// not bring them back.
pub async fn set_active(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    active: bool,
) -> Result<Option<Medication>, DbError> {
    let current = format!(
        "SELECT {COLUMNS} FROM medications WHERE id = $1 AND user_id = $2{}",
        tx.lock_clause("medications")
    );
    let write = format!(
        "UPDATE medications SET active = $3, updated_at = $4 \
         WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    let current: Option<Medication> = run!(tx, |conn| sqlx::query_as(&current)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    match current {
        Some(current) if current.active != active => {
            let now = Timestamp::now();
            if !active {
                schedules::end_on_deactivation(tx, user_id, id, now).await?;
            }
            Ok(run!(tx, |conn| sqlx::query_as(&write)
                .bind(id)
                .bind(user_id)
                .bind(active)
                .bind(now)
                .fetch_optional(conn)
                .await?))
        }
        unchanged => Ok(unchanged),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// Logs refer to it: history is never orphaned.
    InUse,
    NotFound,
}

/// Deletes a medication no log refers to. A log written by a concurrent request after the check
/// fails the foreign key (`DbError::ForeignKey`), which callers answer as [`Deletion::InUse`].
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<Deletion, DbError> {
    const DELETE: &str = "DELETE FROM medications WHERE id = $1 AND user_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM medication_logs WHERE medication_id = $1)";
    const EXISTS: &str = "SELECT COUNT(*) FROM medications WHERE id = $1 AND user_id = $2";
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_escape_like_wildcards() {
        let cases = [
            ("ibu", "%ibu%"),
            ("50%", "%50\\%%"),
            ("a_b", "%a\\_b%"),
            ("c:\\x", "%c:\\\\x%"),
            ("ärzte", "%ärzte%"),
        ];
        for (text, pattern) in cases {
            assert_eq!(contains_pattern(text), pattern, "{text}");
        }
    }
}
