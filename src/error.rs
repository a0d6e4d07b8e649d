//! `ApiError`: the one error type at the HTTP edge, rendered as RFC 9457 problem+json.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

use crate::{db::DbError, http::request_id, limits::LimitReached};

/// One problem with one input field, listed in a 422's `errors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    #[schema(example = "severity")]
    pub field: String,
    #[schema(example = "must be between 1 and 10")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Unprocessable Content", "status": 422,
    "code": "validation_failed", "detail": "1 field is invalid", "request_id": "0193b0a4-7d2c-7a51-8c3e-5f1e2d3c4b5a",
    "errors": [{"field": "severity", "message": "must be between 1 and 10"}]}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// Stable snake_case machine code.
    pub code: &'static str,
    pub detail: String,
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// How long a client is asked to wait after a 503 `unavailable`: about one busy timeout or
/// connection wait, long enough for a passing fault to clear.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{}", count_fields(.0))]
    Validation(Vec<FieldError>),
    /// A 422 with its own code (`medication_inactive`, ...) and the field it concerns.
    #[error("{detail}")]
    Rule {
        code: &'static str,
        field: &'static str,
        detail: String,
    },
    /// `quota_exceeded` (the account holds its quota of a collection) or `daily_limit_reached`
    /// (the log's day holds its quota of logs), naming the collection or the time field.
    #[error("{0}")]
    LimitReached(LimitReached),
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request bodies must be sent as application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("the resource does not exist")]
    NotFound,
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    #[error("sign in to use this resource")]
    Unauthenticated,
    #[error("the email or password is incorrect")]
    InvalidCredentials,
    #[error("a valid bearer token is required")]
    MetricsUnauthorized,
    #[error(
        "too many failed sign-ins: this email is locked; try again in {retry_after_secs} seconds"
    )]
    AccountLocked { retry_after_secs: u64 },
    #[error("too many requests: try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("requests from this origin are not allowed")]
    OriginNotAllowed,
    #[error("the request took too long")]
    Timeout,
    #[error("the service is temporarily unavailable")]
    Unavailable,
    #[error("an internal error occurred")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn count_fields(errors: &[FieldError]) -> String {
    match errors.len() {
        1 => "1 field is invalid".to_owned(),
        n => format!("{n} fields are invalid"),
    }
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::Rule { .. } | Self::LimitReached(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthenticated | Self::InvalidCredentials | Self::MetricsUnauthorized => {
                StatusCode::UNAUTHORIZED
            }
            Self::AccountLocked { .. } => StatusCode::LOCKED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::Timeout | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::Rule { code, .. } | Self::Conflict { code, .. } => code,
            Self::LimitReached(LimitReached::Quota { .. }) => "quota_exceeded",
            Self::LimitReached(LimitReached::Daily { .. }) => "daily_limit_reached",
            Self::MalformedJson(_) => "malformed_json",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unauthenticated | Self::MetricsUnauthorized => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked { .. } => "account_locked",
            Self::RateLimited { .. } => "rate_limited",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The body this error is answered with (also the examples in the API document).
    pub fn problem(&self, request_id: Option<String>) -> Problem {
        let status = self.status();
        Problem {
            kind: "about:blank",
            title: title(status),
            status: status.as_u16(),
            code: self.code(),
            detail: self.to_string(),
            request_id,
            errors: self.field_errors(),
        }
    }

    fn field_errors(&self) -> Option<Vec<FieldError>> {
        match self {
            Self::Validation(errors) => Some(errors.clone()),
            Self::Rule { field, detail, .. } => Some(vec![FieldError::new(*field, detail.clone())]),
            Self::LimitReached(limit) => {
                let field = match limit {
                    LimitReached::Quota { collection, .. } => collection.name(),
                    LimitReached::Daily { kind } => kind.time_field(),
                };
                Some(vec![FieldError::new(field, limit.to_string())])
            }
            _ => None,
        }
    }
}

/// RFC 9110's names, where the `http` crate still has the older ones.
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

/// Builds the problem response for a status that has no richer error (axum's own rejections).
pub fn problem_response(status: StatusCode, code: &'static str, detail: String) -> Response {
    let problem = Problem {
        kind: "about:blank",
        title: title(status),
        status: status.as_u16(),
        code,
        detail,
        request_id: request_id::current(),
        errors: None,
    };
    render(status, &problem)
}

fn render(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(cause) = &self {
            // The cause is logged once, here, inside the request span; the client sees only the id.
            // The id is also a field of the event itself, so that the one line an operator looks
            // for after a 500 holds it even where spans are not recorded.
            tracing::error!(
                error = %cause,
                debug = ?cause,
                request_id = request_id::current().as_deref(),
                "internal error"
            );
        }
        let mut response = render(status, &self.problem(request_id::current()));
        let headers = response.headers_mut();
        match &self {
            Self::Unauthenticated | Self::InvalidCredentials => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Session"),
                );
            }
            Self::MetricsUnauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::AccountLocked { retry_after_secs } | Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::Unavailable => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unique { table } => match table.as_str() {
                "users" => Self::Conflict {
                    code: "email_taken",
                    detail: "an account with this email already exists".into(),
                },
                "medications" | "symptom_types" | "conditions" => Self::Conflict {
                    code: "duplicate_name",
                    detail: "an item with this name already exists".into(),
                },
                _ => Self::internal(DbError::Unique { table }),
            },
            DbError::Limit(limit) => Self::LimitReached(limit),
            DbError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            // Storage faults were logged, with their cause, where they were classified.
            err if err.is_unavailable() => Self::Unavailable,
            // Handlers check what a write refers to before writing, so a foreign key that still
            // fails names a row deleted in between: most often the account itself, deleted while
            // this request of its was in flight. The request answers as if the row were gone.
            DbError::ForeignKey(cause) => {
                tracing::info!(error = %cause, "a write referred to a row deleted meanwhile");
                Self::NotFound
            }
            other => Self::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
