//! What readiness knows about writes. A storage fault is noticed where database errors are
//! classified, in whichever request meets it (a request-scoped flag, so that a fault swallowed on
//! the way, say by the session store, still counts); the HTTP layer then tells the process-wide
//! [`WriteHealth`], and readiness answers 503 until a heartbeat write succeeds.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

tokio::task_local! {
    static WATCH: FaultWatch;
}

/// Whether the request it watches met a storage fault.
#[derive(Clone, Debug, Default)]
pub struct FaultWatch(Arc<AtomicBool>);

impl FaultWatch {
    /// Runs `future` (a request) under this watch.
    pub async fn watch<F: Future>(&self, future: F) -> F::Output {
        WATCH.scope(self.clone(), future).await
    }

    pub fn noticed(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Records a storage fault in the watch of the current request, if any.
pub(super) fn notice() {
    let _outside_a_request = WATCH.try_with(|watch| watch.0.store(true, Ordering::Release));
}

/// Whether writes are known to fail. Each fault bumps a counter; a heartbeat that succeeds
/// vouches for the faults counted before it began, so a fault that races a heartbeat is not
/// forgotten.
#[derive(Clone, Debug, Default)]
pub struct WriteHealth(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    faults: AtomicU64,
    vouched: AtomicU64,
}

/// The fault count a heartbeat began at: pass it back to [`WriteHealth::heartbeat_succeeded`].
#[derive(Clone, Copy, Debug)]
pub struct HeartbeatStart(u64);

impl WriteHealth {
    pub fn fault(&self) {
        self.0.faults.fetch_add(1, Ordering::AcqRel);
    }

    /// `Some` when a write failed for a storage fault and no heartbeat has succeeded since.
    pub fn failing(&self) -> Option<HeartbeatStart> {
        let faults = self.0.faults.load(Ordering::Acquire);
        (faults > self.0.vouched.load(Ordering::Acquire)).then_some(HeartbeatStart(faults))
    }

    pub fn heartbeat_succeeded(&self, started: HeartbeatStart) {
        self.0.vouched.fetch_max(started.0, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fault_is_noticed_only_by_the_request_that_met_it() {
        let (met, other) = (FaultWatch::default(), FaultWatch::default());
        met.watch(async { notice() }).await;
        other.watch(async {}).await;
        notice();
        assert!(met.noticed());
        assert!(!other.noticed());
    }

    #[test]
    fn a_heartbeat_vouches_only_for_the_faults_before_it() {
        let health = WriteHealth::default();
        assert!(health.failing().is_none());
        health.fault();
        let started = health.failing().expect("failing after a fault");
        health.fault();
        health.heartbeat_succeeded(started);
        let again = health
            .failing()
            .expect("the fault during the heartbeat still counts");
        health.heartbeat_succeeded(again);
        assert!(health.failing().is_none());
    }
}
