//! Diagnosed conditions: `/api/v1/conditions`.

pub mod model;
pub mod routes;
pub mod store;
