//! Accounts: the `users` table.

use serde::Serialize;
use utoipa::ToSchema;

use super::email::Email;
use crate::{
    db::{Conn, Db, DbError, read, run},
    types::{Id, Timestamp},
};

/// An account as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct User {
    pub id: Id,
    #[schema(example = "jan@example.com")]
    pub email: String,
    #[schema(example = "Jan")]
    pub display_name: Option<String>,
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    pub created_at: Timestamp,
}

/// `{"user": {...}}`: how `/auth/*` and `/api/v1/me` return the account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: User,
}

const USER_COLUMNS: &str = "id, email, display_name, timezone, created_at";

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub timezone: &'a str,
    pub demo_expires_at: Option<Timestamp>,
}

pub async fn insert(tx: &mut Conn<'_>, new: NewUser<'_>) -> Result<User, DbError> {
    let sql = format!(
        "INSERT INTO users (id, email, password_hash, display_name, timezone, is_demo, demo_expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {USER_COLUMNS}"
    );
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(Id::new())
        .bind(new.email.as_str())
        .bind(new.password_hash)
        .bind(new.display_name)
        .bind(new.timezone)
        .bind(new.demo_expires_at.is_some())
        .bind(new.demo_expires_at)
        .bind(Timestamp::now())
        .fetch_one(conn)
        .await?))
}

pub async fn find(db: &Db, id: Id) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(read!(db, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await)?)
}

/// [`find`] on a connection the caller holds (the exports read it inside their snapshot).
pub async fn find_in(tx: &mut Conn<'_>, id: Id) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(run!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?))
}

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: Id,
    pub email: String,
    pub password_hash: Option<String>,
}

pub async fn credentials_by_email(db: &Db, email: &Email) -> Result<Option<Credentials>, DbError> {
    const SQL: &str = "SELECT id, email, password_hash FROM users WHERE email = $1";
    Ok(read!(db, |conn| sqlx::query_as(SQL)
        .bind(email.as_str())
        .fetch_optional(conn)
        .await)?)
}

pub async fn credentials_by_id(db: &Db, id: Id) -> Result<Option<Credentials>, DbError> {
    const SQL: &str = "SELECT id, email, password_hash FROM users WHERE id = $1";
    Ok(read!(db, |conn| sqlx::query_as(SQL)
        .bind(id)
        .fetch_optional(conn)
        .await)?)
}

pub async fn update_profile(
    db: &Db,
    id: Id,
    display_name: Option<&str>,
    timezone: &str,
) -> Result<Option<User>, DbError> {
    let sql = format!(
        "UPDATE users SET display_name = $2, timezone = $3, updated_at = $4 WHERE id = $1 RETURNING {USER_COLUMNS}"
    );
    db.transaction(async |tx| {
        Ok(run!(tx, |conn| sqlx::query_as(&sql)
            .bind(id)
            .bind(display_name)
            .bind(timezone)
            .bind(Timestamp::now())
            .fetch_optional(conn)
            .await?))
    })
    .await
}

pub async fn set_password_hash(db: &Db, id: Id, hash: &str) -> Result<(), DbError> {
    db.transaction(async |tx| {
        run!(tx, |conn| sqlx::query(
            "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(hash)
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
        Ok(())
    })
    .await
}

/// Child tables in deletion order (children before parents), each with its `user_id` column.
const ACCOUNT_TABLES: &[&str] = &[
    // Before the logs: their triggers then find no tally left to keep up to date, so deleting
    // 200 000 logs does not update (or re-read the maximum of) a bucket once per log.
    "medication_log_tallies",
    "symptom_log_tallies",
    "medication_logs",
    "symptom_logs",
    "doctor_conditions",
    "schedules",
    "medications",
    "symptom_types",
    "conditions",
    "doctors",
    // Last of the counted tables: deleting them above updated these counts.
    "account_usage",
    "sessions",
];

/// Deletes accounts with every row they own, in one transaction, and strips their id and email
/// from the audit trail (which is kept). Returns how many accounts were deleted; deleting an
/// account that is already gone is not an error (sweeps on several replicas may overlap).
pub async fn delete_accounts(db: &Db, ids: &[Id]) -> Result<u64, DbError> {
    let mut deleted = 0;
    for id in ids {
        deleted += db
            .transaction(async |tx| -> Result<u64, DbError> {
                // On PostgreSQL a write of the account in flight holds a key-share lock on its
                // row (its foreign key) and a later one needs it: taking the row for update first
                // waits for the former and makes the latter wait, then fail as gone, so that no
                // row is added under the deletion (it would fail the deletion's own foreign
                // keys). SQLite has one writer at a time.
                let lock = format!(
                    "SELECT id FROM users WHERE id = $1{}",
                    tx.lock_clause("users")
                );
                run!(tx, |conn| sqlx::query(&lock).bind(*id).execute(conn).await?.rows_affected());
                for table in ACCOUNT_TABLES {
                    let sql = format!("DELETE FROM {table} WHERE user_id = $1");
                    run!(tx, |conn| sqlx::query(&sql).bind(*id).execute(conn).await?
.rows_affected());
                }
                run!(tx, |conn| sqlx::query(
                    "UPDATE audit_events SET user_id = NULL, email_masked = NULL WHERE user_id = $1",
                )
                .bind(*id)
                .execute(conn)
                .await?
.rows_affected());
                Ok(run!(tx, |conn| sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(*id)
                    .execute(conn)
                    .await?
                    .rows_affected()))
            })
            .await?;
    }
    Ok(deleted)
}

/// Demo accounts whose lifetime is over.
pub async fn expired_demo_ids(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<Id>, DbError> {
    const SQL: &str = "SELECT id FROM users WHERE is_demo AND demo_expires_at <= $1 ORDER BY demo_expires_at LIMIT $2";
    Ok(read!(db, |conn| sqlx::query_scalar(SQL)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await)?)
}
