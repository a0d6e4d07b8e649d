use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Doctor, DoctorInput, DoctorPatch},
    store::{self, Deletion},
};
use crate::{
    auth::CurrentUser,
    db::DbError,
    error::{ApiError, ApiResult},
    http::{json::JsonObject, path::IdPath},
    pagination::Items,
    state::AppState,
    types::Id,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_doctors, create_doctor))
        .routes(routes!(get_doctor, update_doctor, delete_doctor))
}

/// The account's doctors, by name.
#[utoipa::path(get, path = "/api/v1/doctors", tag = "doctors", security(("session" = [])),
    responses(
        (status = 200, description = "Every doctor of the account, ordered by name", body = Items<Doctor>),
    ))]
async fn list_doctors(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Items<Doctor>>> {
    let items = store::list(&state.db, user.id).await?;
    Ok(Json(Items { items }))
}

/// Add a doctor to the directory.
#[utoipa::path(post, path = "/api/v1/doctors", tag = "doctors", security(("session" = [])),
    request_body = DoctorInput,
    responses(
        (status = 201, description = "The new doctor", body = Doctor),
    ))]
async fn create_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Doctor>)> {
    let new = DoctorInput::parse(body)?;
    let doctor = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, &new).await)
        .await?;
    Ok((StatusCode::CREATED, Json(doctor)))
}

/// One doctor.
#[utoipa::path(get, path = "/api/v1/doctors/{id}", tag = "doctors", security(("session" = [])),
    params(("id" = Id, Path, description = "The doctor's id")),
    responses(
        (status = 200, description = "The doctor", body = Doctor),
    ))]
async fn get_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Doctor>> {
    let doctor = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(doctor))
}

/// Change a doctor (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/doctors/{id}", tag = "doctors", security(("session" = [])),
    params(("id" = Id, Path, description = "The doctor's id")),
    request_body = DoctorPatch,
    responses(
        (status = 200, description = "The updated doctor", body = Doctor),
    ))]
async fn update_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Doctor>> {
    // Another account's doctor is a 404 before the body is judged.
    store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let patch = DoctorPatch::parse(body)?;
    let doctor = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(doctor))
}

/// Remove a doctor nobody refers to any more.
#[utoipa::path(delete, path = "/api/v1/doctors/{id}", tag = "doctors", security(("session" = [])),
    params(("id" = Id, Path, description = "The doctor's id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
async fn delete_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    let deleted = state
        .db
        .transaction(async |tx| store::delete(tx, user.id, id).await)
        .await;
    let deletion = match deleted {
        // A prescription committed after the delete's snapshot (PostgreSQL).
        Err(DbError::ForeignKey(_)) => Deletion::InUse,
        other => other?,
    };
    match deletion {
        Deletion::Deleted => Ok(StatusCode::NO_CONTENT),
        Deletion::NotFound => Err(ApiError::NotFound),
        Deletion::InUse => Err(ApiError::Conflict {
            code: "doctor_in_use",
            detail: "this doctor is linked to a condition or prescribes a medication: \
                     unlink them first"
                .into(),
        }),
    }
}
