//! Trends: symptom severity and medication logs per local day or week, every bucket present,
//! ready to be drawn by any chart library (and by the printable report).

pub mod buckets;
pub mod local_days;
pub mod model;
pub mod routes;
pub mod store;
