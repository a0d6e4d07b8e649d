//! The tests that read counters. The metrics recorder is global to the process, so these run in
//! a test binary of their own, one at a time (every test takes its turn through [`serial_app`]),
//! and can assert by exactly how much a request moved a counter: nothing else counts meanwhile.

#[path = "../api/helpers.rs"]
mod helpers;

mod counters;
mod exposition;
mod statements;

use std::ops::Deref;

use tokio::sync::{Mutex, MutexGuard};

use helpers::{TestApp, spawn_app_with};

static TURN: Mutex<()> = Mutex::const_new(());

/// A server whose test holds the binary's only turn until it ends (a failed test releases it
/// too: the guard is dropped while unwinding).
pub struct SerialApp {
    app: TestApp,
    _turn: MutexGuard<'static, ()>,
}

impl Deref for SerialApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Waits for this test's turn, then starts the server with the given variables.
pub async fn serial_app(vars: &[(&str, &str)]) -> SerialApp {
    let turn = TURN.lock().await;
    SerialApp {
        app: spawn_app_with(vars).await,
        _turn: turn,
    }
}
