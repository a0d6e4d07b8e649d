//! Medications (the account's master list, contract §4) and the doses taken of them (§5).

pub mod logs;
pub mod model;
pub mod routes;
pub mod store;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    routes::router().merge(logs::routes::router())
}
