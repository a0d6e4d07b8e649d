//! `/api/v1/me`: the signed-in account's profile, credentials, export and deletion.

mod confirm;
pub mod export;
mod export_writer;
mod lifecycle;
pub mod routes;
mod store;
