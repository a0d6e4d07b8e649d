//! `App::build(config)`: the one start-up path shared by `main` and the tests.

use std::{any::Any, future::Future, net::SocketAddr, time::Duration};

use axum::{
    Router,
    http::{HeaderName, Method, header},
    middleware,
};
use thiserror::Error;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
};
use tower_sessions::{SessionManagerLayer, cookie::SameSite};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    account,
    auth::{self, lockout::Lockout, password::PasswordHasher, session_store::DbSessionStore},
    config::Config,
    db, demo,
    error::ApiError,
    feel, fhir, health,
    http::{self, rate_limit::RateLimiters, serve::ServeLimits},
    medications,
    openapi::{self, ApiDoc},
    passport, rekey, report, schedules,
    state::{AppState, BODY_LIMIT_BYTES, Inner},
    symptoms, telemetry, trends,
};

const DB_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] db::DbError),
    #[error("cannot apply migrations: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Rekey(#[from] rekey::RekeyError),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start: {0}")]
    Other(String),
}

/// Every documented route, in one place: the API document is derived from this list.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::routes::router())
        .merge(account::routes::router())
        .merge(fhir::routes::router())
        .merge(feel::routes::router())
        .merge(feel::summary::router())
        .merge(medications::router())
        .merge(symptoms::router())
        .merge(passport::router())
        .merge(schedules::router())
        .merge(trends::routes::router())
        .merge(report::routes::router())
}

/// The OpenAPI document, without needing a database (for `medtracker openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    openapi::complete(api_routes().split_for_parts().1)
}

pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    limits: ServeLimits,
}

impl App {
    /// Connects and migrates the database, binds the listener and assembles the router.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let metrics = telemetry::metrics_handle();
        let db = db::connect(&config).await.map_err(StartError::Database)?;
        db::migrate(&db).await?;
        rekey::run(&db).await?;
        for warning in config.warnings() {
            tracing::warn!("{warning}");
        }
        let lockout = Lockout::load(&db, &config).await?;
        let hasher = PasswordHasher::new().map_err(|e| StartError::Other(e.to_string()))?;
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.bind_addr,
                source,
            })?;
        let state = AppState::new(Inner {
            rate_limiters: RateLimiters::new(&config.rate_limits),
            config,
            db,
            hasher,
            lockout,
            metrics,
            write_health: db::WriteHealth::default(),
        });
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            limits: ServeLimits {
                send_stall_timeout: state.config.request_timeout,
                ..ServeLimits::default()
            },
            state,
        })
    }

    /// Replaces the accept loop's limits (tests shorten them).
    pub fn with_serve_limits(mut self, limits: ServeLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        demo::spawn_sweeper(self.state.clone());
        http::rate_limit::spawn_housekeeping(self.state.rate_limiters.clone());
        http::serve::serve(self.listener, self.router, self.limits, shutdown).await;
        // Closing waits for checked-out connections; one held by a request that outlived the drain
        // must not keep the process alive (its open transaction rolls back when the process ends).
        if tokio::time::timeout(DB_CLOSE_TIMEOUT, self.state.db.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use at exit");
        }
    }
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<_> = config
        .cors_allowed_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static(http::request_id::HEADER),
        ])
        .expose_headers([
            HeaderName::from_static(http::request_id::HEADER),
            header::RETRY_AFTER,
        ])
}

/// Every route of the service inside the layer stack.
pub fn router(state: AppState) -> Router {
    let (api, document) = api_routes().split_for_parts();
    let routes = api
        .route("/metrics", axum::routing::get(telemetry::metrics_route))
        .merge(openapi::routes(
            openapi::complete(document),
            state.config.docs_enabled,
        ))
        .route_layer(middleware::from_fn(http::metrics::remember_route))
        .fallback(http::problem::not_found)
        .with_state(state.clone());
    with_layers(&state, routes)
}

/// The layer stack every request passes, around any routes: the service uses it, and tests wrap
/// their own handlers in it (one that panics, say) without adding them to the service.
pub fn with_layers(state: &AppState, routes: Router) -> Router {
    let config = &state.config;
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("session")
        .with_http_only(true)
        .with_path("/")
        .with_secure(config.is_production())
        .with_same_site(if config.is_production() {
            SameSite::Strict
        } else {
            SameSite::Lax
        });

    // Outermost first: request id → metrics → problem safety net → headers/CORS/origin →
    // rate limit → body limit and media type → storage fault watch → timeout → panic catcher →
    // session → per-account rate limit → handler.
    routes.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(http::request_id::layer))
            .layer(middleware::from_fn(http::metrics::layer))
            .layer(middleware::from_fn(http::problem::layer))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                http::security::headers,
            ))
            .layer(cors(config))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                http::security::origin_check,
            ))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                http::rate_limit::layer,
            ))
            .layer(middleware::from_fn(http::json::content_length_limit))
            .layer(middleware::from_fn(http::json::json_bodies_only))
            .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                health::watch_storage_faults,
            ))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                http::timeout::layer,
            ))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(sessions)
            .layer(middleware::from_fn_with_state(
                state.clone(),
                http::rate_limit::per_account,
            )),
    )
}

/// A panicking handler answers 500 `internal_error` (the problem carries the request id) and the
/// panic's message is logged inside the request's span; the connection and the server live on.
fn panic_response(payload: Box<dyn Any + Send + 'static>) -> axum::response::Response {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    axum::response::IntoResponse::into_response(ApiError::internal(format!(
        "handler panicked: {message}"
    )))
}
