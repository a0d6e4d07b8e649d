//! `/auth`: register, login, logout, session status and demo sessions.

use axum::{Json, extract::State, http::StatusCode};
use metrics::counter;
use serde::Serialize;
use serde_json::Value;
use tower_sessions::Session;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    email::Email,
    lockout::Checked,
    password::Password,
    session::{peek, sign_in},
    users::{self, NewUser, User, UserEnvelope},
};
use crate::{
    audit::{self, AuditEvent},
    demo,
    error::{ApiError, ApiResult},
    http::{client_ip::ClientIp, json::JsonObject},
    input::{self, Fields, present},
    state::AppState,
    types::Timestamp,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(session_status))
        .routes(routes!(start_demo))
}

/// Body of `POST /auth/register`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct RegisterInput {
    #[schema(example = "jan@example.com", format = Email, max_length = 254)]
    email: String,
    /// 12 to 128 characters, not easy to guess, not containing the email's local part.
    #[schema(
        example = "violet harbour engine 42",
        min_length = 12,
        max_length = 128
    )]
    password: String,
    /// At most 80 characters with a visible one and no bidirectional control; blank means none
    /// (stored as `null`).
    #[schema(example = "Jan", max_length = 80)]
    display_name: Option<String>,
    /// IANA time zone name; defaults to `UTC`.
    #[schema(example = "Europe/Berlin")]
    timezone: Option<String>,
}

/// Body of `POST /auth/login`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct LoginInput {
    #[schema(example = "jan@example.com", format = Email)]
    email: String,
    #[schema(
        example = "violet harbour engine 42",
        min_length = 1,
        max_length = 1024
    )]
    password: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"authenticated": true, "user": {"id": "019a6b2e-7c1d-7f3a-9b8e-2f4d6a1c3e5b",
    "email": "jan@example.com", "display_name": "Jan", "timezone": "Europe/Berlin",
    "created_at": "2026-11-27T08:30:00.123Z"}, "demo": false, "expires_at": "2026-11-27T09:00:00.123Z"}))]
pub struct SessionStatus {
    pub authenticated: bool,
    pub user: Option<User>,
    pub demo: bool,
    /// The earlier of the idle and absolute expiry.
    pub expires_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user": {"id": "019a6b2e-7c1d-7f3a-9b8e-2f4d6a1c3e5b",
    "email": "demo-019a6b2e7c1d7f3a9b8e2f4d6a1c3e5b@demo.invalid", "display_name": "Demo", "timezone": "UTC",
    "created_at": "2026-11-27T08:30:00.123Z"}, "demo": true, "expires_at": "2026-11-27T09:00:00.123Z"}))]
pub struct DemoStarted {
    pub user: User,
    pub demo: bool,
    pub expires_at: Timestamp,
}

pub(crate) fn email_field(value: &Value) -> Result<Email, String> {
    Email::parse(value.as_str().ok_or("must be a string")?)
}

/// Passwords are taken exactly as sent (no trimming).
pub(crate) fn raw_password(value: &Value) -> Result<String, String> {
    match value.as_str() {
        Some("") => Err("must not be empty".into()),
        Some(text) if text.chars().count() > 1024 => Err("must be at most 1024 characters".into()),
        Some(text) => Ok(text.to_owned()),
        None => Err("must be a string".into()),
    }
}

/// Create an account and sign in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterInput,
    responses(
        (status = 201, description = "Account created; the response sets the `session` cookie", body = UserEnvelope),
    ))]
