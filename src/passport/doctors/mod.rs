//! The doctor directory: `/api/v1/doctors`.

pub mod model;
pub mod routes;
pub mod store;
