//! `GET /api/v1/doses` and `GET /api/v1/adherence`.

use axum::{Json, extract::State};
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    doses::{DOSES_MAX, Dose, MedicationAdherence, Tally, adherence},
    service,
};
use crate::{
    auth::CurrentUser, error::ApiResult, http::query::QueryParams, pagination::Items,
    state::AppState, types,
};

const DOSES_DAYS_MAX: i32 = 92;
const ADHERENCE_DAYS_MAX: i32 = 366;
/// Adherence looks back 30 days, today included, unless told otherwise.
const ADHERENCE_DEFAULT_DAYS: i32 = 30;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_doses))
        .routes(routes!(get_adherence))
}

/// Reads `from` and `to` (local dates, both included): a missing end takes its default; a
/// reversed range, or one longer than `max_days`, is refused naming `to`.
pub fn date_range(
    query: &mut QueryParams,
    default_from: Date,
    default_to: Date,
    max_days: i32,
) -> Option<(Date, Date)> {
    let from = query.date("from");
    let to = query.date("to");
    let from = from.map_or(default_from, |d| d.0);
    let to = to.map_or(default_to, |d| d.0);
    if to < from {
        query.error("to", "must not be before from");
        return None;
    }
    let days = from
        .until(to)
        .map(|span| span.get_days())
        .unwrap_or(i32::MAX);
    if days >= max_days {
        query.error("to", format!("the range may span at most {max_days} days"));
        return None;
    }
    Some((from, to))
}

/// The account's planned doses of a range of local dates, with what became of each.
#[utoipa::path(get, path = "/api/v1/doses", tag = "schedules", security(("session" = [])),
    params(
        ("from" = Option<crate::types::Date>, Query, description = "First local date (YYYY-MM-DD) in the account's time zone; default today", example = "2026-11-27"),
        ("to" = Option<crate::types::Date>, Query, description = "Last local date, included; default today; at most 92 days and 10 000 doses after `from`; a reversed or longer range is 422 naming `to`", example = "2026-11-27"),
    ),
    responses(
        (status = 200, description = "Doses by planned instant, then medication name, then schedule", body = Items<Dose>),
    ))]
async fn list_doses(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Items<Dose>>> {
    let tz = service::account_zone(&state, &user).await?;
    let today = service::today(&tz);
    let range = date_range(&mut query, today, today, DOSES_DAYS_MAX);
    query.finish()?;
    let Some((from, to)) = range else {
        return Ok(Json(Items { items: Vec::new() }));
    };
    let found = service::doses_between(&state, user.id, &tz, from, to, DOSES_MAX).await?;
    Ok(Json(Items { items: found.doses }))
}

/// How well the plan was kept.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-10-29", "to": "2026-11-27",
    "overall": {"planned": 56, "taken": 49, "missed": 7, "percent": 87.5},
    "medications": [{"medication_id": "019a6b2e-6a00-7b3a-8c1d-1a2b3c4d5e6f", "name": "Ibuprofen",
        "planned": 56, "taken": 49, "missed": 7, "percent": 87.5}]}))]
pub struct Adherence {
    pub from: types::Date,
    pub to: types::Date,
    /// Every medication together.
    pub overall: Tally,
    /// One entry per medication with any dose in the range, by name.
    pub medications: Vec<MedicationAdherence>,
}

/// Adherence over a range of local dates: of the doses whose outcome is known, how many were taken.
#[utoipa::path(get, path = "/api/v1/adherence", tag = "schedules", security(("session" = [])),
    params(
        ("from" = Option<crate::types::Date>, Query, description = "First local date (YYYY-MM-DD); default 29 days before today", example = "2026-10-29"),
        ("to" = Option<crate::types::Date>, Query, description = "Last local date, included; default today; at most 366 days after `from`; a reversed or longer range is 422 naming `to`", example = "2026-11-27"),
    ),
    responses(
        (status = 200, description = "Adherence overall and per medication", body = Adherence),
    ))]
async fn get_adherence(
    State(state): State<AppState>,
    user: CurrentUser,
    mut query: QueryParams,
) -> ApiResult<Json<Adherence>> {
    let tz = service::account_zone(&state, &user).await?;
    let today = service::today(&tz);
    let default_from = today
        .checked_sub(jiff::Span::new().days(ADHERENCE_DEFAULT_DAYS - 1))
        .unwrap_or(today);
    let range = date_range(&mut query, default_from, today, ADHERENCE_DAYS_MAX);
    query.finish()?;
    let (from, to) = range.unwrap_or((default_from, today));
    let found = service::doses_between(&state, user.id, &tz, from, to, usize::MAX).await?;
    let (overall, medications) = adherence(&found.doses, |id| found.name_key(id));
    Ok(Json(Adherence {
        from: types::Date(from),
        to: types::Date(to),
        overall,
        medications,
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use jiff::civil::date;

    use super::*;

    fn range(pairs: &[(&str, &str)], max_days: i32) -> Result<(Date, Date), Vec<String>> {
        let values: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut query = QueryParams::new(values);
        let today = date(2026, 11, 27);
        let parsed = date_range(&mut query, today, today, max_days);
        match query.finish() {
            Ok(()) => parsed.ok_or_else(Vec::new),
            Err(crate::error::ApiError::Validation(errors)) => {
                Err(errors.into_iter().map(|e| e.field).collect())
            }
            Err(other) => Err(vec![other.to_string()]),
        }
    }

    #[test]
    fn ranges_count_both_ends_and_default_to_today() {
        let today = date(2026, 11, 27);
        assert_eq!(range(&[], 92), Ok((today, today)));
        assert_eq!(
            range(&[("from", "2026-11-20")], 92),
            Ok((date(2026, 11, 20), today))
        );
        assert_eq!(
            range(&[("to", "2026-11-30")], 92),
            Ok((today, date(2026, 11, 30)))
        );
        // 92 days, both ends included.
        assert_eq!(
            range(&[("from", "2026-01-01"), ("to", "2026-04-02")], 92),
            Ok((date(2026, 1, 1), date(2026, 4, 2)))
        );
        assert_eq!(
            range(&[("from", "2026-01-01"), ("to", "2026-04-03")], 92),
            Err(vec!["to".into()])
        );
    }

    #[test]
    fn malformed_and_reversed_ranges_are_refused() {
        assert_eq!(
            range(&[("from", "2026-11-31")], 92),
            Err(vec!["from".into()])
        );
        assert_eq!(range(&[("to", "tomorrow")], 92), Err(vec!["to".into()]));
        assert_eq!(
            range(&[("from", "2026-11-28"), ("to", "2026-11-27")], 92),
            Err(vec!["to".into()])
        );
        assert_eq!(range(&[("from", "2026-11-28")], 92), Err(vec!["to".into()]));
    }
}
