//! The condition passport: diagnosed conditions, the doctors who treat them, the links between
//! the two, and the one-page view that puts them together with the medications for each.

pub mod conditions;
pub mod doctors;
pub mod links;
pub mod view;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(conditions::routes::router())
        .merge(doctors::routes::router())
        .merge(links::routes::router())
        .merge(view::routes::router())
}
