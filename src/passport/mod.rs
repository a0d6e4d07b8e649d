//! The condition passport: diagnosed conditions, the doctors who treat them, the links between
//! the two, and the one-page view that puts them together with the medications for each.

pub mod conditions;
pub mod doctors;
pub mod links;
pub mod view;

use utoipa_axum::router::OpenApiRouter;

use crate::{input::Patch, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(conditions::routes::router())
        .merge(doctors::routes::router())
        .merge(links::routes::router())
        .merge(view::routes::router())
}

/// The new value of a required field: a PATCH can set it but never clear it (`null` is refused
/// while parsing).
fn set_or_keep<T>(patch: Patch<T>, current: T) -> T {
    match patch {
        Patch::Set(value) => value,
        Patch::Absent | Patch::Clear => current,
    }
}
