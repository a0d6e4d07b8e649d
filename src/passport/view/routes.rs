use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Passport, assemble},
    store,
};
use crate::{auth::CurrentUser, error::ApiResult, state::AppState, types::Timestamp};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(passport))
}

/// The condition passport: every condition with its doctors and active medications, on one page.
#[utoipa::path(get, path = "/api/v1/passport", tag = "passport", security(("session" = [])),
    responses(
        (status = 200, description = "The passport: active conditions first, then by name", body = Passport),
    ))]
async fn passport(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<Passport>> {
    let generated_at = Timestamp::now();
    let (conditions, doctors, medications) = tokio::try_join!(
        store::conditions(&state.db, user.id),
        store::linked_doctors(&state.db, user.id),
        store::active_medications(&state.db, user.id),
    )?;
    Ok(Json(assemble(
        generated_at,
        conditions,
        doctors,
        medications,
    )))
}
