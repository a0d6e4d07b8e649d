//! Tower layers and extractors shared by every route.

pub mod client_ip;
pub mod json;
pub mod metrics;
pub mod path;
pub mod problem;
pub mod query;
pub mod rate_limit;
pub mod request_id;
pub mod request_log;
pub mod security;
pub mod send_stall;
pub mod serve;
pub mod streaming;
pub mod timeout;
