//! `/api/v1/logs/symptoms`: symptoms felt, newest first.

use axum::{Json, extract::State, http::StatusCode};
use metrics::counter;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{
        LogFilter, SymptomLog, SymptomLogBody, SymptomLogInput, SymptomLogPatch,
        SymptomLogPatchBody,
    },
    store,
};
use crate::{
    auth::CurrentUser,
    error::{ApiError, ApiResult},
    http::{json::JsonObject, path::IdPath, query::QueryParams},
    pagination::Page,
    state::AppState,
    types::{Id, Timestamp},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_logs, create_log))
        .routes(routes!(get_log, update_log, delete_log))
}

/// The account's symptom logs, newest first (by `started_at`, then id), one page at a time.
#[utoipa::path(get, path = "/api/v1/logs/symptoms", operation_id = "list_symptom_logs", tag = "symptom-logs", security(("session" = [])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Only logs that started at or after this instant"),
        ("to" = Option<Timestamp>, Query, description = "Only logs that started before this instant"),
        ("symptom_type_id" = Option<Id>, Query, description = "Only logs of this symptom type"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<crate::pagination::Cursor>, Query, description = "The previous page's `next_cursor`"),
    ),
    responses(
        (status = 200, description = "A page of symptom logs", body = Page<SymptomLog>),
    ))]
async fn list_logs(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Page<SymptomLog>>> {
    let (from, to) = query.time_range();
    let filter = LogFilter {
        from,
        to,
        symptom_type_id: query.id("symptom_type_id"),
    };
    let limit = query.limit();
    let cursor = query.cursor();
    query.finish()?;
    let page = store::list_logs(&state.db, user.id, &filter, limit, cursor).await?;
    Ok(Json(page))
}

/// Log a symptom.
#[utoipa::path(post, path = "/api/v1/logs/symptoms", operation_id = "create_symptom_log", tag = "symptom-logs", security(("session" = [])),
    // A whole example: one built from each field's own would send both `duration_minutes` and
    // `ended_at`, which the server refuses.
    request_body(content = SymptomLogBody, example = json!({
        "symptom_type_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c", "started_at": "2026-11-27T08:30:00.123Z",
        "duration_minutes": 90, "severity": 7, "impact": 5, "notes": "Started after the early shift."})),
    responses(
        (status = 201, description = "The new log", body = SymptomLog),
    ))]
async fn create_log(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<SymptomLog>)> {
    let new = SymptomLogInput::parse(body, Timestamp::now());
    let created = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, new).await)
        .await?;
    counter!("symptom_logs_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(created)))
}

/// One symptom log.
#[utoipa::path(get, path = "/api/v1/logs/symptoms/{id}", operation_id = "get_symptom_log", tag = "symptom-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    responses(
        (status = 200, description = "The log", body = SymptomLog),
    ))]
async fn get_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<SymptomLog>> {
    let found = store::find(&state.db, user.id, id).await?;
    found.map(Json).ok_or(ApiError::NotFound)
}

/// Change a symptom log (JSON Merge Patch; the duration rules of creation apply).
#[utoipa::path(patch, path = "/api/v1/logs/symptoms/{id}", operation_id = "update_symptom_log", tag = "symptom-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    request_body(content = SymptomLogPatchBody, example = json!({
        "duration_minutes": 120, "severity": 6, "impact": 4, "notes": "Better after a nap."})),
    responses(
        (status = 200, description = "The updated log", body = SymptomLog),
    ))]
async fn update_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SymptomLog>> {
    let patch = SymptomLogPatch::parse(body, Timestamp::now());
    let updated = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await?;
    updated.map(Json).ok_or(ApiError::NotFound)
}

/// Delete a symptom log.
#[utoipa::path(delete, path = "/api/v1/logs/symptoms/{id}", operation_id = "delete_symptom_log", tag = "symptom-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
async fn delete_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    let deleted = state
        .db
        .transaction(async |tx| store::delete(tx, user.id, id).await)
        .await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
