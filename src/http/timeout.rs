use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{db::CommitPoint, error::ApiError, state::AppState};

/// A request running longer than `REQUEST_TIMEOUT_SECS` ends with a 503 problem, and then nothing
/// of it was written: dropping the handler's future rolls back any open transaction. A request
/// whose write has already passed its commit point (released into a group commit, or COMMIT
/// sent) is not dropped: it answers with the write's real outcome, however late.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let commit_point = CommitPoint::default();
    let handler = commit_point.scope(next.run(request));
    tokio::pin!(handler);
    match tokio::time::timeout(state.config.request_timeout, &mut handler).await {
        Ok(response) => response,
        Err(_) if commit_point.passed() => {
            tracing::warn!("request ran past its timeout after its write was committing");
            handler.await
        }
        Err(_) => {
            tracing::warn!("request timed out");
            ApiError::Timeout.into_response()
        }
    }
}
