use axum::{Json, extract::State};
use jiff::tz::TimeZone;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    buckets::{Buckets, MedicationDay, SymptomDay, medication_series, symptom_series},
    local_days::LocalDays,
    model::{DateRange, RangeQuery, Trends, read_bucket},
    store,
};
use crate::{
    auth::{CurrentUser, users},
    error::{ApiError, ApiResult},
    http::query::QueryParams,
    state::AppState,
    types::Date,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(trends))
}

/// The account's time zone: its name and its rules from the bundled database.
pub async fn account_timezone(
    state: &AppState,
    user: &CurrentUser,
) -> ApiResult<(String, TimeZone)> {
    let name = match &user.timezone {
        Some(name) => name.clone(),
        None => {
            users::find(&state.db, user.id)
                .await?
                .ok_or(ApiError::Unauthenticated)?
                .timezone
        }
    };
    // Stored names were checked against the same database when they were set.
    let tz = jiff::tz::db()
        .get(&name)
        .map_err(|err| ApiError::internal(format!("the account's time zone {name:?}: {err}")))?;
    Ok((name, tz))
}

/// A range's logs tallied per local day, for the trends and the report.
pub struct DayTallies {
    pub range: DateRange,
    pub timezone: String,
    pub tz: TimeZone,
    pub days: LocalDays,
    pub symptoms: Vec<SymptomDay>,
    pub medications: Vec<MedicationDay>,
}

/// Resolves the asked range in the account's time zone (missing ends default to the 30 days
/// ending today there) and tallies its logs.
pub async fn day_tallies(
    state: &AppState,
    user: &CurrentUser,
    asked: RangeQuery,
) -> ApiResult<DayTallies> {
    let (timezone, tz) = account_timezone(state, user).await?;
    let today = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let range = asked.resolve(today)?;
    let days = LocalDays::new(range, &tz)
        .ok_or_else(|| ApiError::field("to", "is out of the supported range of dates"))?;
    let (symptoms, medications) = tokio::try_join!(
        store::symptom_days(&state.db, user.id, &days),
        store::medication_days(&state.db, user.id, &days),
    )?;
    Ok(DayTallies {
        range,
        timezone,
        tz,
        days,
        symptoms,
        medications,
    })
}

/// Symptom severity and medication logs per day or week, for charts.
#[utoipa::path(get, path = "/api/v1/trends", tag = "trends", security(("session" = [])),
    params(
        ("from" = Option<crate::types::Date>, Query, description = "First local date (YYYY-MM-DD) in the account's time zone, included; default 29 days before `to`'s default, today", example = "2026-11-01"),
        ("to" = Option<crate::types::Date>, Query, description = "Last local date (YYYY-MM-DD), included; default today; at most 366 days from `from`, both counted; a reversed or longer range is 422 naming `to`", example = "2026-11-29"),
        ("bucket" = Option<crate::trends::model::BucketSize>, Query, description = "`day` (default) or `week` (Monday to Sunday, cut to the range)", example = "week"),
    ),
    responses(
        (status = 200, description = "Every bucket of the range in every series; only symptom types and medications logged in the range, by name", body = Trends),
    ))]
async fn trends(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Trends>> {
    let asked = RangeQuery::read(&mut query);
    let bucket = read_bucket(&mut query);
    query.finish()?;
    let tallies = day_tallies(&state, &user, asked).await?;
    let buckets = Buckets::new(tallies.range, bucket);
    Ok(Json(Trends {
        from: Date(tallies.range.from()),
        to: Date(tallies.range.to()),
        timezone: tallies.timezone,
        bucket,
        symptoms: symptom_series(&tallies.symptoms, &buckets),
        medications: medication_series(&tallies.medications, &buckets),
    }))
}