async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<UserEnvelope>)> {
    let mut fields = Fields::new(body);
    let email = fields.required("email", email_field);
    let password = fields.required("password", raw_password);
    let display_name = fields.optional_name("display_name", 80);
    let timezone = fields.optional("timezone", input::timezone);
    if email.as_ref().is_some_and(Email::is_demo_domain) {
        fields.error("email", "this domain is reserved for demo accounts");
    }
    let password = password.and_then(|raw| {
        let local = email.as_ref().map_or("", Email::as_str);
        Password::new(&raw, local)
            .map_err(|m| fields.error("password", m))
            .ok()
    });
    fields.finish()?;
    let (email, password) = (present(email)?, present(password)?);

    let hash = state.hasher.hash(&password).await?;
    let new = NewUser {
        email: &email,
        password_hash: Some(&hash),
        display_name: display_name.as_deref(),
        timezone: timezone.as_deref().unwrap_or("UTC"),
        demo_expires_at: None,
    };
    let user = state
        .db
        .transaction(async |tx| users::insert(tx, new).await)
        .await?;
    sign_in(&session, &state.config, user.id, false).await?;
    audit::record(
        &state.db,
        AuditEvent::new("auth.register.success")
            .user(user.id)
            .email(email.as_str())
            .ip(ip),
    )
    .await;
    Ok((StatusCode::CREATED, Json(UserEnvelope { user })))
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in; the response sets a fresh `session` cookie", body = UserEnvelope),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<UserEnvelope>> {
    let mut fields = Fields::new(body);
    let email = fields.required("email", email_field);
    let password = fields.required("password", raw_password);
    fields.finish()?;
    let (email, password) = (present(email)?, present(password)?);

    let email_key = state.lockout.email_key(&email);
    let failure = |reason| {
        AuditEvent::new("auth.login.failure")
            .email(email.as_str())
            .ip(ip)
            .reason(reason)
    };
    let account = users::credentials_by_email(&state.db, &email).await?;
    let hasher = state.hasher.clone();
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let checked = state
        .lockout
        .check(&state.db, &email_key, async move {
            hasher.verify(&password, hash.as_deref()).await
        })
        .await?;
    let count_attempt = |result| {
        counter!("authentication_attempts_total", "result" => result, "method" => "password")
            .increment(1);
    };
    let account = match (checked, account) {
        (Checked::Verified, Some(account)) => account,
        (Checked::Refused(refused), _) => {
            count_attempt("locked");
            audit::record(&state.db, failure("locked")).await;
            return Err(ApiError::AccountLocked {
                retry_after_secs: refused.retry_after_secs,
            });
        }
        (Checked::LockStarted(started), _) => {
            count_attempt("locked");
            crate::telemetry::security_event("account_lockout", "medium");
            audit::record(
                &state.db,
                AuditEvent::new("auth.lockout.trigger")
                    .email(email.as_str())
                    .ip(ip)
                    .reason("too_many_failures"),
            )
            .await;
            return Err(ApiError::AccountLocked {
                retry_after_secs: started.retry_after_secs,
            });
        }
        (Checked::Wrong | Checked::Verified, _) => {
            count_attempt("failure");
            audit::record(&state.db, failure("invalid_credentials")).await;
            return Err(ApiError::InvalidCredentials);
        }
    };
    let user = users::find(&state.db, account.id)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    sign_in(&session, &state.config, user.id, false).await?;
    counter!("authentication_attempts_total", "result" => "success", "method" => "password")
        .increment(1);
    audit::record(
        &state.db,
        AuditEvent::new("auth.login.success")
            .user(user.id)
            .email(email.as_str())
            .ip(ip),
    )
    .await;
    Ok(Json(UserEnvelope { user }))
}

/// Sign out: the session is deleted on the server and the cookie cleared.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses(
        (status = 204, description = "Signed out (also when there was no session)"),
    ))]
async fn logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
) -> ApiResult<StatusCode> {
    let auth = peek(&session).await?;
    session.flush().await.map_err(|e| {
        tracing::warn!(error = %e, "session store failure");
        ApiError::Unavailable
    })?;
    if let Some(auth) = auth {
        audit::record(
            &state.db,
            AuditEvent::new("auth.logout").user(auth.user_id()).ip(ip),
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Whether this request is signed in (never 401, and does not extend the session).
#[utoipa::path(get, path = "/auth/session", tag = "auth",
    responses((status = 200, description = "Session status", body = SessionStatus)))]
async fn session_status(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<Json<SessionStatus>> {
    let auth = peek(&session).await?;
    let user = match &auth {
        Some(auth) => users::find(&state.db, auth.user_id()).await?,
        None => None,
    };
    let valid = user.is_some();
    counter!("session_status_checks_total", "valid" => if valid { "true" } else { "false" })
        .increment(1);
    Ok(Json(SessionStatus {
        authenticated: valid,
        demo: valid && auth.is_some_and(|a| a.demo),
        expires_at: auth.filter(|_| valid).map(|a| a.expires_at()),
        user,
    }))
}

/// Start a demo: a new, isolated demo account with sample data.
///
/// The demo stays signed in for one hour at most (`DEMO_LIFETIME_SECS`) and, like every session,
/// also ends after 30 idle minutes; its account and data are deleted once the hour is over.
#[utoipa::path(post, path = "/auth/demo", tag = "auth",
    responses(
        (status = 201, description = "Demo account created; the response sets the `session` cookie", body = DemoStarted),
    ))]
async fn start_demo(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
) -> ApiResult<(StatusCode, Json<DemoStarted>)> {
    let created = demo::create_account(&state).await;
    counter!("demo_session_creations_total", "success" => if created.is_ok() { "true" } else { "false" }).increment(1);
    let user = created?;
    let auth = sign_in(&session, &state.config, user.id, true).await?;
    audit::record(
        &state.db,
        AuditEvent::new("auth.demo.start").user(user.id).ip(ip),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(DemoStarted {
            user,
            demo: true,
            expires_at: auth.expires_at(),
        }),
    ))
}
