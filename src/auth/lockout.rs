//! Sign-in lockout, kept in the database (shared by every replica) and keyed by an HMAC of the
//! normalised email, whether or not an account exists, so that lockout reveals nothing.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::email::Email;
use crate::{
    config::Config,
    db::{Db, DbError, read, run},
    types::Timestamp,
};

#[derive(Clone)]
pub struct Lockout {
    key: [u8; 32],
    threshold: i64,
    duration: Duration,
}

/// A locked email: how long until it may try again.
#[derive(Clone, Copy, Debug)]
pub struct Locked {
    pub retry_after_secs: u64,
}

fn locked_until(until: Timestamp, now: Timestamp) -> Option<Locked> {
    let remaining_ms = until.as_millis() - now.as_millis();
    (remaining_ms > 0).then(|| Locked {
        retry_after_secs: u64::try_from(remaining_ms).unwrap_or(0).div_ceil(1000),
    })
}

impl Lockout {
    /// Loads the HMAC key every replica shares (made by whichever replica starts first).
    pub async fn load(db: &Db, config: &Config) -> Result<Self, DbError> {
        const NAME: &str = "lockout_hmac_key";
        let candidate: String = rand::random::<[u8; 32]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        db.transaction(async |tx| -> Result<(), DbError> {
            run!(tx, |conn| sqlx::query(
                "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
            )
            .bind(NAME)
            .bind(&candidate)
            .execute(conn)
            .await?
.rows_affected());
            Ok(())
        })
        .await?;
        let stored: String = read!(db, |conn| sqlx::query_scalar(
            "SELECT value FROM server_secrets WHERE name = $1"
        )
        .bind(NAME)
        .fetch_one(conn)
        .await)?;
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = stored
                .get(2 * i..2 * i + 2)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .unwrap_or(0);
        }
        Ok(Self {
            key,
            threshold: i64::from(config.lockout_threshold),
            duration: config.lockout_duration,
        })
    }

    pub fn email_key(&self, email: &Email) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(email.as_str().as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub async fn check(&self, db: &Db, email_key: &str) -> Result<Option<Locked>, DbError> {
        let until: Option<Option<Timestamp>> = read!(db, |conn| sqlx::query_scalar(
            "SELECT locked_until FROM login_guards WHERE email_key = $1"
        )
        .bind(email_key)
        .fetch_optional(conn)
        .await)?;
        Ok(until
            .flatten()
            .and_then(|u| locked_until(u, Timestamp::now())))
    }

    /// Counts a failure; the one that reaches the threshold starts a lock, which it returns.
    /// Failures during a lock are not counted and do not extend it.
    pub async fn record_failure(
        &self,
        db: &Db,
        email_key: &str,
    ) -> Result<Option<Locked>, DbError> {
        let now = Timestamp::now();
        let window_ms = i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX);
        db.transaction(async |tx| {
            // The upsert takes the row lock on PostgreSQL, so concurrent failures for one email
            // (through any replica) are counted one after another.
            let until: Option<Timestamp> = run!(tx, |conn| sqlx::query_scalar(
                "INSERT INTO login_guards (email_key, locked_until) VALUES ($1, NULL) \
                 ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key RETURNING locked_until",
            )
            .bind(email_key)
            .fetch_one(conn)
            .await?);
            if let Some(locked) = until.and_then(|u| locked_until(u, now)) {
                return Ok(Some(locked));
            }
            run!(tx, |conn| sqlx::query(
                "INSERT INTO login_failures (email_key, failed_at) VALUES ($1, $2)"
            )
            .bind(email_key)
            .bind(now)
            .execute(conn)
            .await?
.rows_affected());
            let recent: i64 = run!(tx, |conn| sqlx::query_scalar(
                "SELECT COUNT(*) FROM login_failures WHERE email_key = $1 AND failed_at > $2",
            )
            .bind(email_key)
            .bind(now.plus_millis(-window_ms))
            .fetch_one(conn)
            .await?);
            if recent < self.threshold {
                return Ok(None);
            }
            let until = now.plus_millis(window_ms);
            run!(tx, |conn| sqlx::query(
                "UPDATE login_guards SET locked_until = $2 WHERE email_key = $1"
            )
            .bind(email_key)
            .bind(until)
            .execute(conn)
            .await?
.rows_affected());
            // The next lock counts only failures made after this one ends.
            run!(tx, |conn| sqlx::query("DELETE FROM login_failures WHERE email_key = $1")
                .bind(email_key)
                .execute(conn)
                .await?
.rows_affected());
            Ok(locked_until(until, now))
        })
        .await
    }

    pub async fn reset(&self, db: &Db, email_key: &str) -> Result<(), DbError> {
        // Most sign-ins follow no failure: a read spares them a durable write.
        let failures: i64 = read!(db, |conn| sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE email_key = $1"
        )
        .bind(email_key)
        .fetch_one(conn)
        .await)?;
        if failures == 0 {
            return Ok(());
        }
        db.transaction(async |tx| {
            run!(tx, |conn| sqlx::query(
                "DELETE FROM login_failures WHERE email_key = $1"
            )
            .bind(email_key)
            .execute(conn)
            .await?
            .rows_affected());
            Ok(())
        })
        .await
    }

    /// Forgets failures too old to count and locks that have ended.
    pub async fn prune(&self, db: &Db) -> Result<(), DbError> {
        let window_ms = i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX);
        let now = Timestamp::now();
        db.transaction(async |tx| {
            run!(tx, |conn| sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
                .bind(now.plus_millis(-window_ms))
                .execute(conn)
                .await?
.rows_affected());
            run!(tx, |conn| sqlx::query(
                "DELETE FROM login_guards WHERE (locked_until IS NULL OR locked_until <= $1) \
                 AND NOT EXISTS (SELECT 1 FROM login_failures f WHERE f.email_key = login_guards.email_key)"
            )
            .bind(now)
            .execute(conn)
            .await?
.rows_affected());
            Ok(())
        })
        .await
    }
}
