//! The one source of the error responses in the API document: every code the server answers,
//! with the error it answers it with (each example's status, code and body come from that error),
//! and the codes each operation answers beyond those its shape implies. [`super::conventions`]
//! turns both into responses; route annotations declare only their successes.

use crate::{
    error::ApiError,
    limits::{Collection, LimitReached, LogKind},
};

/// An error code as the document shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    MalformedJson,
    Unauthenticated,
    InvalidCredentials,
    OriginNotAllowed,
    NotFound,
    MethodNotAllowed,
    EmailTaken,
    DuplicateName,
    MedicationInUse,
    DoctorInUse,
    ScheduleOverlap,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    MedicationInactive,
    SymptomTypeInactive,
    QuotaExceeded,
    DailyLimitReached,
    AccountLocked,
    RateLimited,
    InternalError,
    Unavailable,
    Timeout,
}

use Code::*;

/// Every code, in the order of the document's component list.
pub const ALL: &[Code] = &[
    MalformedJson,
    Unauthenticated,
    InvalidCredentials,
    OriginNotAllowed,
    NotFound,
    MethodNotAllowed,
    EmailTaken,
    DuplicateName,
    MedicationInUse,
    DoctorInUse,
    ScheduleOverlap,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    MedicationInactive,
    SymptomTypeInactive,
    QuotaExceeded,
    DailyLimitReached,
    AccountLocked,
    RateLimited,
    InternalError,
    Unavailable,
    Timeout,
];

/// The codes an operation answers besides those of its shape (see `conventions::shape_codes`),
/// by `operationId`. A route with a code of its own adds it here.
pub const OWN_CODES: &[(&str, &[Code])] = &[
    ("register", &[EmailTaken, RateLimited]),
    ("login", &[InvalidCredentials, AccountLocked, RateLimited]),
    ("start_demo", &[RateLimited]),
    // Confirming the password draws on the same per-address budget as signing in.
    ("change_password", &[AccountLocked, RateLimited]),
    ("delete_account", &[AccountLocked, RateLimited]),
    ("create_medication", &[DuplicateName, QuotaExceeded]),
    ("update_medication", &[DuplicateName]),
    ("delete_medication", &[MedicationInUse]),
    (
        "create_medication_log",
        &[MedicationInactive, QuotaExceeded, DailyLimitReached],
    ),
    (
        "update_medication_log",
        &[MedicationInactive, DailyLimitReached],
    ),
    ("create_symptom_type", &[DuplicateName, QuotaExceeded]),
    ("update_symptom_type", &[DuplicateName]),
    (
        "create_symptom_log",
        &[SymptomTypeInactive, QuotaExceeded, DailyLimitReached],
    ),
    (
        "update_symptom_log",
        &[SymptomTypeInactive, DailyLimitReached],
    ),
    ("create_condition", &[DuplicateName, QuotaExceeded]),
    ("update_condition", &[DuplicateName]),
    ("create_doctor", &[QuotaExceeded]),
    ("delete_doctor", &[DoctorInUse]),
    (
        "create_schedule",
        &[MedicationInactive, ScheduleOverlap, QuotaExceeded],
    ),
    ("update_schedule", &[MedicationInactive, ScheduleOverlap]),
];

/// The responses many operations share, as components referenced by name. An operation whose
/// codes of one status are exactly one of these refers to it; any other mix is written inline.
/// `MethodNotAllowed` belongs to no operation (a method the document lists is allowed): it is
/// here so that the document shows what a wrong method is answered with.
pub const SHARED: &[(&str, &[Code])] = &[
    ("MalformedJson", &[MalformedJson]),
    ("Unauthenticated", &[Unauthenticated]),
    ("OriginNotAllowed", &[OriginNotAllowed]),
    ("NotFound", &[NotFound]),
    ("MethodNotAllowed", &[MethodNotAllowed]),
    ("PayloadTooLarge", &[PayloadTooLarge]),
    ("UnsupportedMediaType", &[UnsupportedMediaType]),
    ("ValidationFailed", &[ValidationFailed]),
    ("RateLimited", &[RateLimited]),
    ("InternalError", &[InternalError]),
    ("Unavailable", &[Unavailable, Timeout]),
];

