//! What every request handler shares: configuration, the database and the process-wide services.
//! It sits below the features so that they can take it without depending on the module that
//! assembles them (`app`).

use std::{ops::Deref, sync::Arc};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::{
    auth::{lockout::Lockout, password::PasswordHasher},
    config::Config,
    db::Db,
    http::rate_limit::RateLimiters,
};

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub hasher: PasswordHasher,
    pub lockout: Lockout,
    pub rate_limiters: Arc<RateLimiters>,
    pub metrics: PrometheusHandle,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
