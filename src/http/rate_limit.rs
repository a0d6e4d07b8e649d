//! The rate limiters, in memory and per replica by design (every other piece of shared state
//! lives in the database). Per client IP for the sign-in routes: every password verification
//! draws on the login bucket, wherever it happens (sign-in, password change, account deletion),
//! so that one address cannot spend more hashes by spreading them over routes or accounts. Per
//! account for signed-in requests under `/api/v1`, so that one account cannot take the server
//! from the others.

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use tower_sessions::Session;

use crate::{
    auth::session,
    config::RateLimits,
    error::ApiError,
    http::client_ip::{client_ip, rate_limit_key},
    state::AppState,
    telemetry,
    types::Id,
};

pub struct RateLimiters {
    enabled: bool,
    login: DefaultKeyedRateLimiter<IpAddr>,
    register: DefaultKeyedRateLimiter<IpAddr>,
    demo: DefaultKeyedRateLimiter<IpAddr>,
    account: DefaultKeyedRateLimiter<Id>,
}

fn per_minute<K: Hash + Eq + Clone>(n: u32) -> DefaultKeyedRateLimiter<K> {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    // Burst equal to the per-minute figure: the first N requests of a quiet minute pass.
    RateLimiter::keyed(Quota::per_minute(n).allow_burst(n))
}

impl RateLimiters {
    pub fn new(limits: &RateLimits) -> Arc<Self> {
        Arc::new(Self {
            enabled: limits.enabled,
            login: per_minute(limits.login_per_min),
            register: per_minute(limits.register_per_min),
            demo: per_minute(limits.demo_per_min),
            account: per_minute(limits.account_per_min),
        })
    }

    fn for_route(&self, method: &Method, path: &str) -> Option<&DefaultKeyedRateLimiter<IpAddr>> {
        if method != Method::POST {
            return None;
        }
        match path {
            "/auth/login" => Some(&self.login),
            "/auth/register" => Some(&self.register),
            "/auth/demo" => Some(&self.demo),
            _ => None,
        }
    }

    /// Forgets clients and accounts whose buckets are full again, so memory stays bounded.
    pub fn retain_recent(&self) {
        self.login.retain_recent();
        self.register.retain_recent();
        self.demo.retain_recent();
        self.account.retain_recent();
    }
}

impl RateLimiters {
    /// Draws one password verification from the login bucket of `ip` (the routes under
    /// `/api/v1/me` that confirm a password call this; sign-in draws in [`layer`]).
    pub fn check_password(&self, ip: Option<IpAddr>, what: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        draw(&self.login, ip, what)
    }
}

/// Takes one token from `key`'s bucket, or says how many whole seconds (at least one) to wait.
fn take<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), u64> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    })
}

fn limited(retry_after_secs: u64) -> ApiError {
    telemetry::security_event("rate_limit", "low");
    ApiError::RateLimited { retry_after_secs }
}

/// Takes one token from the bucket of `ip`'s key, or says how long to wait.
fn draw(
    limiter: &DefaultKeyedRateLimiter<IpAddr>,
    ip: Option<IpAddr>,
    what: &str,
) -> Result<(), ApiError> {
    let key = rate_limit_key(ip.unwrap_or(IpAddr::from([0, 0, 0, 0])));
    take(limiter, &key).map_err(|retry_after_secs| {
        tracing::warn!(client = %key, path = %what, "rate limited");
        limited(retry_after_secs)
    })
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limiters = &state.rate_limiters;
    if limiters.enabled
        && let Some(limiter) = limiters.for_route(request.method(), request.uri().path())
    {
        let ip = client_ip(&request, state.config.trust_forwarded_for);
        if let Err(limited) = draw(limiter, ip, request.uri().path()) {
            return limited.into_response();
        }
    }
    next.run(request).await
}

/// Limits signed-in requests under `/api/v1` per account. It runs inside the session layer, where
/// the account is known; the session it loads is the one the handler then reads, so it costs no
/// second look-up. Requests without a live session pass uncounted (the handler answers 401).
pub async fn per_account(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limiters = &state.rate_limiters;
    if limiters.enabled
        && request.uri().path().starts_with("/api/v1/")
        && let Some(session) = request.extensions().get::<Session>()
        // A session that cannot be read is left to the handler, which answers for the failure.
        && let Ok(Some(auth)) = session::peek(session).await
    {
        let account = auth.user_id();
        if let Err(retry_after_secs) = take(&limiters.account, &account) {
            tracing::warn!(user_id = %account, path = %request.uri().path(), "rate limited");
            return limited(retry_after_secs).into_response();
        }
    }
    next.run(request).await
}

/// Periodic clean-up of idle client entries.
pub fn spawn_housekeeping(limiters: Arc<RateLimiters>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiters.retain_recent();
        }
    });
}
