//! `GET /api/v1/passport`: every condition with its doctors and active medications.

pub mod model;
pub mod routes;
pub mod store;
