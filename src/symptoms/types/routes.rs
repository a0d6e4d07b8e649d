//! `/api/v1/symptom-types`: the symptoms a person tracks.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{SymptomType, SymptomTypeInput, SymptomTypePatch, TypeFilter},
    store::{self, Removal},
};
use crate::{
    auth::CurrentUser,
    db::DbError,
    error::{ApiError, ApiResult},
    http::{json::JsonObject, path::IdPath, query::QueryParams},
    input,
    pagination::Items,
    state::AppState,
    types::Id,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_types, create_type))
        .routes(routes!(get_type, update_type, delete_type))
}

/// The account's symptom types, by name.
#[utoipa::path(get, path = "/api/v1/symptom-types", operation_id = "list_symptom_types", tag = "symptom-types", security(("session" = [])),
    params(
        ("active" = Option<bool>, Query, description = "Only active (`true`) or inactive (`false`) types; both when absent"),
        ("q" = inline(Option<crate::http::query::SearchTerm>), Query, description = "Case-insensitive part of the name", example = "head"),
    ),
    responses(
        (status = 200, description = "Symptom types ordered by name", body = Items<SymptomType>),
    ))]
async fn list_types(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Items<SymptomType>>> {
    let filter = TypeFilter {
        active: query.boolean("active"),
        name_contains: query.search("q").map(|q| input::name_key(&q)),
    };
    query.finish()?;
    let items = store::list(&state.db, user.id, &filter).await?;
    Ok(Json(Items { items }))
}

/// Add a symptom type.
#[utoipa::path(post, path = "/api/v1/symptom-types", operation_id = "create_symptom_type", tag = "symptom-types", security(("session" = [])),
    request_body = SymptomTypeInput,
    responses(
        (status = 201, description = "The new symptom type", body = SymptomType),
    ))]
async fn create_type(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<SymptomType>)> {
    let new = SymptomTypeInput::parse(body)?;
    let created = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, &new).await)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One symptom type.
#[utoipa::path(get, path = "/api/v1/symptom-types/{id}", operation_id = "get_symptom_type", tag = "symptom-types", security(("session" = [])),
    params(("id" = Id, Path, description = "The symptom type's id")),
    responses(
        (status = 200, description = "The symptom type", body = SymptomType),
    ))]
async fn get_type(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<SymptomType>> {
    let found = store::find(&state.db, user.id, id).await?;
    found.map(Json).ok_or(ApiError::NotFound)
}

/// Change a symptom type (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/symptom-types/{id}", operation_id = "update_symptom_type", tag = "symptom-types", security(("session" = [])),
    params(("id" = Id, Path, description = "The symptom type's id")),
    request_body = SymptomTypePatch,
    responses(
        (status = 200, description = "The updated symptom type", body = SymptomType),
    ))]
async fn update_type(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SymptomType>> {
    let patch = SymptomTypePatch::parse(body)?;
    let updated = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await?;
    updated.map(Json).ok_or(ApiError::NotFound)
}

/// Remove a symptom type: deleted when no log refers to it, else deactivated (history is kept).
#[utoipa::path(delete, path = "/api/v1/symptom-types/{id}", operation_id = "delete_symptom_type", tag = "symptom-types", security(("session" = [])),
    params(("id" = Id, Path, description = "The symptom type's id")),
    responses(
        (status = 204, description = "Deleted, or deactivated when logs refer to it"),
    ))]
async fn delete_type(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    let removed = state
        .db
        .transaction(async |tx| store::delete(tx, user.id, id).await)
        .await;
    let removal = match removed {
        // A log written concurrently makes the foreign key refuse the delete: keep the type then.
        Err(DbError::ForeignKey(_)) => {
            state
                .db
                .transaction(async |tx| store::deactivate(tx, user.id, id).await)
                .await?
        }
        other => other?,
    };
    match removal {
        Removal::Deleted | Removal::Deactivated => Ok(StatusCode::NO_CONTENT),
        Removal::NotFound => Err(ApiError::NotFound),
    }
}
