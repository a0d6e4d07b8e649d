//! Symptom types: the master list of symptoms an account tracks.

pub mod model;
pub mod routes;
pub mod store;
