//! Accounts, passwords, sessions and lockout.

pub mod email;
pub mod lockout;
pub mod password;
pub mod routes;
pub mod session;
pub mod session_store;
pub mod users;

pub use session::CurrentUser;
