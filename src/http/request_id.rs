//! Request ids: kept from the client when well-formed, otherwise made; echoed on every response,
//! recorded on the request's tracing span and available to error bodies through a task-local.
//! The same task-local carries what the request log reports once it is known: the matched route
//! template and the signed-in account.

use std::sync::{Arc, OnceLock};

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::{http::request_log::PendingLine, types::Id};

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

pub const HEADER: &str = "x-request-id";

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// What the code handling a request learns about it on the way, for the request log.
#[derive(Debug)]
pub struct RequestContext {
    pub id: String,
    route: OnceLock<MatchedPath>,
    user: OnceLock<Id>,
}

impl RequestContext {
    /// The matched route template (`/api/v1/medications/{id}`), once routing has happened.
    pub fn route(&self) -> Option<&str> {
        self.route.get().map(MatchedPath::as_str)
    }

    /// The signed-in account, once a session has been read or signed in.
    pub fn user(&self) -> Option<&Id> {
        self.user.get()
    }
}

/// The id of the request being handled, if called within one.
pub fn current() -> Option<String> {
    CONTEXT.try_with(|context| context.id.clone()).ok()
}

/// The route template of the request being handled, if it matched one.
pub fn current_route() -> Option<MatchedPath> {
    CONTEXT
        .try_with(|context| context.route.get().cloned())
        .ok()
        .flatten()
}

/// Notes the matched route template; the first one noted wins.
pub fn record_route(route: MatchedPath) {
    let _ = CONTEXT.try_with(|context| context.route.set(route));
}

/// Notes the account the request is signed in as; the first one noted wins.
pub fn record_user(user: Id) {
    let _ = CONTEXT.try_with(|context| context.user.set(user));
}

fn is_acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The outermost layer: gives the request its id and span, and its line in the request log.
pub async fn layer(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable(v))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    // The span holds only the id: its fields are formatted when it opens and copied into every
    // line of the request, and the request's own line carries the method, route and path.
    let span = tracing::info_span!("request", request_id = %id);
    let header = HeaderValue::from_str(&id).ok();
    let context = Arc::new(RequestContext {
        id,
        route: OnceLock::new(),
        user: OnceLock::new(),
    });
    // Dropped unanswered (the client went away), the pending line is written with status 499.
    let line = PendingLine::new(span.clone(), context.clone(), &request);
    let mut response = CONTEXT
        .scope(context, next.run(request).instrument(span))
        .await;
    if let Some(value) = header {
        response.headers_mut().insert(HEADER, value);
    }
    line.written_when_sent(response)
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn client_ids_must_be_short_and_plain() {
        assert!(is_acceptable("abc-123_X.y"));
        assert!(is_acceptable(&"a".repeat(64)));
        assert!(!is_acceptable(&"a".repeat(65)));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("a b"));
        assert!(!is_acceptable("a\nb"));
    }
}
