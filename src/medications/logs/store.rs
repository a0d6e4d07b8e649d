//! The SQL of the `medication_logs` table. Every query is scoped to the account.

use super::model::{MedicationLog, MedicationLogInput, MedicationLogPatch};
use crate::{
    db::{Conn, Db, DbError, read, run},
    limits::{
        LogKind, daily,
        quota::{self, Collection},
    },
    pagination::{Cursor, Page, PageQuery},
    types::{Id, Timestamp},
};

/// The medication's name is looked up for each row returned, so a renamed medication shows its new
/// name. A subquery rather than a join: ordered and limited, a page then walks the log index alone
/// and stops after the page on both databases (PostgreSQL planned a join by reading and sorting the
/// account's every log).
const SELECT: &str = "SELECT l.id, l.medication_id, \
    (SELECT m.name FROM medications m WHERE m.id = l.medication_id AND m.user_id = l.user_id) \
    AS medication_name, l.taken_at, \
    l.dose_amount, l.dose_unit, l.effectiveness, l.side_effects, l.side_effect_severity, \
    l.notes, l.created_at, l.updated_at FROM medication_logs l";

/// Which logs a list shows; every bound is optional.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub medication_id: Option<Id>,
}

/// A page of the account's logs, newest first; `cursor` continues after a previous page.
/// The landing summary uses it for the newest logs.
pub async fn list_logs(
    db: &Db,
    user_id: Id,
    filter: &LogFilter,
    limit: i64,
    cursor: Option<Cursor>,
) -> Result<Page<MedicationLog>, DbError> {
    let query = page_query(user_id, filter, limit, cursor);
    let rows: Vec<MedicationLog> = read!(db, |conn| query
        .bind(sqlx::query_as(query.sql()))
        .fetch_all(conn)
        .await)?;
    Ok(Page::from_rows(rows, limit, |log| Cursor {
        at: log.taken_at,
        id: log.id,
    }))
}

/// The query of one page (public so that the plan tests can ask the database how it runs it).
pub fn page_query(
    user_id: Id,
    filter: &LogFilter,
    limit: i64,
    cursor: Option<Cursor>,
) -> PageQuery {
    PageQuery::new(SELECT, "taken_at", user_id)
        .from(filter.from)
        .to(filter.to)
        .matching("medication_id", filter.medication_id)
        .page(cursor, limit)
}

pub async fn find_log(db: &Db, user_id: Id, id: Id) -> Result<Option<MedicationLog>, DbError> {
    let sql = format!("{SELECT} WHERE l.id = $1 AND l.user_id = $2");
    Ok(read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await)?)
}

/// What became of a write that names a medication.
#[derive(Debug)]
pub enum LogWrite {
    Saved(MedicationLog),
    /// The account has no such log (updates only).
    LogNotFound,
    /// The account has no such medication.
    MedicationNotFound,
    MedicationInactive,
}

const INSERT: &str = "INSERT INTO medication_logs (id, user_id, medication_id, taken_at, \
    dose_amount, dose_unit, effectiveness, side_effects, side_effect_severity, notes, \
    created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";

pub async fn insert_log(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &MedicationLogInput,
) -> Result<LogWrite, DbError> {
    match medication_state(tx, user_id, new.medication_id).await? {
        None => return Ok(LogWrite::MedicationNotFound),
        Some(false) => return Ok(LogWrite::MedicationInactive),
        Some(true) => {}
    }
    let id = insert_row(tx, user_id, new).await?;
    Ok(LogWrite::Saved(by_id(tx, user_id, id).await?))
}

/// Writes a log of a medication the caller has vouched for (the account's own; active, or the
/// log is history), and returns its id. The account's quota and the log's day must have room.
pub async fn insert_row(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &MedicationLogInput,
) -> Result<Id, DbError> {
    quota::ensure_room(tx, user_id, Collection::MedicationLogs).await?;
    daily::ensure_room(tx, user_id, LogKind::Medication, new.taken_at, None).await?;
    let id = Id::new();
    run!(tx, |conn| sqlx::query(INSERT)
        .bind(id)
        .bind(user_id)
        .bind(new.medication_id)
        .bind(new.taken_at)
        .bind(new.dose_amount)
        .bind(new.dose_unit.as_deref())
        .bind(new.effectiveness)
        .bind(new.side_effects.as_deref())
        .bind(new.side_effect_severity)
        .bind(new.notes.as_deref())
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
    Ok(id)
}

/// `Some(active)` when the medication is the account's own.
async fn medication_state(
    tx: &mut Conn<'_>,
    user_id: Id,
    medication_id: Id,
) -> Result<Option<bool>, DbError> {
    const SQL: &str = "SELECT active FROM medications WHERE id = $1 AND user_id = $2";
    Ok(run!(tx, |conn| sqlx::query_scalar(SQL)
        .bind(medication_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?))
}

async fn by_id(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<MedicationLog, DbError> {
    let sql = format!("{SELECT} WHERE l.id = $1 AND l.user_id = $2");
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_one(conn)
        .await?))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land. A log moved to another day needs room there. A log may stay with a medication that has since been
/// deactivated, but may not be moved to an inactive one. A medication deleted by a concurrent
/// request fails the foreign key (`DbError::ForeignKey`), which callers answer as
/// [`LogWrite::MedicationNotFound`].
pub async fn update_log(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: MedicationLogPatch,
) -> Result<LogWrite, DbError> {
    const WRITE: &str = "UPDATE medication_logs SET medication_id = $3, taken_at = $4, \
        dose_amount = $5, dose_unit = $6, effectiveness = $7, side_effects = $8, \
        side_effect_severity = $9, notes = $10, updated_at = $11 WHERE id = $1 AND user_id = $2";
    // Only the log's own row is locked, not its medication's.
    let current = format!(
        "{SELECT} WHERE l.id = $1 AND l.user_id = $2{}",
        tx.lock_clause("l")
    );
    let current: Option<MedicationLog> = run!(tx, |conn| sqlx::query_as(&current)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    let Some(current) = current else {
        return Ok(LogWrite::LogNotFound);
    };
    let next = patch.apply(&current);
    if next.taken_at != current.taken_at {
        let moved_from = Some(current.taken_at);
        daily::ensure_room(tx, user_id, LogKind::Medication, next.taken_at, moved_from).await?;
    }
    if next.medication_id != current.medication_id {
        match medication_state(tx, user_id, next.medication_id).await? {
            None => return Ok(LogWrite::MedicationNotFound),
            Some(false) => return Ok(LogWrite::MedicationInactive),
            Some(true) => {}
        }
    }
    run!(tx, |conn| sqlx::query(WRITE)
        .bind(id)
        .bind(user_id)
        .bind(next.medication_id)
        .bind(next.taken_at)
        .bind(next.dose_amount)
        .bind(next.dose_unit.as_deref())
        .bind(next.effectiveness)
        .bind(next.side_effects.as_deref())
        .bind(next.side_effect_severity)
        .bind(next.notes.as_deref())
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
    Ok(LogWrite::Saved(by_id(tx, user_id, id).await?))
}

/// Whether the account had such a log.
pub async fn delete_log(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<bool, DbError> {
    let deleted = run!(tx, |conn| sqlx::query(
        "DELETE FROM medication_logs WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(deleted > 0)
}
