//! Which doctor treats which condition: the `doctor_conditions` table.

pub mod routes;
pub mod store;
