//! The account's own writes that must happen together.

use crate::{
    db::{Db, DbError, transaction},
    types::{Id, Timestamp},
};

/// Sets the new password hash and ends every session of the account in one transaction, so that
/// no session signed in with the old password outlives the change. False when the account is gone.
pub async fn change_password(db: &Db, user_id: Id, hash: &str) -> Result<bool, DbError> {
    let changed = transaction!(db, |tx| {
        let changed =
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(user_id)
                .bind(hash)
                .bind(Timestamp::now())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        changed == 1
    });
    Ok(changed)
}
