//! The doctor's report: one self-contained HTML page over a range of days, to read on screen or
//! print on A4, drawn on the server from the trends, the passport and the most severe logs.

pub mod chart;
pub mod model;
pub mod page;
pub mod routes;
pub mod store;
