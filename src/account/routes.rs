use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{export::AccountExport, export_writer, lifecycle};
use crate::{
    audit::{self, AuditEvent},
    auth::{
        CurrentUser,
        users::{self, UserEnvelope},
    },
    error::{ApiError, ApiResult},
    http::{
        client_ip::ClientIp,
        json::JsonObject,
        streaming::{spawn_producer, streamed_body},
    },
    input::{self, Fields},
    state::AppState,
    types::Timestamp,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(export))
        .merge(lifecycle::router())
}

/// Body of `PATCH /api/v1/me` (JSON Merge Patch).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body; handlers read it field by field"
)]
pub struct ProfilePatch {
    /// 1 to 80 characters with a visible one and no bidirectional control; `null` or blank clears
    /// it.
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
    ))]
async fn update_me(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<UserEnvelope>> {
    let mut fields = Fields::new(body);
    let display_name = fields.patch_name("display_name", 80);
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

/// Download every record of the account as one JSON document.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "account", security(("session" = [])),
    responses(
        (status = 200, description = "The account's records, as an attachment named `medtracker-export-<date>.json`", body = AccountExport,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"medtracker-export-2026-11-27.json\"`"))),
    ))]
async fn export(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
) -> ApiResult<impl IntoResponse> {
    let pending = export_writer::open(&state.db, user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    audit::record(
        &state.db,
        AuditEvent::new("account.export")
            .user(user.id)
            .ip(ip)
            .format("json"),
    )
    .await;
    let disposition = attachment("medtracker-export", pending.exported_at())?;
    let (writer, body) = streamed_body();
    spawn_producer("account export", export_writer::write(pending, writer));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

/// `attachment; filename="<stem>-<date>.json"`, dated in UTC like the document's own timestamp.
pub fn attachment(stem: &str, at: Timestamp) -> ApiResult<HeaderValue> {
    let value = format!(
        "attachment; filename=\"{stem}-{}.json\"",
        at.to_jiff().strftime("%Y-%m-%d")
    );
    HeaderValue::from_str(&value).map_err(ApiError::internal)
}
