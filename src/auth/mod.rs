//! Accounts, passwords, sessions, lockout and demo accounts.

pub mod demo;
pub mod demo_data;
mod demo_store;
pub mod email;
pub mod lockout;
pub mod password;
pub mod routes;
pub mod session;
pub mod session_store;
pub mod users;

pub use session::CurrentUser;
