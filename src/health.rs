//! Liveness and readiness, and the watch that tells readiness when writes fail.

use std::time::Duration;

use axum::{
    Json,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{db, error::ApiError, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process answers (the database is not consulted).
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
async fn live() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers within a second, every migration is applied and writes
/// work. After a write failed for a storage fault, each probe makes one heartbeat write, and
/// readiness stays 503 until one succeeds; while writes work, probes write nothing.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
    ))]
async fn ready(State(state): State<AppState>) -> Result<(StatusCode, Json<Health>), ApiError> {
    match tokio::time::timeout(Duration::from_secs(1), check(&state)).await {
        Ok(Ok(Readiness::Ready)) => Ok((StatusCode::OK, Json(Health { status: "ok" }))),
        Ok(Ok(Readiness::MigrationsPending)) => {
            tracing::warn!("readiness: migrations are not all applied");
            Err(ApiError::Unavailable)
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database error");
            Err(ApiError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("readiness: database did not answer within a second");
            Err(ApiError::Unavailable)
        }
    }
}

enum Readiness {
    Ready,
    MigrationsPending,
}

async fn check(state: &AppState) -> Result<Readiness, db::DbError> {
    if !db::readiness(&state.db).await? {
        return Ok(Readiness::MigrationsPending);
    }
    if let Some(started) = state.write_health.failing() {
        db::heartbeat(&state.db).await?;
        tracing::info!("readiness: a heartbeat write succeeded, writes work again");
        state.write_health.heartbeat_succeeded(started);
    }
    Ok(Readiness::Ready)
}

/// Runs each request under a [`db::FaultWatch`]: a request that met a storage fault makes
/// readiness check writes. A bare 500 from such a request (the session layer's failed save, which
/// has no error of ours to carry) is the same fault, so it answers 503 `unavailable` too.
pub async fn watch_storage_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let watch = db::FaultWatch::default();
    let response = watch.watch(next.run(request)).await;
    if !watch.noticed() {
        return response;
    }
    state.write_health.fault();
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR && !is_problem {
        return ApiError::Unavailable.into_response();
    }
    response
}
