use axum::{Json, extract::State, http::StatusCode};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Doctor, DoctorPatch, DoctorValues},
    store::{self, Deletion},
};
use crate::{
    auth::CurrentUser,
    error::{ApiError, ApiResult, Problem},
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

/// Body of `POST /api/v1/doctors`. Blank optional fields are stored as `null`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct DoctorInput {
    /// Need not be unique.
    #[schema(example = "Dr. Anna Weber", min_length = 1, max_length = 100)]
    name: String,
    #[schema(example = "Pulmonology", max_length = 100)]
    specialty: Option<String>,
    /// Digits, spaces and `+-().`, with at least one digit.
    #[schema(example = "+49 30 1234-567", max_length = 40)]
    phone: Option<String>,
    /// Stored lower-cased.
    #[schema(example = "praxis@weber.example", max_length = 254)]
    email: Option<String>,
    /// Multi-line.
    #[schema(example = "Hauptstraße 1\n10115 Berlin", max_length = 300)]
    address: Option<String>,
    /// Multi-line.
    #[schema(example = "Closed on Wednesdays.", max_length = 1000)]
    notes: Option<String>,
}

/// Body of `PATCH /api/v1/doctors/{id}` (JSON Merge Patch: `null` or blank clears an optional
/// field; `name` cannot be null).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct DoctorPatchInput {
    #[schema(example = "Dr. Anna Weber-Schulz", min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(example = "Pulmonology", max_length = 100)]
    specialty: Option<String>,
    #[schema(example = "+49 30 7654-321", max_length = 40)]
    phone: Option<String>,
    #[schema(example = "praxis@weber.example", max_length = 254)]
    email: Option<String>,
    #[schema(example = "Hauptstraße 1\n10115 Berlin", max_length = 300)]
    address: Option<String>,
    #[schema(example = "Now also open on Saturdays.", max_length = 1000)]
    notes: Option<String>,
}

/// The account's doctors, by name.
#[utoipa::path(get, path = "/api/v1/doctors", tag = "doctors", security(("session" = [])),
    responses(
        (status = 200, description = "Every doctor of the account, ordered by name", body = Items<Doctor>),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
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
        (status = 400, description = "`malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Doctor>)> {
    let values = DoctorValues::from_body(body)?;
    let doctor = store::insert(&state.db, user.id, &values).await?;
    Ok((StatusCode::CREATED, Json(doctor)))
}

/// One doctor.
#[utoipa::path(get, path = "/api/v1/doctors/{id}", tag = "doctors", security(("session" = [])),
    params(("id" = Id, Path, description = "The doctor's id")),
    responses(
        (status = 200, description = "The doctor", body = Doctor),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
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
    request_body = DoctorPatchInput,
    responses(
        (status = 200, description = "The updated doctor", body = Doctor),
        (status = 400, description = "`malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Doctor>> {
    let current = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let values = DoctorPatch::from_body(body)?.apply(current);
    let doctor = store::update(&state.db, user.id, id, &values)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(doctor))
}

/// Remove a doctor nobody refers to any more.
#[utoipa::path(delete, path = "/api/v1/doctors/{id}", tag = "doctors", security(("session" = [])),
    params(("id" = Id, Path, description = "The doctor's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`doctor_in_use`: linked to a condition or prescribing a medication; nothing was deleted", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_doctor(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    match store::delete(&state.db, user.id, id).await? {
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
