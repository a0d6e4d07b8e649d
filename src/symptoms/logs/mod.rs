//! Symptom logs: when a symptom was felt, how long and how badly.

pub mod input;
pub mod model;
pub mod routes;
pub mod store;
