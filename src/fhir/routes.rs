use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::export;
use crate::{
    account::routes::attachment,
    audit::{self, AuditEvent},
    auth::CurrentUser,
    error::{ApiError, ApiResult},
    http::{
        client_ip::ClientIp,
        streaming::{spawn_producer, streamed_body},
    },
    state::AppState,
};

pub const FHIR_JSON: &str = "application/fhir+json";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_fhir))
}

/// The shape of the export's FHIR R4 `Bundle`, for the API document (the resources themselves are
/// the standard's).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FhirBundle {
    /// Always `Bundle`.
    #[schema(example = "Bundle")]
    resource_type: String,
    /// Always `collection`.
    #[serde(rename = "type")]
    #[schema(example = "collection")]
    kind: String,
    /// When the bundle was assembled.
    #[schema(example = "2026-11-27T08:30:00.123Z")]
    timestamp: String,
    /// One entry per resource: the Patient, a Practitioner per doctor, a Condition per condition,
    /// a CareTeam per condition with doctors, a MedicationStatement per medication and per
    /// medication log, an Observation per symptom log.
    entry: Vec<FhirBundleEntry>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FhirBundleEntry {
    /// `urn:uuid:<id>`; every reference between resources uses this form.
    #[schema(example = "urn:uuid:019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c")]
    full_url: String,
    /// A FHIR R4 resource, with its `resourceType`.
    #[schema(value_type = Object)]
    resource: serde_json::Value,
}

/// Download every record of the account as a FHIR R4 (4.0.1) `Bundle` of type `collection`.
#[utoipa::path(get, path = "/api/v1/me/export/fhir", tag = "account", security(("session" = [])),
    responses(
        (status = 200, description = "The account's records as FHIR resources, as an attachment named `medtracker-fhir-<date>.json`",
            body = FhirBundle, content_type = "application/fhir+json",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"medtracker-fhir-2026-11-27.json\"`"))),
    ))]
async fn export_fhir(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
) -> ApiResult<impl IntoResponse> {
    let pending = export::open(&state.db, user.id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    audit::record(
        &state.db,
        AuditEvent::new("account.export")
            .user(user.id)
            .ip(ip)
            .format("fhir"),
    )
    .await;
    let disposition = attachment("medtracker-fhir", pending.timestamp())?;
    let (writer, body) = streamed_body();
    spawn_producer("FHIR export", export::write(pending, writer));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}
