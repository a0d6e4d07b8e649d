//! Security headers, `Cache-Control: no-store` for API answers, and the cross-site (Origin) check.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::ApiError, state::AppState, telemetry};

const JSON_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The printable report carries its own inline style sheet and nothing else.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
/// Swagger UI and ReDoc are served from the binary; they need our own scripts, styles, images
/// and workers, plus inline styles (both inject them), and nothing from another host.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let is_docs = path == "/docs"
        || path.starts_with("/docs/")
        || path == "/redoc"
        || path.starts_with("/redoc/");
    let csp = if is_docs {
        DOCS_CSP
    } else if path == "/api/v1/report" {
        REPORT_CSP
    } else {
        JSON_CSP
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if path.starts_with("/auth") || path.starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.is_production() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Refuses state-changing requests whose `Origin` is neither ours nor an allowed CORS origin.
/// Runs before routing, so unknown paths are refused the same way.
pub async fn origin_check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state && let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
        let own = match &state.config.public_origin {
            Some(public) => Some(public.clone()),
            None => request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|host| format!("http://{}", host.to_ascii_lowercase())),
        };
        let allowed = own.as_deref() == Some(origin.as_str())
            || state.config.cors_allowed_origins.contains(&origin);
        if !allowed {
            telemetry::security_event("origin_rejected", "medium");
            tracing::warn!(origin = %origin, "refused a cross-site request");
            return ApiError::OriginNotAllowed.into_response();
        }
    }
    next.run(request).await
}