/// The request id every example carries.
pub const EXAMPLE_REQUEST_ID: &str = "0193b0a4-7d2c-7a51-8c3e-5f1e2d3c4b5a";

impl Code {
    /// The error as the server builds it where this code is answered.
    pub fn error(self) -> ApiError {
        match self {
            MalformedJson => ApiError::MalformedJson("expected value at line 1 column 1".into()),
            Unauthenticated => ApiError::Unauthenticated,
            InvalidCredentials => ApiError::InvalidCredentials,
            OriginNotAllowed => ApiError::OriginNotAllowed,
            NotFound => ApiError::NotFound,
            MethodNotAllowed => ApiError::MethodNotAllowed,
            EmailTaken => ApiError::Conflict {
                code: "email_taken",
                detail: "an account with this email already exists".into(),
            },
            DuplicateName => ApiError::Conflict {
                code: "duplicate_name",
                detail: "an item with this name already exists".into(),
            },
            MedicationInUse => ApiError::Conflict {
                code: "medication_in_use",
                detail: "logs refer to this medication; deactivate it instead".into(),
            },
            DoctorInUse => ApiError::Conflict {
                code: "doctor_in_use",
                detail: "this doctor is linked to a condition or prescribes a medication: \
                         unlink them first"
                    .into(),
            },
            ScheduleOverlap => ApiError::Conflict {
                code: "schedule_overlap",
                detail: "another schedule of this medication covers one of these dates".into(),
            },
            PayloadTooLarge => ApiError::PayloadTooLarge,
            UnsupportedMediaType => ApiError::UnsupportedMediaType,
            ValidationFailed => ApiError::field("severity", "must be between 1 and 10"),
            MedicationInactive => ApiError::Rule {
                code: "medication_inactive",
                field: "medication_id",
                detail: "this medication is inactive; activate it to log doses".into(),
            },
            SymptomTypeInactive => ApiError::Rule {
                code: "symptom_type_inactive",
                field: "symptom_type_id",
                detail: "this symptom type is inactive: activate it before logging it".into(),
            },
            QuotaExceeded => ApiError::LimitReached(LimitReached::Quota {
                collection: Collection::Medications,
                limit: Collection::Medications.limit(false),
            }),
            DailyLimitReached => ApiError::LimitReached(LimitReached::Daily {
                kind: LogKind::Medication,
            }),
            AccountLocked => ApiError::AccountLocked {
                retry_after_secs: 840,
            },
            RateLimited => ApiError::RateLimited {
                retry_after_secs: 6,
            },
            InternalError => ApiError::internal("example"),
            Unavailable => ApiError::Unavailable,
            Timeout => ApiError::Timeout,
        }
    }

