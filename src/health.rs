//! Liveness and readiness.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db,
    error::{ApiError, Problem},
    state::AppState,
};

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

/// Readiness: the database answers within a second and every migration is applied.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn ready(State(state): State<AppState>) -> Result<(StatusCode, Json<Health>), ApiError> {
    match tokio::time::timeout(Duration::from_secs(1), db::readiness(&state.db)).await {
        Ok(Ok(true)) => Ok((StatusCode::OK, Json(Health { status: "ok" }))),
        Ok(Ok(false)) => {
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
