//! The landing summary: the newest logs and today's feel, in one request.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::routes::{Feel, feel_for};
use crate::{
    auth::CurrentUser,
    error::ApiResult,
    http::query::QueryParams,
    medications::logs::{model::MedicationLog, store as medication_logs},
    schedules::{
        doses::{DOSES_MAX, Dose},
        service as schedules,
    },
    state::AppState,
    symptoms::{self, logs::model::SymptomLog},
};

const RECENT: i64 = 5;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary))
}

#[derive(Serialize, ToSchema)]
pub struct CountsToday {
    pub medication_logs: usize,
    pub symptom_logs: usize,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    /// The 5 newest medication logs, newest first by `taken_at`.
    pub recent_medication_logs: Vec<MedicationLog>,
    /// The 5 newest symptom logs, newest first by `started_at`.
    pub recent_symptom_logs: Vec<SymptomLog>,
    /// Feel vs yesterday for today.
    pub feel: Feel,
    pub counts_today: CountsToday,
    /// Today's planned doses in the account's time zone (whatever `tz` says), as `/doses` lists
    /// them.
    pub doses_today: Vec<Dose>,
}

/// Everything the landing screen shows.
#[utoipa::path(get, path = "/api/v1/summary", tag = "feel", security(("session" = [])),
    params(("tz" = Option<String>, Query, description = "IANA time zone for \"today\"; default the account's", example = "Europe/Berlin")),
    responses(
        (status = 200, description = "The summary", body = Summary),
    ))]
async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Summary>> {
    let timezone = query.timezone("tz");
    query.finish()?;
    let (medications, symptom_logs, feel, doses_today) = tokio::try_join!(
        async {
            Ok(
                medication_logs::list_logs(&state.db, user.id, &Default::default(), RECENT, None)
                    .await?,
            )
        },
        async {
            Ok(symptoms::list_logs(&state.db, user.id, &Default::default(), RECENT, None).await?)
        },
        feel_for(&state, &user, None, timezone),
        async {
            let tz = schedules::account_zone(&state, &user).await?;
            let today = schedules::today(&tz);
            schedules::doses_between(&state, user.id, &tz, today, today, DOSES_MAX).await
        },
    )?;
    Ok(Json(Summary {
        recent_medication_logs: medications.items,
        recent_symptom_logs: symptom_logs.items,
        counts_today: CountsToday {
            medication_logs: feel.today.medication_logs,
            symptom_logs: feel.today.symptom_logs,
        },
        feel,
        doses_today: doses_today.doses,
    }))
}
