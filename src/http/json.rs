//! `JsonObject` and `OptionalJsonObject`: the request-body extractors. They answer in the API's
//! error format for every way a body can be wrong (media type, size, syntax, not an object, and
//! for a required body, no bytes at all), and hand the handler a `serde_json::Map`, so that field
//! errors can be collected all at once by [`crate::input::Fields`].

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderMap, Method, StatusCode, header},
};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Refuses a declared oversized body before anything reads it; a body without a length (chunked)
/// is cut off at the same size by `DefaultBodyLimit` when an extractor reads it.
pub async fn content_length_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::state::BODY_LIMIT_BYTES as u64) {
        return axum::response::IntoResponse::into_response(ApiError::PayloadTooLarge);
    }
    next.run(request).await
}

/// A changing request that carries a body must declare it as JSON, whether or not its route reads
/// one (so `POST /auth/demo` with a form body is 415 too, not silently accepted).
pub async fn json_bodies_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let headers = request.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    if changes_state && has_body && !is_json_content_type(headers) {
        return axum::response::IntoResponse::into_response(ApiError::UnsupportedMediaType);
    }
    next.run(request).await
}

pub struct JsonObject(pub Map<String, Value>);

pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Zero bytes are not a JSON text: a route that needs a body says so instead of reading
        // nothing as `{}` (which would make an empty PATCH a silent success).
        match read_object(req, state).await? {
            Some(map) => Ok(Self(map)),
            None => Err(ApiError::MalformedJson(
                "the body is empty, and this route needs a JSON object".into(),
            )),
        }
    }
}

/// The body of a route where it is optional (a demo account deletes itself without one): zero
/// bytes read as `{}`, anything else must be a JSON object like any other body.
pub struct OptionalJsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(read_object(req, state).await?.unwrap_or_default()))
    }
}

/// Reads the body as one JSON object; `None` when it has no bytes at all. Whitespace alone is a
/// body, and not a JSON text (400).
async fn read_object<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let json = is_json_content_type(req.headers());
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::MalformedJson("the request body could not be read".into())
        }
    })?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(ApiError::field("body", "must be a JSON object")),
        Err(err) => Err(ApiError::MalformedJson(err.to_string())),
    }
}
