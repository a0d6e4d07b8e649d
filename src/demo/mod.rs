//! Demo accounts: created on request with their own data, deleted by a sweep once expired.

pub mod data;
mod seed;

use std::time::Duration;

use crate::{
    auth::{
        email::Email,
        users::{self, User},
    },
    db::{Db, DbError, run},
    error::ApiError,
    state::AppState,
    types::{Id, Timestamp},
};

/// Creates a new, isolated demo account with its own sample data (varied by a random seed).
pub async fn create_account(state: &AppState) -> Result<User, ApiError> {
    let lifetime = i64::try_from(state.config.demo_lifetime.as_secs()).unwrap_or(i64::MAX);
    let email = Email::for_demo(&Id::new());
    let now = Timestamp::now();
    let data = data::generate(rand::random(), now);
    let user =
        seed::insert_with_sample_data(&state.db, &email, now.plus_secs(lifetime), &data).await?;
    Ok(user)
}

/// Deletes expired demo accounts (with all their data) and expired sessions. Safe to run on
/// several replicas at once: each deletion is idempotent.
pub async fn sweep(db: &Db) -> Result<u64, ApiError> {
    let now = Timestamp::now();
    let mut deleted = 0;
    loop {
        let batch = users::expired_demo_ids(db, now, 100).await?;
        if batch.is_empty() {
            break;
        }
        deleted += users::delete_accounts(db, &batch).await?;
        if batch.len() < 100 {
            break;
        }
    }
    db.transaction(async |tx| -> Result<(), DbError> {
        run!(tx, |conn| sqlx::query(
            "DELETE FROM sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1"
        )
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected());
        Ok(())
    })
    .await?;
    Ok(deleted)
}

pub fn spawn_sweeper(state: AppState) {
    let interval = state.config.demo_sweep_interval;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted expired demo accounts"),
                Err(err) => tracing::warn!(error = %err, "demo sweep failed"),
            }
            if let Err(err) = state.lockout.prune(&state.db).await {
                tracing::warn!(error = %err, "lockout pruning failed");
            }
        }
    });
}
