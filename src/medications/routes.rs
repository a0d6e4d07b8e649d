//! `/api/v1/medications`: the account's master list of medications.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Medication, MedicationInput, MedicationPatch},
    store::{self, Deletion, ListFilter},
};
use crate::{
    auth::CurrentUser,
    db::{self, Db, DbError},
    error::{ApiError, ApiResult, FieldError},
    http::{json::JsonObject, path::IdPath, query::QueryParams},
    pagination::Items,
    state::AppState,
    types::Id,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_medications, create_medication))
        .routes(routes!(
            get_medication,
            update_medication,
            delete_medication
        ))
        .routes(routes!(deactivate_medication))
        .routes(routes!(activate_medication))
}

/// Refuses references to doctors or conditions that are not the account's own, naming each
/// field, exactly as for records that do not exist.
async fn check_references(
    db: &Db,
    user_id: Id,
    doctor: Option<Id>,
    condition: Option<Id>,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (field, table, id) in [
        ("prescribing_doctor_id", "doctors", doctor),
        ("condition_id", "conditions", condition),
    ] {
        if let Some(id) = id
            && !db::owns(db, table, user_id, id).await?
        {
            errors.push(FieldError::new(field, "does not exist"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A doctor or condition deleted between the check and the write fails its foreign key: answer
/// as if the check had seen it gone (and when neither is gone, the account itself was deleted
/// meanwhile, which the shared mapping answers as gone too).
async fn refused_reference(
    err: DbError,
    db: &Db,
    user_id: Id,
    doctor: Option<Id>,
    condition: Option<Id>,
) -> ApiError {
    match err {
        DbError::ForeignKey(_) => match check_references(db, user_id, doctor, condition).await {
            Err(refused) => refused,
            Ok(()) => err.into(),
        },
        other => other.into(),
    }
}

/// The account's medications, active and inactive unless `active` is given.
#[utoipa::path(get, path = "/api/v1/medications", tag = "medications", security(("session" = [])),
    params(
        ("active" = Option<bool>, Query, description = "Only active (`true`) or inactive (`false`) medications"),
        ("q" = inline(Option<crate::http::query::SearchTerm>), Query, description = "A case-insensitive part of the name", example = "ibu"),
    ),
    responses(
        (status = 200, description = "Medications ordered by name", body = Items<Medication>),
    ))]
async fn list_medications(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Items<Medication>>> {
    let filter = ListFilter {
        active: query.boolean("active"),
        search: query.search("q"),
    };
    query.finish()?;
    let items = store::list(&state.db, user.id, &filter).await?;
    Ok(Json(Items { items }))
}

/// Add a medication.
#[utoipa::path(post, path = "/api/v1/medications", tag = "medications", security(("session" = [])),
    request_body = MedicationInput,
    responses(
        (status = 201, description = "The new medication", body = Medication),
    ))]
async fn create_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Medication>)> {
    let new = MedicationInput::parse(body)?;
    let (doctor, condition) = (new.prescribing_doctor_id, new.condition_id);
    check_references(&state.db, user.id, doctor, condition).await?;
    let created = state
        .db
        .transaction(async |tx| store::insert(tx, user.id, &new).await)
        .await;
    match created {
        Ok(medication) => Ok((StatusCode::CREATED, Json(medication))),
        Err(err) => Err(refused_reference(err, &state.db, user.id, doctor, condition).await),
    }
}

/// One medication.
#[utoipa::path(get, path = "/api/v1/medications/{id}", tag = "medications", security(("session" = [])),
    params(("id" = Id, Path, description = "The medication's id")),
    responses(
        (status = 200, description = "The medication", body = Medication),
    ))]
async fn get_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Medication>> {
    let medication = store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(medication))
}

/// Change a medication (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/medications/{id}", tag = "medications", security(("session" = [])),
    params(("id" = Id, Path, description = "The medication's id")),
    request_body = MedicationPatch,
    responses(
        (status = 200, description = "The updated medication", body = Medication),
    ))]
async fn update_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Medication>> {
    let patch = MedicationPatch::parse(body)?;
    // Another account's medication is a 404 before any body reference is judged.
    store::find(&state.db, user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (doctor, condition) = patch.references();
    check_references(&state.db, user.id, doctor, condition).await?;
    let updated = state
        .db
        .transaction(async |tx| store::update(tx, user.id, id, patch).await)
        .await;
    match updated {
        Ok(medication) => Ok(Json(medication.ok_or(ApiError::NotFound)?)),
        Err(err) => Err(refused_reference(err, &state.db, user.id, doctor, condition).await),
    }
}

/// Delete a medication that no log refers to.
#[utoipa::path(delete, path = "/api/v1/medications/{id}", tag = "medications", security(("session" = [])),
    params(("id" = Id, Path, description = "The medication's id")),
    responses(
        (status = 204, description = "Deleted"),
    ))]
async fn delete_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    let deleted = state
        .db
        .transaction(async |tx| store::delete(tx, user.id, id).await)
        .await;
    let deletion = match deleted {
        // A log written by a concurrent request after the check.
        Err(DbError::ForeignKey(_)) => Deletion::InUse,
        other => other?,
    };
    match deletion {
        Deletion::Deleted => Ok(StatusCode::NO_CONTENT),
        Deletion::InUse => Err(ApiError::Conflict {
            code: "medication_in_use",
            detail: "logs refer to this medication; deactivate it instead".into(),
        }),
        Deletion::NotFound => Err(ApiError::NotFound),
    }
}

/// Stop offering a medication for new logs; its history stays. Idempotent.
#[utoipa::path(post, path = "/api/v1/medications/{id}/deactivate", tag = "medications", security(("session" = [])),
    params(("id" = Id, Path, description = "The medication's id")),
    responses(
        (status = 200, description = "The inactive medication", body = Medication),
    ))]
async fn deactivate_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Medication>> {
    set_active(&state.db, user.id, id, false).await
}

/// Offer a medication for new logs again. Idempotent.
#[utoipa::path(post, path = "/api/v1/medications/{id}/activate", tag = "medications", security(("session" = [])),
    params(("id" = Id, Path, description = "The medication's id")),
    responses(
        (status = 200, description = "The active medication", body = Medication),
    ))]
async fn activate_medication(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> ApiResult<Json<Medication>> {
    set_active(&state.db, user.id, id, true).await
}

async fn set_active(db: &Db, user_id: Id, id: Id, active: bool) -> ApiResult<Json<Medication>> {
    let medication = db
        .transaction(async |tx| store::set_active(tx, user_id, id, active).await)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(medication))
}
