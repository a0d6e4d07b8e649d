use axum::{Json, extract::State};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    auth::{
        CurrentUser,
        users::{self, UserEnvelope},
    },
    error::{ApiError, ApiResult, Problem},
    http::json::JsonObject,
    input::{self, Fields},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me, update_me))
}

/// Body of `PATCH /api/v1/me` (JSON Merge Patch).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct ProfilePatch {
    /// 1 to 80 characters; `null` or blank clears it.
    #[schema(example = "Jan", max_length = 80)]
    display_name: Option<String>,
    /// IANA time zone name; it cannot be cleared (`null` is 422).
    #[schema(example = "Europe/Berlin", nullable = false)]
    timezone: Option<String>,
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("session" = [])),
    responses(
        (status = 200, description = "The account", body = UserEnvelope),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_me(State(state): State<AppState>, user: CurrentUser) -> ApiResult<Json<UserEnvelope>> {
    let user = users::find(&state.db, user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(UserEnvelope { user }))
}

/// Change the display name or time zone.
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", security(("session" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The updated account", body = UserEnvelope),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_me(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<UserEnvelope>> {
    let mut fields = Fields::new(body);
    let display_name = fields.patch_text("display_name", 80, false);
    let timezone = fields.patch_required("timezone", input::timezone);
    fields.finish()?;
    let current = users::find(&state.db, user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let display_name = display_name.apply(current.display_name);
    let timezone = timezone
        .apply(Some(current.timezone))
        .unwrap_or_else(|| "UTC".into());
    let user = users::update_profile(&state.db, user.id, display_name.as_deref(), &timezone)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(UserEnvelope { user }))
}
