//! Logging (tracing subscriber), the Prometheus recorder with every metric described up front,
//! and the `/metrics` route.

use std::{io::IsTerminal, sync::OnceLock};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, prelude::*};

use crate::{
    config::{Config, LogFormat},
    error::ApiError,
    state::AppState,
};

/// The filter when `RUST_LOG` is unset: the request log and audit events, quiet dependencies.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tower_sessions=warn";

/// Installs the global tracing subscriber, writing to standard output; a second call (as in
/// tests) leaves the first in place.
pub fn init_logging(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    // Colour codes only for a person watching a terminal: in a file or a pipe they are noise.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = subscriber(config.log_format, filter, colour, std::io::stdout).try_init();
}

/// The subscriber of a log format: pretty lines for people, or one JSON object per line (each
/// with the fields of the spans it was written in under `spans`, outermost first, so every line
/// of a request carries its id; the innermost span is not repeated under `span`, a second copy
/// of those fields on every line).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    colour: bool,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => {
            Box::new(registry.with(fmt::layer().with_ansi(colour).with_writer(writer)))
        }
        LogFormat::Json => Box::new(
            registry.with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(true)
                    .with_writer(writer),
            ),
        ),
    }
}

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder. Installed once: a recorder is global, and tests build many apps.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            describe_all();
            handle
        })
        .clone()
}

fn describe_all() {
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by method, route template and status."
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template."
    );
    describe_counter!(
        "authentication_attempts_total",
        "Password sign-in attempts, by result."
    );
    describe_counter!(
        "session_status_checks_total",
        "GET /auth/session calls, by whether the session was valid."
    );
    describe_counter!(
        "demo_session_creations_total",
        "Demo sessions started, by success."
    );
    describe_counter!(
        "security_events_total",
        "Security-relevant events (rate limits, lockouts, refused origins)."
    );
    describe_counter!("medication_logs_created_total", "Medication logs created.");
    describe_counter!("symptom_logs_created_total", "Symptom logs created.");
    describe_gauge!(
        "db_pool_connections",
        "Database pool connections, by state."
    );
    describe_gauge!(
        "sqlite_wal_bytes",
        "Size of SQLite's write-ahead log at the writer's last check (SQLite only)."
    );

    // Zero-valued series, so every family is visible (with HELP and TYPE) from the first scrape.
    counter!("http_requests_total", "method" => "GET", "route" => "/health", "status" => "200")
        .absolute(0);
    // Registering a histogram is enough for it to be rendered with zero counts; recording a
    // sample here would report a request that never happened.
    let _ = metrics::histogram!("http_request_duration_seconds", "method" => "GET", "route" => "/health");
    for result in ["success", "failure", "locked"] {
        counter!("authentication_attempts_total", "result" => result, "method" => "password")
            .absolute(0);
    }
    for valid in ["true", "false"] {
        counter!("session_status_checks_total", "valid" => valid).absolute(0);
        counter!("demo_session_creations_total", "success" => valid).absolute(0);
    }
    for (event_type, severity) in [
        ("rate_limit", "low"),
        ("account_lockout", "medium"),
        ("origin_rejected", "medium"),
    ] {
        counter!("security_events_total", "event_type" => event_type, "severity" => severity)
            .absolute(0);
    }
    counter!("medication_logs_created_total").absolute(0);
    counter!("symptom_logs_created_total").absolute(0);
    for state in ["idle", "in_use"] {
        gauge!("db_pool_connections", "state" => state).set(0.0);
    }
}

pub fn security_event(event_type: &'static str, severity: &'static str) {
    counter!("security_events_total", "event_type" => event_type, "severity" => severity)
        .increment(1);
}

/// GET /metrics: Prometheus text format, behind a bearer token when `METRICS_TOKEN` is set.
pub async fn metrics_route(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            // HTTP auth scheme names are case-insensitive (RFC 9110), so `bearer` counts too.
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if !presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes())) {
            return ApiError::MetricsUnauthorized.into_response();
        }
    }
    let (idle, in_use) = state.db.pool_usage();
    gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    gauge!("db_pool_connections", "state" => "in_use").set(in_use as f64);
    let body = state.metrics.render();
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
