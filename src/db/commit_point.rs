//! The moment a request's write can no longer be taken back. Until then, the request timeout may
//! drop the request and answer 503 `timeout` (dropping rolls its transaction back, so nothing was
//! written). From then on the write may land whatever happens to the request, so the timeout lets
//! it run and it answers with the real outcome: a 503 `timeout` never hides a stored write.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use sqlx::{Postgres, Transaction};

use super::DbError;

tokio::task_local! {
    static POINT: CommitPoint;
}

/// Whether the request it is scoped to has passed the point of no return.
#[derive(Clone, Debug, Default)]
pub struct CommitPoint(Arc<AtomicBool>);

impl CommitPoint {
    /// Runs `future` (a request) with this marker as its commit point.
    pub async fn scope<F: Future>(&self, future: F) -> F::Output {
        POINT.scope(self.clone(), future).await
    }

    pub fn passed(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Called just before the statement that makes a write permanent (or hands it to a group commit).
pub(super) fn pass() {
    let _outside_a_request = POINT.try_with(|point| point.0.store(true, Ordering::Release));
}

/// Commits a PostgreSQL transaction, past the commit point: once `COMMIT` is sent, dropping the
/// request would not tell whether it landed.
pub async fn commit_postgres(tx: Transaction<'_, Postgres>) -> Result<(), DbError> {
    pass();
    tx.commit().await.map_err(DbError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_request_that_commits_passes_its_point() {
        let (committing, reading) = (CommitPoint::default(), CommitPoint::default());
        committing.scope(async { pass() }).await;
        reading.scope(async {}).await;
        pass();
        assert!(committing.passed());
        assert!(!reading.passed());
    }
}
