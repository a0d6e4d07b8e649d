//! Medications (the account's master list, `/api/v1/medications`) and the doses taken of them
//! (`/api/v1/logs/medications`).

pub mod logs;
pub mod model;
pub mod routes;
pub mod store;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    routes::router().merge(logs::routes::router())
}
