//! Signing a session in, and the `CurrentUser` extractor that guards protected routes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::session_store::{AUTH_KEY, SessionAuth, TIMEZONE_KEY};
use crate::{
    config::Config,
    error::ApiError,
    http::request_id,
    state::AppState,
    types::{Id, Timestamp},
};

fn session_error(err: tower_sessions::session::Error) -> ApiError {
    // The store fails only when the database does.
    tracing::warn!(error = %err, "session store failure");
    ApiError::Unavailable
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Gives the request a fresh session id (against fixation) signed in as `user_id`.
pub async fn sign_in(
    session: &Session,
    config: &Config,
    user_id: Id,
    demo: bool,
) -> Result<SessionAuth, ApiError> {
    session.cycle_id().await.map_err(session_error)?;
    let now = Timestamp::now().as_millis();
    let lifetime = if demo {
        config.demo_lifetime
    } else {
        config.session_absolute_timeout
    };
    let absolute_expires_at = now.saturating_add(millis(lifetime));
    let auth = SessionAuth {
        user_id: user_id.0,
        demo,
        idle_expires_at: now
            .saturating_add(millis(config.session_idle_timeout))
            .min(absolute_expires_at),
        absolute_expires_at,
    };
    session
        .insert(AUTH_KEY, auth)
        .await
        .map_err(session_error)?;
    request_id::record_user(user_id);
    Ok(auth)
}

/// The signed-in state of the request's session, without extending it.
pub async fn peek(session: &Session) -> Result<Option<SessionAuth>, ApiError> {
    let auth: Option<SessionAuth> = session.get(AUTH_KEY).await.map_err(session_error)?;
    let now = Timestamp::now();
    let auth = auth.filter(|a| a.expires_at() > now);
    if let Some(auth) = &auth {
        request_id::record_user(auth.user_id());
    }
    Ok(auth)
}

/// The signed-in account of a protected route; anything else is 401 `unauthenticated`.
pub struct CurrentUser {
    pub id: Id,
    pub demo: bool,
    /// The account's time zone as read with the session (`None` only for a session signed in
    /// during this request).
    pub timezone: Option<String>,
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| ApiError::internal("the session layer is missing"))?;
        let Some(mut auth) = peek(&session).await? else {
            return Err(ApiError::Unauthenticated);
        };
        extend_idle(&session, &state.config, &mut auth).await?;
        let timezone = session
            .get::<String>(TIMEZONE_KEY)
            .await
            .map_err(session_error)?;
        Ok(Self {
            id: auth.user_id(),
            demo: auth.demo,
            timezone,
            session,
        })
    }
}

/// Activity extends the idle expiry, but the row is rewritten at most once per minute (or per
/// half the idle timeout, when shorter), so that reads do not all become writes.
async fn extend_idle(
    session: &Session,
    config: &Config,
    auth: &mut SessionAuth,
) -> Result<(), ApiError> {
    let idle = millis(config.session_idle_timeout);
    let now = Timestamp::now().as_millis();
    let wanted = now.saturating_add(idle).min(auth.absolute_expires_at);
    if wanted - auth.idle_expires_at >= (idle / 2).min(60_000) {
        auth.idle_expires_at = wanted;
        session
            .insert(AUTH_KEY, *auth)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}
