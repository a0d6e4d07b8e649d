//! `/api/v1/logs/medications`: doses taken.

use axum::{Json, extract::State, http::StatusCode};
use metrics::counter;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{MedicationLog, MedicationLogInput, MedicationLogPatch},
    store::{self, LogFilter, LogWrite},
};
use crate::{
    auth::CurrentUser,
    db::DbError,
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

/// The answer to a write, once the store has judged the medication it names.
fn saved(write: Result<LogWrite, DbError>) -> ApiResult<MedicationLog> {
    // A medication deleted by a concurrent request fails the foreign key: it is gone.
    let write = match write {
        Err(DbError::ForeignKey(_)) => LogWrite::MedicationNotFound,
        other => other?,
    };
    match write {
        LogWrite::Saved(log) => Ok(log),
        LogWrite::LogNotFound => Err(ApiError::NotFound),
        // Another account's medication is refused exactly like one that does not exist.
        LogWrite::MedicationNotFound => Err(ApiError::field("medication_id", "does not exist")),
        LogWrite::MedicationInactive => Err(ApiError::Rule {
            code: "medication_inactive",
            field: "medication_id",
            detail: "this medication is inactive; activate it to log doses".into(),
        }),
    }
}

/// The account's medication logs, newest first, one page at a time.
#[utoipa::path(get, path = "/api/v1/logs/medications", operation_id = "list_medication_logs", tag = "medication-logs", security(("session" = [])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Only logs taken at or after this time (RFC 3339)"),
        ("to" = Option<Timestamp>, Query, description = "Only logs taken before this time (RFC 3339)"),
        ("medication_id" = Option<Id>, Query, description = "Only logs of this medication"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<crate::pagination::Cursor>, Query, description = "The previous page's `next_cursor`"),
    ),
    responses(
        (status = 200, description = "A page of logs, newest first (by `taken_at`, then id)", body = Page<MedicationLog>),
    ))]
async fn list_logs(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Page<MedicationLog>>> {
    let (from, to) = query.time_range();
    let filter = LogFilter {
        from,
        to,
        medication_id: query.id("medication_id"),
    };
    let limit = query.limit();
    let cursor = query.cursor();
    query.finish()?;
    let page = store::list_logs(&state.db, user.id, &filter, limit, cursor).await?;
    Ok(Json(page))
}

/// Log a dose.
#[utoipa::path(post, path = "/api/v1/logs/medications", operation_id = "create_medication_log", tag = "medication-logs", security(("session" = [])),
    request_body = MedicationLogInput,
    responses(
        (status = 201, description = "The new log", body = MedicationLog),
    ))]
async fn create_log(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<MedicationLog>)> {
    let new = MedicationLogInput::parse(body, Timestamp::now())?;
    let written = state
        .db
        .transaction(async |tx| store::insert_log(tx, user.id, &new).await)
        .await;
    let log = saved(written)?;
    counter!("medication_logs_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(log)))
}

/// One medication log.
#[utoipa::path(get, path = "/api/v1/logs/medications/{id}", operation_id = "get_medication_log", tag = "medication-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    responses(
        (status = 200, description = "The log", body = MedicationLog),
    ))]
async fn get_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<MedicationLog>> {
    let log = store::find_log(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(log))
}

/// Change a medication log (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/logs/medications/{id}", operation_id = "update_medication_log", tag = "medication-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    request_body = MedicationLogPatch,
    responses(
        (status = 200, description = "The updated log", body = MedicationLog),
    ))]
async fn update_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<MedicationLog>> {
    let patch = MedicationLogPatch::parse(body, Timestamp::now())?;
    let written = state
        .db
        .transaction(async |tx| store::update_log(tx, user.id, id, patch).await)
        .await;
    let log = saved(written)?;
    Ok(Json(log))
}

/// Delete a medication log.
#[utoipa::path(delete, path = "/api/v1/logs/medications/{id}", operation_id = "delete_medication_log", tag = "medication-logs", security(("session" = [])),
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
        .transaction(async |tx| store::delete_log(tx, user.id, id).await)
        .await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
