//! Feel vs yesterday (and, with the log lists, the landing summary).

pub mod compare;
pub mod days;
pub mod routes;
pub mod store;
pub mod summary;
