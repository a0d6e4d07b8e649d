//! `/api/v1/me`: the signed-in account's profile.

pub mod routes;
