//! The SQL of the `medication_logs` table. Every query is scoped to the account.

use super::model::{MedicationLog, MedicationLogInput, MedicationLogPatch};
use crate::{
    db::{Conn, Db, DbError, read, run},
    pagination::{Cursor, Page},
    types::{Id, Timestamp},
};

/// The medication's name comes from a join, so a renamed medication shows its new name.
const SELECT: &str = "SELECT l.id, l.medication_id, m.name AS medication_name, l.taken_at, \
    l.dose_amount, l.dose_unit, l.effectiveness, l.side_effects, l.side_effect_severity, \
    l.notes, l.created_at, l.updated_at \
    FROM medication_logs l JOIN medications m ON m.id = l.medication_id AND m.user_id = l.user_id";

const ORDER: &str = "ORDER BY l.taken_at DESC, l.id DESC";

/// Which logs a list shows; every bound is optional.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub medication_id: Option<Id>,
}

/// A bind value of a query assembled from optional conditions.
#[derive(Clone, Copy)]
enum Arg {
    Id(Id),
    At(Timestamp),
    Count(i64),
}

/// SQL text and its binds, numbered in the order they are added.
struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Adds a bind and returns its placeholder.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn push(&mut self, sql: &str) {
        self.sql.push(' ');
        self.sql.push_str(sql);
    }
}

/// The filtered list query: only the conditions in use are in the SQL, so that each variant
/// can walk the `(user_id, taken_at DESC, id DESC)` index straight to the page.
fn list_query(user_id: Id, filter: &LogFilter, limit: i64, cursor: Option<Cursor>) -> Query {
    let mut query = Query::new(SELECT);
    let user = query.arg(Arg::Id(user_id));
    query.push(&format!("WHERE l.user_id = {user}"));
    if let Some(from) = filter.from {
        let from = query.arg(Arg::At(from));
        query.push(&format!("AND l.taken_at >= {from}"));
    }
    if let Some(to) = filter.to {
        let to = query.arg(Arg::At(to));
        query.push(&format!("AND l.taken_at < {to}"));
    }
    if let Some(medication_id) = filter.medication_id {
        let medication = query.arg(Arg::Id(medication_id));
        query.push(&format!("AND l.medication_id = {medication}"));
    }
    if let Some(cursor) = cursor {
        let at = query.arg(Arg::At(cursor.at));
        let id = query.arg(Arg::Id(cursor.id));
        query.push(&format!(
            "AND (l.taken_at < {at} OR (l.taken_at = {at} AND l.id < {id}))"
        ));
    }
    // One row more than the page: it only tells whether another page exists.
    let limit = query.arg(Arg::Count(limit.saturating_add(1)));
    query.push(&format!("{ORDER} LIMIT {limit}"));
    query
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
    let query = list_query(user_id, filter, limit, cursor);
    let rows: Vec<MedicationLog> = read!(db, |conn| {
        let mut statement = sqlx::query_as(&query.sql);
        for arg in &query.args {
            statement = match *arg {
                Arg::Id(id) => statement.bind(id),
                Arg::At(at) => statement.bind(at),
                Arg::Count(n) => statement.bind(n),
            };
        }
        statement.fetch_all(conn).await
    })?;
    Ok(Page::from_rows(rows, limit, |log| Cursor {
        at: log.taken_at,
        id: log.id,
    }))
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
/// log is history), and returns its id.
pub async fn insert_row(
    tx: &mut Conn<'_>,
    user_id: Id,
    new: &MedicationLogInput,
) -> Result<Id, DbError> {
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
/// patches of different fields both land. A log may stay with a medication that has since been
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis)
    }

    #[test]
    fn list_queries_hold_only_the_conditions_in_use() {
        let user = Id::new();
        let cursor = Cursor {
            at: at(5),
            id: Id::new(),
        };
        let cases: [(LogFilter, Option<Cursor>, &str, usize); 4] = [
            (
                LogFilter::default(),
                None,
                "WHERE l.user_id = $1 ORDER BY l.taken_at DESC, l.id DESC LIMIT $2",
                2,
            ),
            (
                LogFilter {
                    from: Some(at(1)),
                    to: Some(at(9)),
                    medication_id: None,
                },
                None,
                "WHERE l.user_id = $1 AND l.taken_at >= $2 AND l.taken_at < $3 ORDER BY l.taken_at DESC, l.id DESC LIMIT $4",
                4,
            ),
            (
                LogFilter {
                    medication_id: Some(Id::new()),
                    ..LogFilter::default()
                },
                Some(cursor),
                "WHERE l.user_id = $1 AND l.medication_id = $2 AND (l.taken_at < $3 OR (l.taken_at = $3 AND l.id < $4)) ORDER BY l.taken_at DESC, l.id DESC LIMIT $5",
                5,
            ),
            (
                LogFilter::default(),
                Some(cursor),
                "WHERE l.user_id = $1 AND (l.taken_at < $2 OR (l.taken_at = $2 AND l.id < $3)) ORDER BY l.taken_at DESC, l.id DESC LIMIT $4",
                4,
            ),
        ];
        for (filter, cursor, tail, binds) in cases {
            let query = list_query(user, &filter, 20, cursor);
            assert!(query.sql.ends_with(tail), "{}", query.sql);
            assert_eq!(query.args.len(), binds);
        }
    }

    #[test]
    fn list_queries_fetch_one_row_more_than_the_page() {
        let query = list_query(Id::new(), &LogFilter::default(), 20, None);
        assert!(matches!(query.args.last(), Some(Arg::Count(21))));
    }
}
