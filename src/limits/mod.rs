//! What one account may hold, checked inside the write's transaction by every store that adds
//! records: how many records of each kind (quotas, read from counters the database keeps) and how
//! many logs one calendar day of the account's time zone may hold. A refusal is a [`LimitReached`]
//! carried as `DbError::Limit`, so that every path that writes (a request, demo seeding) is
//! refused the same way and answered in one place.

pub mod daily;
pub mod quota;

use thiserror::Error;

pub use daily::{DAILY_LOGS, LogKind};
pub use quota::Collection;

/// A write refused because the account, or one of its days, is full. Nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum LimitReached {
    #[error("an account holds at most {limit} {}; delete some to add more", .collection.noun())]
    Quota { collection: Collection, limit: i64 },
    #[error(
        "a day (in the account's time zone) holds at most {DAILY_LOGS} {}; this one is full",
        .kind.noun()
    )]
    Daily { kind: LogKind },
}