    /// When the server answers it, for the response's description.
    pub fn meaning(self) -> &'static str {
        match self {
            MalformedJson => {
                "the body is not valid JSON, or has no bytes where the operation needs one"
            }
            Unauthenticated => "no session, or it expired or was ended",
            InvalidCredentials => "the email or password is wrong (the same answer for both)",
            OriginNotAllowed => "the `Origin` header names another site; nothing changed",
            NotFound => {
                "no such record in this account (also for a path id that is not a UUID, and for \
                 another account's record)"
            }
            MethodNotAllowed => {
                "the path exists, but not with this method; `Allow` lists those it has"
            }
            EmailTaken => "an account with this email exists",
            DuplicateName => {
                "the account already has a record of this name (names compare case-insensitively)"
            }
            MedicationInUse => "logs refer to the medication; deactivate it instead",
            DoctorInUse => {
                "the doctor is linked to a condition or prescribes a medication; nothing was \
                 deleted"
            }
            ScheduleOverlap => {
                "another schedule of this medication shares a date (whatever their weekdays)"
            }
            PayloadTooLarge => "the body is over 64 KiB",
            UnsupportedMediaType => {
                "a body was sent without `Content-Type: application/json` (also where the \
                 operation reads none)"
            }
            ValidationFailed => {
                "`errors` names every bad field or query parameter (an unknown body field, and a \
                 reference to a record that is not the account's own, are bad fields)"
            }
            MedicationInactive => "the medication named is inactive; activate it first",
            SymptomTypeInactive => "the symptom type named is inactive; activate it first",
            QuotaExceeded => {
                "the account already holds as many records of this kind as it may (`errors` \
                 names the kind); nothing was written"
            }
            DailyLimitReached => {
                "the log's local day already holds as many logs of this kind as a day may \
                 (`errors` names the time field); nothing was written"
            }
            AccountLocked => {
                "too many failed password checks for this email; `Retry-After` says when to try \
                 again, and nothing was changed"
            }
            RateLimited => {
                "too many requests from this client address (sign-in, registration, demo and \
                 password checks) or from this account (`/api/v1`); `Retry-After` says when to \
                 try again"
            }
            InternalError => "logged with the `request_id` the body carries",
            Unavailable => {
                "the database did not answer in time or refused the write; nothing was written, \
                 try again after `Retry-After`"
            }
            Timeout => {
                "the request ran longer than the server allows (`REQUEST_TIMEOUT_SECS`); nothing \
                 was written"
            }
        }
    }

    /// The machine code as the body carries it.
    pub fn name(self) -> &'static str {
        self.error().code()
    }

    pub fn status(self) -> u16 {
        self.error().status().as_u16()
    }
}

/// The codes `operation_id` adds to those of its shape.
pub fn own_codes(operation_id: &str) -> &'static [Code] {
    OWN_CODES
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map_or(&[], |(_, codes)| codes)
}

/// The code the body `code` names, if the catalogue has it.
pub fn by_name(name: &str) -> Option<Code> {
    ALL.iter().copied().find(|code| code.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_each_code_once_and_in_order() {
        let mut sorted = ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted, ALL,
            "ALL lists every variant once, in declaration order"
        );
        let mut names: Vec<&str> = ALL.iter().map(|code| code.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "two variants share a machine code");
        for code in ALL {
            assert_eq!(by_name(code.name()), Some(*code));
        }
    }

    #[test]
    fn every_operation_is_listed_once_with_each_code_once() {
        for (operation, codes) in OWN_CODES {
            let mut sorted = codes.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), codes.len(), "{operation} lists a code twice");
        }
        let mut ids: Vec<&str> = OWN_CODES.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), OWN_CODES.len(), "an operation is listed twice");
    }

    #[test]
    fn every_listed_operation_exists() {
        let document = serde_json::to_value(crate::app::openapi_document()).expect("JSON");
        let mut ids = Vec::new();
        for item in document["paths"].as_object().into_iter().flatten() {
            for operation in item.1.as_object().into_iter().flatten() {
                ids.extend(operation.1["operationId"].as_str());
            }
        }
        for (id, _) in OWN_CODES {
            assert!(
                ids.contains(id),
                "no operation `{id}`: rename it in OWN_CODES"
            );
        }
    }

    #[test]
    fn shared_responses_hold_codes_of_one_status() {
        for (name, codes) in SHARED {
            let statuses: Vec<u16> = codes.iter().map(|c| c.status()).collect();
            assert!(
                statuses.windows(2).all(|pair| pair[0] == pair[1]),
                "{name}: {statuses:?}"
            );
        }
    }

    #[test]
    fn rule_examples_name_a_field_and_conflicts_none() {
        for code in ALL {
            let problem = code.error().problem(None);
            match code.status() {
                422 => assert!(problem.errors.is_some_and(|e| !e.is_empty()), "{code:?}"),
                _ => assert!(problem.errors.is_none(), "{code:?}"),
            }
        }
    }
}
