//! The SQL of symptom logs. Every query is scoped to the account in its `WHERE`, and lists page
//! by keyset on (started_at, id), never by OFFSET.

use super::model::{
    LogFilter, LogValues, SymptomLog, SymptomLogInput, SymptomLogPatch, SymptomLogRow, unknown_type,
};
use crate::{
    db::{Conn, Db, DbError, read, run},
    error::ApiError,
    limits::{
        LogKind, daily,
        quota::{self, Collection},
    },
    pagination::{Cursor, Page, PageQuery},
    symptoms::types::store as type_store,
    types::{Id, Timestamp},
};

/// The type's name is looked up for each row returned (a subquery rather than a join, so that an
/// ordered and limited page walks the log index alone and stops after the page).
const SELECT: &str = "SELECT l.id, l.symptom_type_id, \
     (SELECT t.name FROM symptom_types t WHERE t.id = l.symptom_type_id AND t.user_id = l.user_id) \
     AS symptom_name, l.started_at, \
     l.ended_at, l.duration_minutes, l.severity, l.impact, l.notes, l.created_at, l.updated_at \
     FROM symptom_logs l";

/// The account's logs, newest first by `started_at` then id, `limit` per page, starting after
/// `cursor` (the last item of the previous page).
pub async fn list_logs(
    db: &Db,
    user_id: Id,
    filter: &LogFilter,
    limit: i64,
    cursor: Option<Cursor>,
) -> Result<Page<SymptomLog>, DbError> {
    let query = page_query(user_id, filter, limit, cursor);
    let rows: Vec<SymptomLogRow> = read!(db, |conn| query
        .bind(sqlx::query_as(query.sql()))
        .fetch_all(conn)
        .await)?;
    let logs = rows.into_iter().map(SymptomLog::from).collect();
    Ok(Page::from_rows(logs, limit, SymptomLog::cursor))
}

/// The query of one page (public so that the plan tests can ask the database how it runs it).
pub fn page_query(
    user_id: Id,
    filter: &LogFilter,
    limit: i64,
    cursor: Option<Cursor>,
) -> PageQuery {
    PageQuery::new(SELECT, "started_at", user_id)
        .from(filter.from)
        .to(filter.to)
        .matching("symptom_type_id", filter.symptom_type_id)
        .page(cursor, limit)
}

pub async fn find(db: &Db, user_id: Id, id: Id) -> Result<Option<SymptomLog>, DbError> {
    db.connection(async |conn| find_in(conn, user_id, id, false).await)
        .await
}

/// [`find`] on a connection the caller holds; `lock` locks the row until the transaction ends.
async fn find_in(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    lock: bool,
) -> Result<Option<SymptomLog>, DbError> {
    // Only the log's own row is locked, not its symptom type's.
    let lock = if lock {
        tx.lock_clause("l")
    } else {
        String::new()
    };
    let sql = format!("{SELECT} WHERE l.id = $1 AND l.user_id = $2{lock}");
    let row: Option<SymptomLogRow> = run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?);
    Ok(row.map(SymptomLog::from))
}

/// Writes a new log after judging it against the symptom type it names.
pub async fn insert(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: SymptomLogInput,
) -> Result<SymptomLog, ApiError> {
    let symptom_type = match new.symptom_type_id() {
        Some(type_id) => type_store::find_in(tx, user_id, type_id).await?,
        None => None,
    };
    let values = new.resolve(symptom_type.as_ref())?;
    insert_values(tx, user_id, &values)
        .await?
        .ok_or_else(unknown_type)
}

/// Writes a log of values already judged; `None` when the symptom type is not the account's own.
/// The account's quota and the log's day must have room.
pub async fn insert_values(
    tx: &mut Conn<'_>,
    user_id: Id,
    values: &LogValues,
) -> Result<Option<SymptomLog>, DbError> {
    quota::ensure_room(tx, user_id, Collection::SymptomLogs).await?;
    daily::ensure_room(tx, user_id, LogKind::Symptom, values.started_at, None).await?;
    // The type's owner is checked in the same statement, so no log can point at another account's
    // type; RETURNING answers with the stored row (and its type's name) in the same round trip.
    const INSERT: &str = "INSERT INTO symptom_logs (id, user_id, symptom_type_id, started_at, ended_at, \
         duration_minutes, severity, impact, notes, created_at, updated_at) \
         SELECT $1, $2, t.id, $4, $5, $6, $7, $8, $9, $10, $10 FROM symptom_types t \
         WHERE t.id = $3 AND t.user_id = $2 \
         RETURNING id, symptom_type_id, \
         (SELECT name FROM symptom_types t WHERE t.id = symptom_logs.symptom_type_id) AS symptom_name, \
         started_at, ended_at, duration_minutes, severity, impact, notes, created_at, updated_at";
    let row: Option<SymptomLogRow> = run!(tx, |conn| sqlx::query_as(INSERT)
        .bind(Id::new())
        .bind(user_id)
        .bind(values.symptom_type_id)
        .bind(values.started_at)
        .bind(values.ended_at)
        .bind(values.duration_minutes)
        .bind(values.severity)
        .bind(values.impact)
        .bind(&values.notes)
        .bind(Timestamp::now())
        .fetch_optional(conn)
        .await?);
    Ok(row.map(SymptomLog::from))
}

/// Applies a merge patch to the row as it is inside the transaction, so that two concurrent
/// patches of different fields both land; `None` when the account has no such log. A log moved
/// to another day needs room there.
pub async fn update(
    tx: &mut Conn<'_>,
    user_id: Id,
    id: Id,
    patch: SymptomLogPatch,
) -> Result<Option<SymptomLog>, ApiError> {
    const UPDATE: &str = "UPDATE symptom_logs SET symptom_type_id = $3, started_at = $4, ended_at = $5, \
         duration_minutes = $6, severity = $7, impact = $8, notes = $9, updated_at = $10 \
         WHERE id = $1 AND user_id = $2 \
         AND EXISTS (SELECT 1 FROM symptom_types t WHERE t.id = $3 AND t.user_id = $2)";
    let Some(current) = find_in(tx, user_id, id, true).await? else {
        return Ok(None);
    };
    let new_type = match patch.new_type_id(&current) {
        Some(type_id) => type_store::find_in(tx, user_id, type_id).await?,
        None => None,
    };
    let moved_from = current.started_at;
    let values = patch.apply(current, new_type.as_ref())?;
    if values.started_at != moved_from {
        daily::ensure_room(
            tx,
            user_id,
            LogKind::Symptom,
            values.started_at,
            Some(moved_from),
        )
        .await?;
    }
    let updated = run!(tx, |conn| sqlx::query(UPDATE)
        .bind(id)
        .bind(user_id)
        .bind(values.symptom_type_id)
        .bind(values.started_at)
        .bind(values.ended_at)
        .bind(values.duration_minutes)
        .bind(values.severity)
        .bind(values.impact)
        .bind(&values.notes)
        .bind(Timestamp::now())
        .execute(conn)
        .await
        .map_err(DbError::from)?
        .rows_affected());
    if updated == 0 {
        return Err(unknown_type());
    }
    Ok(find_in(tx, user_id, id, false).await?)
}

/// Deletes a log; false when the account has no such log.
pub async fn delete(tx: &mut Conn<'_>, user_id: Id, id: Id) -> Result<bool, DbError> {
    let deleted = run!(tx, |conn| sqlx::query(
        "DELETE FROM symptom_logs WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(deleted > 0)
}
