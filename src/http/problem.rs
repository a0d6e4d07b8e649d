//! The safety net that keeps the error format uniform: any 4xx/5xx that leaves the router without a
//! problem+json body (axum's 405, a body-limit 413, a panic's 500, ...) is rewritten into one.

use axum::{
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::{ApiError, problem_response};

pub async fn layer(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut replacement = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed.into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge.into_response(),
        StatusCode::NOT_FOUND => ApiError::NotFound.into_response(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType.into_response(),
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!("internal error without a cause (a panic or a failed session save)");
            problem_response(
                status,
                "internal_error",
                "an internal error occurred".into(),
            )
        }
        other => problem_response(
            other,
            if other.is_server_error() {
                "internal_error"
            } else {
                "bad_request"
            },
            other.canonical_reason().unwrap_or("error").to_lowercase(),
        ),
    };
    // Keep the original's headers (Allow on a 405, cookies, ...) except those describing the body.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    replacement
}

/// The router's fallback: unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
