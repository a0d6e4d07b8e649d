//! Symptom types and symptom logs (`/api/v1/symptom-types`, `/api/v1/logs/symptoms`).

pub mod logs;
pub mod rules;
pub mod types;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub use logs::{model::LogFilter, store::list_logs};
pub use rules::severity_label;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(types::routes::router())
        .merge(logs::routes::router())
}
