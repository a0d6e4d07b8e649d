use axum::{extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::store;
use crate::{
    auth::CurrentUser,
    db::DbError,
    error::{ApiError, ApiResult},
    http::path::IdPairPath,
    state::AppState,
    types::Id,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(link, unlink))
}

/// Link a doctor to a condition (idempotent).
#[utoipa::path(put, path = "/api/v1/doctors/{doctor_id}/conditions/{condition_id}", operation_id = "link_doctor_to_condition", tag = "doctors",
    security(("session" = [])),
    params(
        ("doctor_id" = Id, Path, description = "The doctor's id"),
        ("condition_id" = Id, Path, description = "The condition's id"),
    ),
    responses(
        (status = 204, description = "Linked (also when the link existed already)"),
    ))]
async fn link(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPairPath(doctor_id, condition_id): IdPairPath,
) -> ApiResult<StatusCode> {
    let linked = state
        .db
        .transaction(async |tx| store::link(tx, user.id, doctor_id, condition_id).await)
        .await;
    // A doctor or condition deleted by a concurrent request fails the foreign key: it is gone.
    let linked = match linked {
        Err(DbError::ForeignKey(_)) => false,
        other => other?,
    };
    if linked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Unlink a doctor from a condition.
#[utoipa::path(delete, path = "/api/v1/doctors/{doctor_id}/conditions/{condition_id}", operation_id = "unlink_doctor_from_condition", tag = "doctors",
    security(("session" = [])),
    params(
        ("doctor_id" = Id, Path, description = "The doctor's id"),
        ("condition_id" = Id, Path, description = "The condition's id"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
    ))]
async fn unlink(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPairPath(doctor_id, condition_id): IdPairPath,
) -> ApiResult<StatusCode> {
    let unlinked = state
        .db
        .transaction(async |tx| store::unlink(tx, user.id, doctor_id, condition_id).await)
        .await?;
    if unlinked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
