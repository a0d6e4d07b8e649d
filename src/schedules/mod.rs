//! Medication schedules, the doses they plan, which logs took them, and adherence.

pub mod dose_routes;
pub mod doses;
pub mod matching;
pub mod model;
pub mod plan;
pub mod routes;
pub mod service;
pub mod store;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    routes::router().merge(dose_routes::router())
}
