//! `/api/v1/medications/{id}/schedules` and `/api/v1/schedules/{id}`.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Schedule, ScheduleFields, ScheduleInput, SchedulePatch, SchedulePatchInput},
    service,
    store::{self, Written},
};
use crate::{
    auth::CurrentUser,
    db::DbError,
    error::{ApiError, ApiResult},
    http::{json::JsonObject, path::IdPath},
    pagination::Items,
    state::AppState,
    types::Date,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schedules, create_schedule))
        .routes(routes!(get_schedule, update_schedule, delete_schedule))
}

/// The answer to a write that rules may refuse.
fn saved(written: Written) -> ApiResult<Schedule> {
    match written {
        Written::Saved(schedule) => Ok(schedule),
        Written::NotFound => Err(ApiError::NotFound),
        Written::MedicationInactive => Err(ApiError::Rule {
            code: "medication_inactive",
            field: "medication_id",
            detail: "the medication is inactive; activate it to plan doses".into(),
        }),
        Written::Overlap => Err(ApiError::Conflict {
            code: "schedule_overlap",
            detail: "another schedule of this medication covers one of these dates".into(),
        }),
        Written::Invalid(invalid) => Err(invalid),
    }
}

/// A medication's schedules.
#[utoipa::path(get, path = "/api/v1/medications/{id}/schedules", tag = "schedules", security(("session" = [])),
    params(("id" = crate::types::Id, Path, description = "The medication's id")),
    responses(
        (status = 200, description = "The schedules, by first day", body = Items<Schedule>),
    ))]
async fn list_schedules(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(medication_id): IdPath,
) -> ApiResult<Json<Items<Schedule>>> {
    let items = store::list(&state.db, user.id, medication_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Items { items }))
}

/// Plan a medication: at which local times, on which weekdays, from when until when.
#[utoipa::path(post, path = "/api/v1/medications/{id}/schedules", tag = "schedules", security(("session" = [])),
    params(("id" = crate::types::Id, Path, description = "The medication's id")),
    request_body = ScheduleInput,
    responses(
        (status = 201, description = "The new schedule", body = Schedule),
    ))]
async fn create_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(medication_id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Schedule>)> {
    let tz = service::account_zone(&state, &user).await?;
    let new = ScheduleFields::parse(body, Date(service::today(&tz)))?;
    let written = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, medication_id, &new).await)
        .await;
    let schedule = saved(written?)?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

/// One schedule.
#[utoipa::path(get, path = "/api/v1/schedules/{id}", tag = "schedules", security(("session" = [])),
    params(("id" = crate::types::Id, Path, description = "The schedule's id")),
    responses(
        (status = 200, description = "The schedule", body = Schedule),
    ))]
async fn get_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Schedule>> {
    let schedule = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(schedule))
}

/// Change a schedule (JSON Merge Patch). Doses re-plan at once, past ones included.
#[utoipa::path(patch, path = "/api/v1/schedules/{id}", tag = "schedules", security(("session" = [])),
    params(("id" = crate::types::Id, Path, description = "The schedule's id")),
    request_body = SchedulePatchInput,
    responses(
        (status = 200, description = "The updated schedule", body = Schedule),
    ))]
async fn update_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Schedule>> {
    let patch = SchedulePatch::parse(body)?;
    let written = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await;
    let schedule = saved(written?)?;
    Ok(Json(schedule))
}

/// Delete a schedule: its doses are no longer planned, past ones included.
#[utoipa::path(delete, path = "/api/v1/schedules/{id}", tag = "schedules", security(("session" = [])),
    params(("id" = crate::types::Id, Path, description = "The schedule's id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
async fn delete_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    let deleted: Result<bool, DbError> = state
        .db
        .transaction(async |tx| store::delete(tx, user.id, id).await)
        .await;
    if deleted? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
