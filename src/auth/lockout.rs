//! Sign-in lockout, kept in the database (shared by every replica) and keyed by an HMAC of the
//! normalised email, whether or not an account exists, so that lockout reveals nothing.
//!
//! A password check is reserved before it is verified: the reservation counts like a failure
//! until it is settled, so a burst of guesses sent at once is worth no more than the same guesses
//! sent one by one. Reserving and settling are each a short transaction of their own; the hash
//! runs between them, holding no lock and no pooled connection.

use std::{future::Future, time::Duration};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::email::Email;
use crate::{
    config::Config,
    db::{Conn, Db, DbError, read, run},
    error::ApiError,
    types::{Id, Timestamp},
};

/// How long a reservation counts when it is never settled (its replica crashed mid-check). Far
/// longer than a hash takes, even queued behind others, and short enough that a crash does not
/// keep an email from signing in for long.
const RESERVATION_TTL: Duration = Duration::from_secs(60);

/// When the attempts in flight already fill an email's budget, they settle within about a hash:
/// the client may try again after that.
const IN_FLIGHT_RETRY_SECS: u64 = 1;

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

/// How a guarded password check ended.
#[derive(Clone, Copy, Debug)]
pub enum Checked {
    /// The password matched; the email's failures are forgotten.
    Verified,
    /// A wrong password, counted; the email is not locked.
    Wrong,
    /// A wrong password whose failure reached the threshold: the lock it started.
    LockStarted(Locked),
    /// Not verified at all: the email is locked, or the attempts in flight fill its budget.
    Refused(Locked),
}

fn locked_until(until: Timestamp, now: Timestamp) -> Option<Locked> {
    let remaining_ms = until.as_millis() - now.as_millis();
    (remaining_ms > 0).then(|| Locked {
        retry_after_secs: u64::try_from(remaining_ms).unwrap_or(0).div_ceil(1000),
    })
}

