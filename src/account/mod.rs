//! `/api/v1/me`: the signed-in account's profile, credentials, export and deletion.

mod confirm;
pub mod export;
mod export_store;
mod lifecycle;
pub mod routes;
mod store;
