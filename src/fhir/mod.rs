//! The account as a FHIR R4 `Bundle` (`GET /api/v1/me/export/fhir`), the format clinics' systems
//! and personal health records import.

mod export;
pub mod mapping;
pub mod resources;
pub mod routes;
mod timing;
