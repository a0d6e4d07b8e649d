//! `/api/v1/me/{password,logout-all,delete}`: what changes how, or whether, the account signs in.

use axum::{extract::State, http::StatusCode};
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    confirm::{Confirmation, confirm_password},
    store,
};
use crate::{
    audit::{self, AuditEvent},
    auth::{
        CurrentUser,
        password::Password,
        routes::raw_password,
        session::sign_in,
        session_store::end_sessions_of,
        users::{self, Credentials},
    },
    error::{ApiError, ApiResult},
    http::{
        client_ip::ClientIp,
        json::{JsonObject, OptionalJsonObject},
    },
    input::{Fields, present},
    state::AppState,
    types::Id,
};

/// Body of `POST /api/v1/me/password`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct PasswordChangeInput {
    /// The password the account signs in with now.
    #[schema(example = "violet harbour engine 42")]
    current_password: String,
    /// 12 to 128 characters, not easy to guess, not containing the email's local part.
    #[schema(
        example = "amber lantern quietly 7 rivers",
        min_length = 12,
        max_length = 128
    )]
    new_password: String,
}

/// Body of `POST /api/v1/me/delete`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct DeleteAccountInput {
    /// The account's password; not needed (and ignored) for a demo account, which may send an
    /// empty body or `{}`.
    #[schema(example = "violet harbour engine 42")]
    password: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(logout_all))
        .routes(routes!(delete_account))
}

async fn credentials(state: &AppState, user_id: Id) -> ApiResult<Credentials> {
    users::credentials_by_id(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

fn session_error(err: tower_sessions::session::Error) -> ApiError {
    tracing::warn!(error = %err, "session store failure");
    ApiError::Unavailable
}

/// Change the password: this session continues under a new id, every other one ends.
///
/// A wrong `current_password` is 422 naming it and counts toward the email's lockout, like a
/// failed sign-in; a weak `new_password` is 422 naming it.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", security(("session" = [])),
    request_body = PasswordChangeInput,
    responses(
        (status = 204, description = "Changed; the response sets a fresh `session` cookie and every other session of the account has ended"),
    ))]
async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let account = credentials(&state, user.id).await?;
    let mut fields = Fields::new(body);
    let current = fields.required("current_password", raw_password);
    let new = fields
        .required("new_password", raw_password)
        .and_then(|raw| {
            Password::new(&raw, &account.email)
                .map_err(|message| fields.error("new_password", message))
                .ok()
        });
    fields.finish()?;
    let (current, new) = (present(current)?, present(new)?);

    let confirmation = Confirmation {
        event: "account.password_change",
        field: "current_password",
    };
    confirm_password(&state, &account, &current, confirmation, ip).await?;
    let hash = state.hasher.hash(&new).await?;
    if !store::change_password(&state.db, user.id, &hash).await? {
        return Err(ApiError::Unauthenticated);
    }
    // Every session row is gone, this one's too; signing in again gives it a fresh id.
    sign_in(&user.session, &state.config, user.id, false).await?;
    audit::record(
        &state.db,
        AuditEvent::new("account.password_change")
            .user(user.id)
            .email(&account.email)
            .ip(ip),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere: every session of the account ends, this one included.
#[utoipa::path(post, path = "/api/v1/me/logout-all", tag = "account", security(("session" = [])),
    responses(
        (status = 204, description = "Every session has ended; the cookie is cleared (`Max-Age=0`)"),
    ))]
async fn logout_all(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
) -> ApiResult<StatusCode> {
    end_sessions_of(&state.db, user.id, None).await?;
    clear(&user.session).await?;
    audit::record(
        &state.db,
        AuditEvent::new("account.logout_all").user(user.id).ip(ip),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete the account with all its data and sessions, in one transaction.
///
/// A missing or wrong `password` is 422 naming it and counts toward the email's lockout, like a
/// failed sign-in; every refusal leaves the account as it was.
#[utoipa::path(post, path = "/api/v1/me/delete", tag = "account", security(("session" = [])),
    request_body(content = Option<DeleteAccountInput>, description = "`{\"password\": ...}`; a demo account sends an empty body or `{}`"),
    responses(
        (status = 204, description = "Deleted; the cookie is cleared (`Max-Age=0`)"),
    ))]
async fn delete_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
    OptionalJsonObject(body): OptionalJsonObject,
) -> ApiResult<StatusCode> {
    let account = credentials(&state, user.id).await?;
    let has_password = account.password_hash.is_some();
    let mut fields = Fields::new(body);
    let password = if has_password {
        fields.required("password", raw_password)
    } else {
        // A demo account has nothing to confirm; a client that always sends the field is fine.
        fields.optional("password", |_| Ok(()));
        None
    };
    fields.finish()?;
    if has_password {
        let confirmation = Confirmation {
            event: "account.delete",
            field: "password",
        };
        confirm_password(&state, &account, &present(password)?, confirmation, ip).await?;
    }
    // Recorded first, so that the deletion anonymises this event like every other of the account.
    audit::record(
        &state.db,
        AuditEvent::new("account.delete")
            .user(user.id)
            .email(&account.email)
            .ip(ip),
    )
    .await;
    users::delete_accounts(&state.db, &[user.id]).await?;
    clear(&user.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes this request's session (if still stored) and makes the response clear the cookie.
async fn clear(session: &Session) -> ApiResult<()> {
    session.flush().await.map_err(session_error)
}
