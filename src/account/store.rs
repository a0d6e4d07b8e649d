//! The account's own writes that must happen together.

use crate::{
    db::{Db, DbError, run},
    types::{Id, Timestamp},
};

/// Sets the new password hash and ends every session of the account in one transaction, so that
/// no session signed in with the old password outlives the change. False when the account is gone.
pub async fn change_password(db: &Db, user_id: Id, hash: &str) -> Result<bool, DbError> {
    db.transaction(async |tx| {
        let changed = run!(tx, |conn| sqlx::query(
            "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
        )
        .bind(user_id)
        .bind(hash)
        .bind(Timestamp::now())
        .execute(conn)
        .await?
        .rows_affected());
        run!(tx, |conn| sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1"
        )
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected());
        Ok(changed == 1)
    })
    .await
}