async fn drop_reservation(tx: &mut Conn<'_>, reservation: Id) -> Result<(), DbError> {
    run!(tx, |conn| sqlx::query(
        "DELETE FROM login_attempts WHERE id = $1"
    )
    .bind(reservation)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}

async fn forget_failures(tx: &mut Conn<'_>, email_key: &str) -> Result<(), DbError> {
    run!(tx, |conn| sqlx::query(
        "DELETE FROM login_failures WHERE email_key = $1"
    )
    .bind(email_key)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Creates the email's guard row or takes the existing one, and returns its lock. On PostgreSQL
/// the upsert holds the row lock until the transaction ends, so the transactions of one email
/// (through any replica) run one after another; SQLite has a single writer anyway.
const TAKE_GUARD: &str = "INSERT INTO login_guards (email_key, locked_until) VALUES ($1, NULL) \
     ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key RETURNING locked_until";

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

    /// Reserves a check for `email_key`, runs `verify` (the password hash) if the reservation was
    /// granted, and settles it. The whole runs as a task of its own, so that a request dropped
    /// mid-hash (client gone, timeout) still has its failure counted.
    pub async fn check<V>(&self, db: &Db, email_key: &str, verify: V) -> Result<Checked, ApiError>
    where
        V: Future<Output = Result<bool, ApiError>> + Send + 'static,
    {
        let (lockout, db, email_key) = (self.clone(), db.clone(), email_key.to_owned());
        tokio::spawn(async move {
            let reservation = match lockout.reserve(&db, &email_key).await? {
                Ok(reservation) => reservation,
                Err(locked) => return Ok(Checked::Refused(locked)),
            };
            match verify.await {
                Ok(true) => {
                    lockout.settle_success(&db, &email_key, reservation).await?;
                    Ok(Checked::Verified)
                }
                Ok(false) => Ok(lockout.settle_failure(&db, &email_key, reservation).await?),
                Err(err) => {
                    lockout.release(&db, reservation).await?;
                    Err(err)
                }
            }
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Either a reservation id, or the reason none was granted.
    async fn reserve(&self, db: &Db, email_key: &str) -> Result<Result<Id, Locked>, DbError> {
        let now = Timestamp::now();
        let window_start = now.plus_millis(-millis(self.duration));
        let reservation = Id::new();
        db.transaction(async |tx| -> Result<Result<Id, Locked>, DbError> {
            let until: Option<Timestamp> = run!(tx, |conn| sqlx::query_scalar(TAKE_GUARD)
                .bind(email_key)
                .fetch_one(conn)
                .await?);
            if let Some(locked) = until.and_then(|u| locked_until(u, now)) {
                return Ok(Err(locked));
            }
            let counted: i64 = run!(tx, |conn| sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM login_failures WHERE email_key = $1 AND failed_at > $2) \
                 + (SELECT COUNT(*) FROM login_attempts WHERE email_key = $1 AND expires_at > $3)",
            )
            .bind(email_key)
            .bind(window_start)
            .bind(now)
            .fetch_one(conn)
            .await?);
            if counted >= self.threshold {
                return Ok(Err(Locked {
                    retry_after_secs: IN_FLIGHT_RETRY_SECS,
                }));
            }
            run!(tx, |conn| sqlx::query(
                "INSERT INTO login_attempts (id, email_key, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(reservation)
            .bind(email_key)
            .bind(now.plus_millis(millis(RESERVATION_TTL)))
            .execute(conn)
            .await?
            .rows_affected());
            Ok(Ok(reservation))
        })
        .await
    }

    /// A success resets the count, as the lockout rules say.
    async fn settle_success(
        &self,
        db: &Db,
        email_key: &str,
        reservation: Id,
    ) -> Result<(), DbError> {
        db.transaction(async |tx| -> Result<(), DbError> {
            drop_reservation(tx, reservation).await?;
            forget_failures(tx, email_key).await?;
            Ok(())
        })
        .await
    }

    /// Counts the failure; the one that reaches the threshold starts a lock. A failure settled
    /// while the email is locked is not counted and does not extend the lock.
    async fn settle_failure(
        &self,
        db: &Db,
        email_key: &str,
        reservation: Id,
    ) -> Result<Checked, DbError> {
        let now = Timestamp::now();
        let window_ms = millis(self.duration);
        db.transaction(async |tx| -> Result<Checked, DbError> {
            let until: Option<Timestamp> = run!(tx, |conn| sqlx::query_scalar(TAKE_GUARD)
                .bind(email_key)
                .fetch_one(conn)
                .await?);
            drop_reservation(tx, reservation).await?;
            if let Some(locked) = until.and_then(|u| locked_until(u, now)) {
                return Ok(Checked::Refused(locked));
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
                return Ok(Checked::Wrong);
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
            forget_failures(tx, email_key).await?;
            Ok(locked_until(until, now).map_or(Checked::Wrong, Checked::LockStarted))
        })
        .await
    }

    /// Gives a reservation back unsettled: the check itself failed (not the password).
    async fn release(&self, db: &Db, reservation: Id) -> Result<(), DbError> {
        db.transaction(async |tx| -> Result<(), DbError> {
            drop_reservation(tx, reservation).await?;
            Ok(())
        })
        .await
    }

    /// Forgets failures too old to count, reservations that expired and locks that have ended.
    pub async fn prune(&self, db: &Db) -> Result<(), DbError> {
        let now = Timestamp::now();
        let window_start = now.plus_millis(-millis(self.duration));
        db.transaction(async |tx| -> Result<(), DbError> {
            run!(tx, |conn| sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
                .bind(window_start)
                .execute(conn)
                .await?
                .rows_affected());
            run!(tx, |conn| sqlx::query("DELETE FROM login_attempts WHERE expires_at <= $1")
                .bind(now)
                .execute(conn)
                .await?
                .rows_affected());
            run!(tx, |conn| sqlx::query(
                "DELETE FROM login_guards WHERE (locked_until IS NULL OR locked_until <= $1) \
                 AND NOT EXISTS (SELECT 1 FROM login_failures f WHERE f.email_key = login_guards.email_key) \
                 AND NOT EXISTS (SELECT 1 FROM login_attempts a WHERE a.email_key = login_guards.email_key)"
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
