use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    compare::{DayStats, Status, SymptomChange, compare},
    days, store,
};
use crate::{
    auth::{CurrentUser, users},
    error::{ApiError, ApiResult},
    http::query::QueryParams,
    state::AppState,
    types::Date,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(feel_vs_yesterday))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"date": "2026-11-27", "timezone": "Europe/Berlin", "status": "better", "delta": -1.5,
    "summary": "You feel better than yesterday: average symptom severity went down from 6.0 to 4.5. Headache improved the most.",
    "today": {"medication_logs": 2, "symptom_logs": 2, "mean_severity": 4.5, "max_severity": 5, "mean_effectiveness": 4.0},
    "yesterday": {"medication_logs": 2, "symptom_logs": 1, "mean_severity": 6.0, "max_severity": 6, "mean_effectiveness": 3.0},
    "symptoms": [{"symptom_type_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c", "name": "Headache", "today_mean": 4.5, "yesterday_mean": 6.0, "change": "better"}]}))]
pub struct Feel {
    pub date: Date,
    pub timezone: String,
    pub status: Status,
    /// Today's score minus yesterday's, rounded to 2 decimals; null when unavailable.
    pub delta: Option<f64>,
    pub summary: String,
    pub today: DayStats,
    pub yesterday: DayStats,
    /// One entry per symptom type logged on either day, by name.
    pub symptoms: Vec<SymptomChange>,
}

/// The comparison for `date` (default: today) in `timezone` (default: the account's).
pub async fn feel_for(
    state: &AppState,
    user: &CurrentUser,
    date: Option<Date>,
    timezone: Option<String>,
) -> ApiResult<Feel> {
    let user_id = user.id;
    let timezone = match timezone.or_else(|| user.timezone.clone()) {
        Some(tz) => tz,
        None => {
            users::find(&state.db, user_id)
                .await?
                .ok_or(ApiError::Unauthenticated)?
                .timezone
        }
    };
    let tz = jiff::tz::db()
        .get(&timezone)
        .map_err(|_| ApiError::field("tz", "is not a known time zone"))?;
    let date = date.map_or_else(|| days::today_in(&tz), |d| d.0);
    let window =
        days::two_days(date, &tz).ok_or_else(|| ApiError::field("date", "is out of range"))?;
    let (today, yesterday) = store::two_days(&state.db, user_id, &window).await?;
    let comparison = compare(&today, &yesterday);
    Ok(Feel {
        date: Date(date),
        timezone,
        status: comparison.status,
        delta: comparison.delta,
        summary: comparison.summary,
        today: comparison.today,
        yesterday: comparison.yesterday,
        symptoms: comparison.symptoms,
    })
}

/// Do I feel better or worse than yesterday?
#[utoipa::path(get, path = "/api/v1/feel-vs-yesterday", tag = "feel", security(("session" = [])),
    params(
        ("date" = Option<crate::types::Date>, Query, description = "The day to compare with the day before (YYYY-MM-DD); default today", example = "2026-11-27"),
        ("tz" = Option<String>, Query, description = "IANA time zone for calendar days; default the account's", example = "Europe/Berlin"),
    ),
    responses(
        (status = 200, description = "The comparison", body = Feel),
    ))]
async fn feel_vs_yesterday(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Feel>> {
    let date = query.date("date");
    let timezone = query.timezone("tz");
    query.finish()?;
    Ok(Json(feel_for(&state, &user, date, timezone).await?))
}
