//! Quotas: at most so many records of each kind per account. The `account_usage` table holds
//! each account's counts, kept by triggers in the transaction that inserts or deletes (see
//! migration 0005), so a check reads one row. Concurrent writes of one account may each read the
//! count before the others commit and overshoot by their own number; no account-wide lock is
//! taken, so an account's reads never wait for its writes.

use super::LimitReached;
use crate::{
    db::{Conn, DbError, run},
    types::Id,
};

/// Master data of an account: generous for any diary, small enough to list in one answer.
pub const MASTER_DATA: i64 = 1_000;
pub const SCHEDULES: i64 = 100;
/// Logs of each kind: decades of a heavy diary.
pub const LOGS: i64 = 200_000;
/// Logs of each kind in a demo account, its sample data included: anonymous accounts must not
/// be a way to fill the disk.
pub const DEMO_LOGS: i64 = 2_000;

/// A kind of record with a quota; its name is its table's (and its counter's) name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Medications,
    SymptomTypes,
    Conditions,
    Doctors,
    Schedules,
    MedicationLogs,
    SymptomLogs,
}

impl Collection {
    /// The table, the counter's `collection` and the field a refusal names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Medications => "medications",
            Self::SymptomTypes => "symptom_types",
            Self::Conditions => "conditions",
            Self::Doctors => "doctors",
            Self::Schedules => "schedules",
            Self::MedicationLogs => "medication_logs",
            Self::SymptomLogs => "symptom_logs",
        }
    }

    /// How a sentence names the records.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Medications => "medications",
            Self::SymptomTypes => "symptom types",
            Self::Conditions => "conditions",
            Self::Doctors => "doctors",
            Self::Schedules => "schedules",
            Self::MedicationLogs => "medication logs",
            Self::SymptomLogs => "symptom logs",
        }
    }

    /// How many records of this kind an account may hold.
    pub fn limit(self, demo: bool) -> i64 {
        match self {
            Self::Medications | Self::SymptomTypes | Self::Conditions | Self::Doctors => {
                MASTER_DATA
            }
            Self::Schedules => SCHEDULES,
            Self::MedicationLogs | Self::SymptomLogs if demo => DEMO_LOGS,
            Self::MedicationLogs | Self::SymptomLogs => LOGS,
        }
    }
}

/// Whether account `$1` is a demo, and how many records of collection `$2` it holds: two
/// primary-key lookups (public so that a test can hold its plan).
pub const USAGE_SQL: &str = "SELECT u.is_demo, COALESCE(a.used, 0) FROM users u \
    LEFT JOIN account_usage a ON a.user_id = u.id AND a.collection = $2 WHERE u.id = $1";

/// Refuses the write when the account already holds its quota of `collection`. An account that
/// no longer exists passes: the insert then fails its foreign key and is answered as gone.
pub async fn ensure_room(
    tx: &mut Conn<'_>,
    user_id: Id,
    collection: Collection,
) -> Result<(), DbError> {
    let found: Option<(bool, i64)> = run!(tx, |conn| sqlx::query_as(USAGE_SQL)
        .bind(user_id)
        .bind(collection.name())
        .fetch_optional(conn)
        .await?);
    match found {
        Some((demo, used)) if used >= collection.limit(demo) => {
            Err(DbError::Limit(LimitReached::Quota {
                collection,
                limit: collection.limit(demo),
            }))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quotas_are_the_documented_ones() {
        let master = [
            Collection::Medications,
            Collection::SymptomTypes,
            Collection::Conditions,
            Collection::Doctors,
        ];
        for collection in master {
            assert_eq!(collection.limit(false), 1_000);
            assert_eq!(collection.limit(true), 1_000);
        }
        assert_eq!(Collection::Schedules.limit(false), 100);
        for logs in [Collection::MedicationLogs, Collection::SymptomLogs] {
            assert_eq!(logs.limit(false), 200_000);
            assert_eq!(logs.limit(true), 2_000);
        }
    }
}
