//! `/api/v1/logs/symptoms`: symptoms felt, newest first.

use axum::{Json, extract::State, http::StatusCode};
use metrics::counter;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    input::{extent, refuse_future_start, whole_minutes},
    model::{LogFilter, LogValues, NOTES_MAX, SymptomLog, SymptomLogInput, SymptomLogPatch},
    store::{self, Updated},
};
use crate::{
    auth::CurrentUser,
    error::{ApiError, ApiResult, Problem},
    http::{json::JsonObject, path::IdPath, query::QueryParams},
    input::{self, Fields, Patch, present},
    pagination::Page,
    state::AppState,
    symptoms::{
        rules::{new_span, patched_span},
        types::{model::SymptomType, store as type_store},
    },
    types::{Id, Timestamp},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_logs, create_log))
        .routes(routes!(get_log, update_log, delete_log))
}

/// The account's own symptom type, or a field error; its `active` flag is checked by the caller.
async fn referenced_type(
    state: &AppState,
    user_id: Id,
    fields: &mut Fields,
    id: Option<Id>,
) -> ApiResult<Option<SymptomType>> {
    let Some(id) = id else { return Ok(None) };
    let found = type_store::find(&state.db, user_id, id).await?;
    if found.is_none() {
        fields.error("symptom_type_id", "no such symptom type");
    }
    Ok(found)
}

fn refuse_inactive(symptom_type: &SymptomType) -> ApiResult<()> {
    if symptom_type.active {
        Ok(())
    } else {
        Err(ApiError::Rule {
            code: "symptom_type_inactive",
            field: "symptom_type_id",
            detail: "this symptom type is inactive: activate it before logging it".into(),
        })
    }
}

fn unknown_type() -> ApiError {
    ApiError::field("symptom_type_id", "no such symptom type")
}

/// The account's symptom logs, newest first (by `started_at`, then id), one page at a time.
#[utoipa::path(get, path = "/api/v1/logs/symptoms", operation_id = "list_symptom_logs", tag = "symptom-logs", security(("session" = [])),
    params(
        ("from" = Option<Timestamp>, Query, description = "Only logs that started at or after this instant"),
        ("to" = Option<Timestamp>, Query, description = "Only logs that started before this instant"),
        ("symptom_type_id" = Option<Id>, Query, description = "Only logs of this symptom type"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The previous page's `next_cursor`"),
    ),
    responses(
        (status = 200, description = "A page of symptom logs", body = Page<SymptomLog>),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
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
    request_body = SymptomLogInput,
    responses(
        (status = 201, description = "The new log", body = SymptomLog),
        (status = 400, description = "`malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (a field, the duration rules, another account's type), or `symptom_type_inactive`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_log(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<SymptomLog>)> {
    let mut fields = Fields::new(body);
    let type_id = fields.required("symptom_type_id", input::id);
    let started_at = fields.optional("started_at", input::timestamp);
    let duration = fields.optional("duration_minutes", whole_minutes);
    let ended_at = fields.optional("ended_at", input::timestamp);
    let severity = fields.optional("severity", input::int_between(1, 10));
    let impact = fields.optional("impact", input::int_between(1, 10));
    let confirmed = fields.optional("confirm_long_duration", input::boolean);
    let notes = fields.optional_text("notes", NOTES_MAX, true);

    let started_at = started_at.unwrap_or_else(Timestamp::now);
    refuse_future_start(&mut fields, started_at);
    let extent = extent(
        &mut fields,
        started_at,
        new_span(duration, ended_at),
        confirmed.unwrap_or(false),
    );
    let symptom_type = referenced_type(&state, user.id, &mut fields, type_id).await?;
    fields.finish()?;
    let symptom_type = present(symptom_type)?;
    refuse_inactive(&symptom_type)?;

    let values = LogValues {
        symptom_type_id: symptom_type.id,
        started_at,
        ended_at: extent.ended_at,
        duration_minutes: extent.duration_minutes,
        severity: severity.unwrap_or(symptom_type.default_severity),
        impact: impact.unwrap_or(symptom_type.default_impact),
        notes,
    };
    let created = store::insert(&state.db, user.id, &values)
        .await?
        .ok_or_else(unknown_type)?;
    counter!("symptom_logs_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(created)))
}

/// One symptom log.
#[utoipa::path(get, path = "/api/v1/logs/symptoms/{id}", operation_id = "get_symptom_log", tag = "symptom-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    responses(
        (status = 200, description = "The log", body = SymptomLog),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
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
    request_body = SymptomLogPatch,
    responses(
        (status = 200, description = "The updated log", body = SymptomLog),
        (status = 400, description = "`malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, or `symptom_type_inactive` when moving the log to an inactive type", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SymptomLog>> {
    let mut fields = Fields::new(body);
    let type_id = fields.patch_required("symptom_type_id", input::id);
    let started_at = fields.patch_required("started_at", input::timestamp);
    let duration = fields.patch("duration_minutes", whole_minutes);
    let ended_at = fields.patch("ended_at", input::timestamp);
    let severity = fields.patch_required("severity", input::int_between(1, 10));
    let impact = fields.patch_required("impact", input::int_between(1, 10));
    let confirmed = fields.optional("confirm_long_duration", input::boolean);
    let notes = fields.patch_text("notes", NOTES_MAX, true);

    let current = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let new_start = match started_at {
        Patch::Set(at) => {
            refuse_future_start(&mut fields, at);
            at
        }
        Patch::Absent | Patch::Clear => current.started_at,
    };
    let extent = extent(
        &mut fields,
        new_start,
        patched_span(current.duration_minutes, duration, ended_at),
        confirmed.unwrap_or(false),
    );
    let new_type = match type_id {
        Patch::Set(type_id) if type_id != current.symptom_type_id => {
            referenced_type(&state, user.id, &mut fields, Some(type_id)).await?
        }
        _ => None,
    };
    fields.finish()?;
    if let Some(new_type) = &new_type {
        refuse_inactive(new_type)?;
    }

    let values = LogValues {
        symptom_type_id: new_type.map_or(current.symptom_type_id, |t| t.id),
        started_at: new_start,
        ended_at: extent.ended_at,
        duration_minutes: extent.duration_minutes,
        severity: severity
            .apply(Some(current.severity))
            .unwrap_or(current.severity),
        impact: impact.apply(Some(current.impact)).unwrap_or(current.impact),
        notes: notes.apply(current.notes),
    };
    match store::update(&state.db, user.id, id, &values).await? {
        Updated::Log(log) => Ok(Json(log)),
        Updated::NotFound => Err(ApiError::NotFound),
        Updated::UnknownType => Err(unknown_type()),
    }
}

/// Delete a symptom log.
#[utoipa::path(delete, path = "/api/v1/logs/symptoms/{id}", operation_id = "delete_symptom_log", tag = "symptom-logs", security(("session" = [])),
    params(("id" = Id, Path, description = "The log's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_log(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    if store::delete(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
