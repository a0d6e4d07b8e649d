use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Condition, ConditionInput, ConditionPatch},
    store,
};
use crate::{
    auth::{CurrentUser, users},
    error::{ApiError, ApiResult},
    http::{json::JsonObject, path::IdPath},
    pagination::Items,
    state::AppState,
    types::Id,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conditions, create_condition))
        .routes(routes!(get_condition, update_condition, delete_condition))
}

/// Today's date where the account lives (its `timezone`), the latest acceptable diagnosis date.
/// The account's zone rather than a zone-independent bound (UTC+14), so that "not in the
/// future" means the same day as everywhere else in the API (feel-vs-yesterday's days).
async fn account_today(state: &AppState, user_id: Id) -> ApiResult<jiff::civil::Date> {
    let user = users::find(&state.db, user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let tz = jiff::tz::db().get(&user.timezone).map_err(|_| {
        ApiError::internal(format!("stored time zone `{}` is unknown", user.timezone))
    })?;
    Ok(jiff::Timestamp::now().to_zoned_datetime(tz).date())
}

/// The account's conditions, by name.
#[utoipa::path(get, path = "/api/v1/conditions", tag = "conditions", security(("session" = [])),
    responses(
        (status = 200, description = "Every condition of the account, ordered by name", body = Items<Condition>),
    ))]
async fn list_conditions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Items<Condition>>> {
    let items = store::list(&state.db, user.id).await?;
    Ok(Json(Items { items }))
}

/// Record a condition.
#[utoipa::path(post, path = "/api/v1/conditions", tag = "conditions", security(("session" = [])),
    request_body = ConditionInput,
    responses(
        (status = 201, description = "The new condition", body = Condition),
    ))]
async fn create_condition(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Condition>)> {
    let today = account_today(&state, user.id).await?;
    let new = ConditionInput::parse(body, today)?;
    let condition = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, &new).await)
        .await?;
    Ok((StatusCode::CREATED, Json(condition)))
}

/// One condition.
#[utoipa::path(get, path = "/api/v1/conditions/{id}", tag = "conditions", security(("session" = [])),
    params(("id" = Id, Path, description = "The condition's id")),
    responses(
        (status = 200, description = "The condition", body = Condition),
    ))]
async fn get_condition(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Condition>> {
    let condition = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(condition))
}

/// Change a condition (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/conditions/{id}", tag = "conditions", security(("session" = [])),
    params(("id" = Id, Path, description = "The condition's id")),
    request_body = ConditionPatch,
    responses(
        (status = 200, description = "The updated condition", body = Condition),
    ))]
async fn update_condition(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Condition>> {
    // Another account's condition is a 404 before the body is judged.
    store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let today = account_today(&state, user.id).await?;
    let patch = ConditionPatch::parse(body, today)?;
    let condition = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(condition))
}

/// Delete a condition: its links to doctors go, and medications for it keep no condition.
#[utoipa::path(delete, path = "/api/v1/conditions/{id}", tag = "conditions", security(("session" = [])),
    params(("id" = Id, Path, description = "The condition's id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
async fn delete_condition(
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
