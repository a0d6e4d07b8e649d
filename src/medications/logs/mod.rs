//! Medication logs: one row per dose taken, listed newest first with keyset pagination.

pub mod model;
pub mod routes;
pub mod store;
