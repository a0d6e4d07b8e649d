//! Password confirmation on `/api/v1/me/*`: the same lockout as sign-in, keyed by the account's
//! email, so that guessing through these routes is no easier than through `/auth/login`.

use std::net::IpAddr;

use crate::{
    audit::{self, AuditEvent},
    auth::{email::Email, lockout::Checked, users::Credentials},
    error::{ApiError, ApiResult},
    state::AppState,
};

/// What is being confirmed: the audit event of the action, and the body field of the password.
#[derive(Clone, Copy)]
pub struct Confirmation {
    pub event: &'static str,
    pub field: &'static str,
}

/// Succeeds when `password` is the account's. A wrong one is a 422 on the confirmation's field
/// and counts toward the lockout; the failure that reaches the threshold, and every attempt while
/// the email is locked, is 423 `account_locked`. A success resets the count, as a sign-in does.
pub async fn confirm_password(
    state: &AppState,
    account: &Credentials,
    password: &str,
    confirmation: Confirmation,
    ip: Option<IpAddr>,
) -> ApiResult<()> {
    let Some(hash) = account.password_hash.as_deref() else {
        return Err(ApiError::field(
            confirmation.field,
            "a demo account has no password",
        ));
    };
    state.rate_limiters.check_password(ip, confirmation.event)?;
    let email = Email::from_trusted(account.email.clone());
    let email_key = state.lockout.email_key(&email);
    let failure = |reason| {
        AuditEvent::new(confirmation.event)
            .user(account.id)
            .email(email.as_str())
            .ip(ip)
            .reason(reason)
    };
    let hasher = state.hasher.clone();
    let (password, hash) = (password.to_owned(), hash.to_owned());
    let checked = state
        .lockout
        .check(&state.db, &email_key, async move {
            hasher.verify(&password, Some(&hash)).await
        })
        .await?;
    match checked {
        Checked::Verified => return Ok(()),
        Checked::Wrong => {}
        Checked::Refused(locked) => {
            audit::record(&state.db, failure("locked")).await;
            return Err(ApiError::AccountLocked {
                retry_after_secs: locked.retry_after_secs,
            });
        }
        Checked::LockStarted(locked) => {
            crate::telemetry::security_event("account_lockout", "medium");
            audit::record(
                &state.db,
                AuditEvent::new("auth.lockout.trigger")
                    .user(account.id)
                    .email(email.as_str())
                    .ip(ip)
                    .reason("too_many_failures"),
            )
            .await;
            return Err(ApiError::AccountLocked {
                retry_after_secs: locked.retry_after_secs,
            });
        }
    }
    audit::record(&state.db, failure("invalid_password")).await;
    Err(ApiError::field(
        confirmation.field,
        "is not your current password",
    ))
}
