use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Inputs, assemble},
    page, store,
};
use crate::{
    auth::{CurrentUser, users},
    error::{ApiError, ApiResult},
    http::query::QueryParams,
    passport::view::{model::assemble as assemble_passport, store as passport},
    schedules::{doses::adherence, service::doses_between, store as schedules},
    state::AppState,
    trends::{model::RangeQuery, routes::day_tallies},
    types::Timestamp,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// A printable report for a doctor's visit.
///
/// One self-contained HTML page (no script, nothing loaded from elsewhere) with the person, the
/// range, the condition passport, one chart of daily mean severity per symptom type logged, the
/// 20 most severe symptom logs with their notes, and the mean effectiveness of each medication.
/// Link to it and let the browser print it (A4 print styles included).
#[utoipa::path(get, path = "/api/v1/report", tag = "trends", security(("session" = [])),
    params(
        ("from" = Option<crate::types::Date>, Query, description = "First local date (YYYY-MM-DD) in the account's time zone, included; default 29 days before today", example = "2026-11-01"),
        ("to" = Option<crate::types::Date>, Query, description = "Last local date (YYYY-MM-DD), included; default today; at most 366 days from `from`, both counted; a reversed or longer range is 422 naming `to`", example = "2026-11-29"),
    ),
    responses(
        (status = 200, description = "The report, as an HTML5 page; `Content-Disposition: inline; filename=\"medtracker-report-<from>-<to>.html\"`", content_type = "text/html", body = String,
            headers(("Content-Disposition" = String, description = "`inline; filename=\"medtracker-report-2026-11-01-2026-11-29.html\"`"))),
    ))]
async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Response> {
    let asked = RangeQuery::read(&mut query);
    query.finish()?;
    let generated_at = Timestamp::now();
    let tallies = day_tallies(&state, &user, asked).await?;
    let (account, conditions, doctors, medications, plans, most_severe) = tokio::try_join!(
        users::find(&state.db, user.id),
        passport::conditions(&state.db, user.id),
        passport::linked_doctors(&state.db, user.id),
        passport::active_medications(&state.db, user.id),
        schedules::all(&state.db, user.id),
        store::most_severe(&state.db, user.id, &tallies.days),
    )?;
    // No cap on the number of doses: the schedules' quota and the range's length bound it.
    let (from, to) = (tallies.range.from(), tallies.range.to());
    let doses = doses_between(&state, user.id, &tallies.tz, from, to, usize::MAX).await?;
    let account = account.ok_or(ApiError::Unauthenticated)?;
    let report = assemble(Inputs {
        display_name: account.display_name.as_deref(),
        email: &account.email,
        range: tallies.range,
        timezone: &tallies.timezone,
        tz: &tallies.tz,
        generated_at,
        passport: assemble_passport(generated_at, conditions, doctors, medications),
        schedules: plans,
        adherence: adherence(&doses.doses, |id| doses.name_key(id)),
        symptoms: &tallies.symptoms,
        medications: &tallies.medications,
        most_severe,
    });
    let disposition = format!(
        "inline; filename=\"medtracker-report-{}-{}.html\"",
        report.from, report.to
    );
    let mut response = page::render(&report).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
    );
    Ok(response)
}
