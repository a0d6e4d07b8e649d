//! tower-sessions' `SessionStore` over our own `sessions` table, so that sessions are shared by all
//! replicas, can all be ended for one account at once, and carry both idle and absolute expiry.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::{
    SessionStore,
    session::{Id as SessionId, Record},
    session_store::{Error as StoreError, Result as StoreResult},
};

use crate::{
    db::{Db, DbError, read, run},
    types::{Id, Timestamp},
};

/// The key of the signed-in state; its fields are the table's columns.
pub const AUTH_KEY: &str = "auth";

/// The key of the account's time zone, read from `users` with every session load and never
/// written back: routes that need the account's calendar day get it without another query.
pub const TIMEZONE_KEY: &str = "account_timezone";

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: uuid::Uuid,
    pub demo: bool,
    /// Milliseconds since the epoch.
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
}

impl SessionAuth {
    pub fn user_id(&self) -> Id {
        Id(self.user_id)
    }

    /// The earlier of the idle and absolute expiry.
    pub fn expires_at(&self) -> Timestamp {
        Timestamp::from_millis(self.idle_expires_at.min(self.absolute_expires_at))
    }
}

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The table holds a digest of the cookie value, never the value itself.
pub fn digest(id: &SessionId) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = Sha256::digest(id.to_string().as_bytes());
    let mut hex = String::with_capacity(2 * hash.len());
    for byte in hash {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

fn backend(err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(err.to_string())
}

fn auth_of(record: &Record) -> StoreResult<SessionAuth> {
    let value = record.data.get(AUTH_KEY).ok_or_else(|| {
        StoreError::Encode("a session is stored only once it is signed in".into())
    })?;
    serde_json::from_value(value.clone()).map_err(|e| StoreError::Decode(e.to_string()))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: Id,
    demo: bool,
    idle_expires_at: Timestamp,
    absolute_expires_at: Timestamp,
    timezone: String,
}

/// An account holds at most this many sessions; a new sign-in beyond it ends the oldest.
pub const MAX_SESSIONS_PER_ACCOUNT: i64 = 50;

enum Created {
    Stored,
    /// The id is in use (practically never: ids are 128 random bits).
    IdTaken,
    /// The account was deleted while signing in: there is nothing to hold a session for.
    AccountGone,
}

/// Stores a new session row and ends the account's oldest ones beyond the cap, in one transaction.
async fn insert_capped(db: &Db, id: &str, auth: &SessionAuth) -> Result<Created, DbError> {
    const INSERT: &str = "INSERT INTO sessions (id, user_id, demo, idle_expires_at, absolute_expires_at, created_at) \
                          VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING";
    const TRIM: &str = "DELETE FROM sessions WHERE user_id = $1 AND id NOT IN \
                        (SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)";
    db.transaction(async |tx| -> Result<Created, DbError> {
        // A no-op write that takes the account's row lock on PostgreSQL, so that concurrent
        // sign-ins of one account are capped one after another (SQLite has one writer anyway),
        // and that finds no row once the account is deleted.
        let account = run!(tx, |conn| sqlx::query(
            "UPDATE users SET updated_at = updated_at WHERE id = $1"
        )
        .bind(auth.user_id())
        .execute(conn)
        .await?
        .rows_affected());
        if account == 0 {
            return Ok(Created::AccountGone);
        }
        let inserted = run!(tx, |conn| sqlx::query(INSERT)
            .bind(id)
            .bind(auth.user_id())
            .bind(auth.demo)
            .bind(Timestamp::from_millis(auth.idle_expires_at))
            .bind(Timestamp::from_millis(auth.absolute_expires_at))
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected());
        if inserted == 0 {
            return Ok(Created::IdTaken);
        }
        run!(tx, |conn| sqlx::query(TRIM)
            .bind(auth.user_id())
            .bind(MAX_SESSIONS_PER_ACCOUNT)
            .execute(conn)
            .await?
            .rows_affected());
        Ok(Created::Stored)
    })
    .await
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> StoreResult<()> {
        let auth = auth_of(record)?;
        // A 128-bit random id collides practically never; the loop makes "never" exact.
        loop {
            match insert_capped(&self.db, &digest(&record.id), &auth)
                .await
                .map_err(backend)?
            {
                // A session of a deleted account is not stored: its cookie then signs nothing in.
                Created::Stored | Created::AccountGone => return Ok(()),
                Created::IdTaken => record.id = SessionId::default(),
            }
        }
    }

    /// Only ever updates: a session ended elsewhere (logout on another replica) stays ended.
    async fn save(&self, record: &Record) -> StoreResult<()> {
        const SQL: &str = "UPDATE sessions SET idle_expires_at = $2 WHERE id = $1";
        let auth = auth_of(record)?;
        self.db
            .transaction(async |tx| -> Result<(), DbError> {
                run!(tx, |conn| sqlx::query(SQL)
                    .bind(digest(&record.id))
                    .bind(Timestamp::from_millis(auth.idle_expires_at))
                    .execute(conn)
                    .await?
                    .rows_affected());
                Ok(())
            })
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, session_id: &SessionId) -> StoreResult<Option<Record>> {
        const SQL: &str = "SELECT s.user_id, s.demo, s.idle_expires_at, s.absolute_expires_at, u.timezone \
                           FROM sessions s JOIN users u ON u.id = s.user_id \
                           WHERE s.id = $1 AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2";
        let row: Option<SessionRow> = read!(&self.db, |conn| sqlx::query_as(SQL)
            .bind(digest(session_id))
            .bind(Timestamp::now())
            .fetch_optional(conn)
            .await)
        .map_err(|e| backend(DbError::from(e)))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let auth = SessionAuth {
            user_id: row.user_id.0,
            demo: row.demo,
            idle_expires_at: row.idle_expires_at.as_millis(),
            absolute_expires_at: row.absolute_expires_at.as_millis(),
        };
        let value = serde_json::to_value(auth).map_err(|e| StoreError::Encode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data: [
                (AUTH_KEY.to_owned(), value),
                (TIMEZONE_KEY.to_owned(), row.timezone.into()),
            ]
            .into_iter()
            .collect(),
            expiry_date: auth.expires_at().to_offset_date_time(),
        }))
    }

    async fn delete(&self, session_id: &SessionId) -> StoreResult<()> {
        self.db
            .transaction(async |tx| -> Result<(), DbError> {
                run!(tx, |conn| sqlx::query("DELETE FROM sessions WHERE id = $1")
                    .bind(digest(session_id))
                    .execute(conn)
                    .await?
                    .rows_affected());
                Ok(())
            })
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of an account, or every one but `keep` (the digest of the current one).
pub async fn end_sessions_of(
    db: &Db,
    user_id: Id,
    keep: Option<&SessionId>,
) -> Result<u64, DbError> {
    let keep = keep.map(digest).unwrap_or_default();
    db.transaction(async |tx| {
        Ok(run!(tx, |conn| sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND id <> $2"
        )
        .bind(user_id)
        .bind(&keep)
        .execute(conn)
        .await?
        .rows_affected()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_keeps_the_stored_format_so_existing_sessions_stay_valid() {
        let id = SessionId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        let expected: String = Sha256::digest(id.to_string().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest(&id), expected);
        assert_eq!(digest(&id).len(), 64);
    }
}
