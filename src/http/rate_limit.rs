//! The per-client-IP rate limiter for the sign-in routes: in memory and per replica by design
//! (every other piece of shared state lives in the database). Every password verification draws
//! on the login bucket, wherever it happens (sign-in, password change, account deletion), so that
//! one address cannot spend more hashes by spreading them over routes or accounts.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

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

use crate::{
    config::RateLimits,
    error::ApiError,
    http::client_ip::{client_ip, rate_limit_key},
    state::AppState,
    telemetry,
};

pub struct RateLimiters {
    enabled: bool,
    login: DefaultKeyedRateLimiter<IpAddr>,
    register: DefaultKeyedRateLimiter<IpAddr>,
    demo: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> DefaultKeyedRateLimiter<IpAddr> {
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

    /// Forgets clients whose buckets are full again, so memory stays bounded.
    pub fn retain_recent(&self) {
        self.login.retain_recent();
        self.register.retain_recent();
        self.demo.retain_recent();
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

/// Takes one token from the bucket of `ip`'s key, or says how long to wait.
fn draw(
    limiter: &DefaultKeyedRateLimiter<IpAddr>,
    ip: Option<IpAddr>,
    what: &str,
) -> Result<(), ApiError> {
    let key = rate_limit_key(ip.unwrap_or(IpAddr::from([0, 0, 0, 0])));
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        telemetry::security_event("rate_limit", "low");
        tracing::warn!(client = %key, path = %what, "rate limited");
        ApiError::RateLimited {
            retry_after_secs: retry_after_secs.max(1),
        }
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
