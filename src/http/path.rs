//! Path ids. A path segment that is not a UUID is answered as 404 `not_found` (not 422), so the
//! API offers no oracle for what exists.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use crate::{error::ApiError, types::Id};

/// The single `{id}` of a route.
pub struct IdPath(pub Id);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        Id::parse(&raw).map(Self).ok_or(ApiError::NotFound)
    }
}

/// Two ids of a route, in path order (`/doctors/{doctor_id}/conditions/{condition_id}`).
pub struct IdPairPath(pub Id, pub Id);

impl<S: Send + Sync> FromRequestParts<S> for IdPairPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        match (Id::parse(&first), Id::parse(&second)) {
            (Some(a), Some(b)) => Ok(Self(a, b)),
            _ => Err(ApiError::NotFound),
        }
    }
}
