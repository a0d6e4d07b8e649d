//! Query-string parameters, read one by one like body fields so that every bad parameter is
//! reported in one 422. Parameters the route does not know are ignored (browsers and proxies add
//! cache-busters), unlike unknown body fields, which are refused.

use std::{borrow::Cow, collections::HashMap};

use axum::{
    extract::{FromRequestParts, Query},
    http::request::Parts,
};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};

use crate::{
    error::{ApiError, FieldError},
    input,
    pagination::{Cursor, DEFAULT_LIMIT, MAX_LIMIT},
    types::{Date, Id, Timestamp},
};

pub struct QueryParams {
    values: HashMap<String, String>,
    errors: Vec<FieldError>,
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(values) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::field("query", "the query string is not valid"))?;
        Ok(Self::new(values))
    }
}

impl QueryParams {
    pub fn new(values: HashMap<String, String>) -> Self {
        Self {
            values,
            errors: Vec::new(),
        }
    }

    fn read<T>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let raw = self.values.get(name)?;
        match parse(raw) {
            Ok(value) => Some(value),
            Err(message) => {
                self.errors.push(FieldError::new(name, message));
                None
            }
        }
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        self.read(name, |raw| match raw {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false".into()),
        })
    }

    pub fn id(&mut self, name: &str) -> Option<Id> {
        self.read(name, |raw| {
            Id::parse(raw).ok_or_else(|| "must be a UUID".into())
        })
    }

    pub fn timestamp(&mut self, name: &str) -> Option<Timestamp> {
        self.read(name, |raw| {
            Timestamp::parse_rfc3339(raw).ok_or_else(|| "must be an RFC 3339 timestamp".into())
        })
    }

    /// `from` (inclusive) and `to` (exclusive); `to` before `from` is refused.
    pub fn time_range(&mut self) -> (Option<Timestamp>, Option<Timestamp>) {
        let (from, to) = (self.timestamp("from"), self.timestamp("to"));
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            self.error("to", "must not be before from");
        }
        (from, to)
    }

    pub fn date(&mut self, name: &str) -> Option<Date> {
        self.read(name, |raw| {
            Date::parse(raw).ok_or_else(|| "must be a date in the form YYYY-MM-DD".into())
        })
    }

    pub fn timezone(&mut self, name: &str) -> Option<String> {
        self.read(name, |raw| {
            input::parse_timezone(raw.trim())
                .ok_or_else(|| "must be an IANA time zone name, such as Europe/Berlin".into())
        })
    }

    /// One of a fixed set of words, such as `day` or `week`.
    pub fn one_of<T: Copy>(&mut self, name: &str, choices: &[(&str, T)]) -> Option<T> {
        self.read(name, |raw| {
            choices
                .iter()
                .find(|(word, _)| *word == raw)
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
                    format!("must be one of: {}", words.join(", "))
                })
        })
    }

    /// A [`SearchTerm`]: trimmed, at most [`SEARCH_TERM_MAX`] characters; blank means "no search".
    pub fn search(&mut self, name: &str) -> Option<String> {
        self.read(name, |raw| {
            input::optional_text(
                &serde_json::Value::String(raw.to_owned()),
                SEARCH_TERM_MAX,
                false,
            )
        })
        .flatten()
    }

    /// `limit` (1..=100, default 20).
    pub fn limit(&mut self) -> i64 {
        self.read("limit", |raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| format!("must be a whole number from 1 to {MAX_LIMIT}"))
        })
        .unwrap_or(DEFAULT_LIMIT)
    }

    /// `cursor`, as returned in a previous page's `next_cursor`.
    pub fn cursor(&mut self) -> Option<Cursor> {
        self.read("cursor", |raw| {
            Cursor::decode(raw).ok_or_else(|| "is not a valid cursor".into())
        })
    }

    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(name, message));
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

/// The longest search term, counted after trimming: the names searched are no longer.
pub const SEARCH_TERM_MAX: usize = 100;

/// Unicode's white space: what trimming removes from either end of a string.
const WHITESPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// A search term (`q`) as clients see it. The server trims it, then refuses control characters and
/// more than [`SEARCH_TERM_MAX`] characters, so the pattern allows white space (control characters
/// among it) at either end and bounds only what lies between: a `maxLength` would count the white
/// space trimmed away, and the document would refuse terms the server accepts.
pub struct SearchTerm;

impl PartialSchema for SearchTerm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(format!(
                "Trimmed, then at most {SEARCH_TERM_MAX} characters and no control characters."
            )))
            .pattern(Some(format!(
                r"^[{WHITESPACE}]*[^\u0000-\u001F\u007F-\u009F]{{0,{SEARCH_TERM_MAX}}}[{WHITESPACE}]*$"
            )))
            .into()
    }
}

impl ToSchema for SearchTerm {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SearchTerm")
    }
}
