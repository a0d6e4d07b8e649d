//! Reading request fields into validated values, collecting every problem for one 422.
//!
//! Handlers read each field with a parser from this module, then call [`Fields::finish`], which
//! also rejects every field nobody read (unknown fields, including server-owned ones).

use caseless::default_case_fold_str;
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::{
    error::{ApiError, FieldError},
    types::{Date, Id, Timestamp},
};

/// A PATCH field: JSON Merge Patch semantics.
#[derive(Clone, Debug, PartialEq)]
pub enum Patch<T> {
    Absent,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// The new value of an optional column, given its current value.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Absent => current,
            Self::Clear => None,
            Self::Set(value) => Some(value),
        }
    }

    /// The new value of a required column, given its current value (parsing refuses `null` for
    /// one, so `Clear` never reaches here and keeps it too).
    pub fn set_or_keep(self, current: T) -> T {
        match self {
            Self::Set(value) => value,
            Self::Absent | Self::Clear => current,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }
}

type Parsed<T> = Result<T, String>;

pub struct Fields {
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            map,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn has_errors_on(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    fn record<T>(&mut self, field: &str, parsed: Parsed<T>) -> Option<T> {
        parsed.map_err(|message| self.error(field, message)).ok()
    }

    /// A field that must be present and not null.
    pub fn required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Parsed<T>,
    ) -> Option<T> {
        match self.map.remove(field) {
            None => {
                self.error(field, "is required");
                None
            }
            Some(Value::Null) => {
                self.error(field, "must not be null");
                None
            }
            Some(value) => {
                let parsed = parse(&value);
                self.record(field, parsed)
            }
        }
    }

    /// A field that may be absent or null (both mean "not given").
    pub fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Parsed<T>,
    ) -> Option<T> {
        match self.map.remove(field) {
            None | Some(Value::Null) => None,
            Some(value) => {
                let parsed = parse(&value);
                self.record(field, parsed)
            }
        }
    }

    /// An optional text field: absent, null and blank all mean "no value".
    pub fn optional_text(&mut self, field: &str, max: usize, multiline: bool) -> Option<String> {
        self.optional(field, |v| optional_text(v, max, multiline))
            .flatten()
    }

    /// An optional name (`display_name`): absent, null and blank mean "none"; otherwise the
    /// rules of [`name`].
    pub fn optional_name(&mut self, field: &str, max: usize) -> Option<String> {
        self.optional(field, |v| optional_name(v, max)).flatten()
    }

    /// A PATCH of an optional name: `null` and blank clear it.
    pub fn patch_name(&mut self, field: &str, max: usize) -> Patch<String> {
        match self.patch(field, |v| optional_name(v, max)) {
            Patch::Set(None) | Patch::Clear => Patch::Clear,
            Patch::Set(Some(text)) => Patch::Set(text),
            Patch::Absent => Patch::Absent,
        }
    }

    /// A PATCH of a field the record must always have: `null` is refused.
    pub fn patch_required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&Value) -> Parsed<T>,
    ) -> Patch<T> {
        match self.map.remove(field) {
            None => Patch::Absent,
            Some(Value::Null) => {
                self.error(field, "must not be null");
                Patch::Absent
            }
            Some(value) => {
                let parsed = parse(&value);
                self.record(field, parsed).map_or(Patch::Absent, Patch::Set)
            }
        }
    }

    /// A PATCH of an optional field: `null` clears it.
    pub fn patch<T>(&mut self, field: &str, parse: impl FnOnce(&Value) -> Parsed<T>) -> Patch<T> {
        match self.map.remove(field) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Clear,
            Some(value) => {
                let parsed = parse(&value);
                self.record(field, parsed).map_or(Patch::Absent, Patch::Set)
            }
        }
    }

    /// A PATCH of an optional text field: `null` and blank clear it.
    pub fn patch_text(&mut self, field: &str, max: usize, multiline: bool) -> Patch<String> {
        match self.patch(field, |v| optional_text(v, max, multiline)) {
            Patch::Set(None) | Patch::Clear => Patch::Clear,
            Patch::Set(Some(text)) => Patch::Set(text),
            Patch::Absent => Patch::Absent,
        }
    }

    /// Fails with every collected problem, plus one per field that no parser read.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let mut unknown: Vec<String> = self.map.keys().cloned().collect();
        unknown.sort();
        for field in unknown {
            self.error(&field, "is not a known field");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

/// After [`Fields::finish`] succeeded, every `required` value is present; this states it without
/// a panic path.
pub fn present<T>(value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::internal("a required field was missing after validation"))
}

fn check_characters(text: &str, multiline: bool) -> Parsed<()> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => multiline,
            // CR only as part of CRLF.
            '\r' => multiline && chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Err("must not contain control characters".into());
        }
    }
    Ok(())
}

/// A required text value: trimmed, 1..=max Unicode scalar values, no control characters.
pub fn text(max: usize, multiline: bool) -> impl FnOnce(&Value) -> Parsed<String> {
    move |value| match optional_text(value, max, multiline)? {
        Some(text) => Ok(text),
        None => Err("must not be empty".into()),
    }
}

/// An optional text value: blank after trimming is `None`.
pub fn optional_text(value: &Value, max: usize, multiline: bool) -> Parsed<Option<String>> {
    let Value::String(raw) = value else {
        return Err("must be a string".into());
    };
    let trimmed = raw.trim();
    check_characters(trimmed, multiline)?;
    if trimmed.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

pub fn int_between(min: i32, max: i32) -> impl FnOnce(&Value) -> Parsed<i32> {
    move |value| {
        let message = || format!("must be an integer between {min} and {max}");
        let number = value.as_i64().ok_or_else(message)?;
        i32::try_from(number)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(message)
    }
}

pub fn boolean(value: &Value) -> Parsed<bool> {
    value
        .as_bool()
        .ok_or_else(|| "must be true or false".into())
}

pub fn id(value: &Value) -> Parsed<Id> {
    value
        .as_str()
        .and_then(Id::parse)
        .ok_or_else(|| "must be a UUID".into())
}

pub fn timestamp(value: &Value) -> Parsed<Timestamp> {
    value
        .as_str()
        .and_then(Timestamp::parse_rfc3339)
        .ok_or_else(|| "must be an RFC 3339 timestamp, such as 2026-11-27T08:30:00Z".into())
}

pub fn date(value: &Value) -> Parsed<Date> {
    value
        .as_str()
        .and_then(Date::parse)
        .ok_or_else(|| "must be a date in the form YYYY-MM-DD".into())
}

pub fn one_of(allowed: &'static [&'static str]) -> impl FnOnce(&Value) -> Parsed<&'static str> {
    move |value| {
        let raw = value.as_str().map(str::trim).unwrap_or_default();
        allowed
            .iter()
            .find(|a| **a == raw)
            .copied()
            .ok_or_else(|| format!("must be one of: {}", allowed.join(", ")))
    }
}

/// An IANA time zone name, returned in its canonical spelling.
pub fn timezone(value: &Value) -> Parsed<String> {
    let raw = value.as_str().ok_or("must be a string")?.trim();
    parse_timezone(raw)
        .ok_or_else(|| "must be an IANA time zone name, such as Europe/Berlin".into())
}

pub fn parse_timezone(raw: &str) -> Option<String> {
    if raw.is_empty() || raw.len() > 64 || raw.contains(['[', ']']) {
        return None;
    }
    let tz = jiff::tz::db().get(raw).ok()?;
    tz.iana_name().map(str::to_owned)
}

/// Characters Unicode counts as letters or symbols that render as nothing at all.
const BLANK_FILLERS: [char; 5] = ['\u{115F}', '\u{1160}', '\u{2800}', '\u{3164}', '\u{FFA0}'];

/// Whether `c` shows as something: not whitespace, not a separator, control or format character
/// (zero-width spaces and joiners are format characters), not a blank filler.
pub fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || BLANK_FILLERS.contains(&c)
        || matches!(c.general_category_group(), GeneralCategoryGroup::Separator)
        || matches!(
            c.general_category(),
            unicode_properties::GeneralCategory::Control
                | unicode_properties::GeneralCategory::Format
        ))
}

/// The embedding, override and isolate controls, which reorder what follows them on screen
/// ("Ibu\u{202E}profen" shows as something else than it is).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn check_name(text: &str) -> Parsed<()> {
    if text.chars().any(is_bidi_control) {
        return Err("must not contain bidirectional control characters".into());
    }
    if !text.chars().any(is_visible) {
        return Err("must contain a visible character".into());
    }
    Ok(())
}

/// A required name: a [`text`] value that contains a visible character and no bidirectional
/// control.
pub fn name(max: usize) -> impl FnOnce(&Value) -> Parsed<String> {
    move |value| {
        let text = text(max, false)(value)?;
        check_name(&text)?;
        Ok(text)
    }
}

/// An optional name: blank after trimming is `None`; anything else follows [`name`]'s rules.
pub fn optional_name(value: &Value, max: usize) -> Parsed<Option<String>> {
    let text = optional_text(value, max, false)?;
    if let Some(text) = &text {
        check_name(text)?;
    }
    Ok(text)
}

/// The per-account uniqueness key of a name: Unicode NFKC, then full case folding, of the trimmed
/// name. Compatibility forms ("Ａspirin", the ligature in "ﬁx"), composed and decomposed accents
/// and case all meet in one key; a second NFKC makes the result stable, since folding can undo a
/// normal form. Lists order by this key byte-wise, the same on both databases.
pub fn name_key(name: &str) -> String {
    let folded = default_case_fold_str(&name.trim().nfkc().collect::<String>());
    folded.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Fields {
        match value {
            Value::Object(map) => Fields::new(map),
            _ => Fields::new(Map::new()),
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut f = fields(json!({"name": "", "severity": 11, "owner": "x"}));
        let _ = f.required("name", text(100, false));
        let _ = f.required("severity", int_between(1, 10));
        let _ = f.required("missing", boolean);
        let Err(ApiError::Validation(errors)) = f.finish() else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["name", "severity", "missing", "owner"]);
    }

    #[test]
    fn text_is_trimmed_and_counted_in_scalar_values() {
        assert_eq!(text(3, false)(&json!("  äöü  ")), Ok("äöü".into()));
        assert!(text(3, false)(&json!("äöüß")).is_err());
        assert_eq!(optional_text(&json!("   "), 10, false), Ok(None));
    }

    #[test]
    fn control_characters_are_refused_except_newlines_in_multiline_fields() {
        assert!(text(100, false)(&json!("a\nb")).is_err());
        assert!(text(100, true)(&json!("a\r\nb\tc")).is_ok());
        assert!(text(100, true)(&json!("a\rb")).is_err());
        assert!(text(100, true)(&json!("a\u{0}b")).is_err());
        assert!(text(100, true)(&json!("a\u{7f}b")).is_err());
    }

    #[test]
    fn integers_must_be_whole_and_in_range() {
        let parse = |v| int_between(1, 10)(&v);
        assert_eq!(parse(json!(1)), Ok(1));
        assert_eq!(parse(json!(10)), Ok(10));
        assert!(parse(json!(0)).is_err());
        assert!(parse(json!(11)).is_err());
        assert!(parse(json!(5.5)).is_err());
        assert!(parse(json!("5")).is_err());
        assert!(parse(json!(4_294_967_297_i64)).is_err());
    }

    #[test]
    fn patch_distinguishes_absent_null_and_value() {
        let mut f = fields(json!({"notes": null, "dosage": "  ", "form": "tablet"}));
        assert_eq!(f.patch_text("notes", 10, true), Patch::Clear);
        assert_eq!(f.patch_text("dosage", 10, false), Patch::Clear);
        assert_eq!(f.patch_text("form", 10, false), Patch::Set("tablet".into()));
        assert_eq!(f.patch_text("purpose", 10, false), Patch::Absent);
        assert!(f.finish().is_ok());
    }

    #[test]
    fn time_zones_are_canonical_iana_names() {
        assert_eq!(
            parse_timezone("Europe/Berlin").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(parse_timezone("UTC").as_deref(), Some("UTC"));
        assert_eq!(parse_timezone("Mars/Olympus"), None);
        assert_eq!(parse_timezone(""), None);
    }

    #[test]
    fn name_keys_fold_unicode_case() {
        assert_eq!(name_key(" Ärzte "), name_key("ärzte"));
    }

    #[test]
    fn name_keys_fold_look_alikes_into_one() {
        for (a, b) in [
            ("Ａspirin", "aspirin"),
            ("ASPIRIN", "aspirin"),
            ("Cafe\u{301}", "Café"),
            ("ﬁx", "fix"),
            ("Straße", "STRASSE"),
        ] {
            assert_eq!(name_key(a), name_key(b), "{a} / {b}");
        }
        assert_eq!(name_key("Ａspirin"), "aspirin");
        assert_ne!(name_key("aspirin"), name_key("asprin"));
        // Idempotent, so that recomputing a stored key changes nothing.
        for name in ["Ａspirin", "Café", "ﬁx", "ǅ", "ΐ", "ẞ"] {
            assert_eq!(name_key(&name_key(name)), name_key(name), "{name}");
        }
    }

    #[test]
    fn names_need_a_visible_character_and_no_bidi_control() {
        let parse = |raw: &str| name(100)(&json!(raw));
        assert_eq!(parse(" Ibuprofen "), Ok("Ibuprofen".into()));
        assert_eq!(parse("Ä"), Ok("Ä".into()));
        for raw in [
            "\u{200B}",
            "\u{200B}\u{200D}",
            "\u{2800}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{00A0}",
            "\u{2028}",
            "\u{FEFF}",
            "Ibu\u{202E}profen",
            "\u{2066}x\u{2069}",
        ] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
        assert_eq!(optional_name(&json!("  "), 80), Ok(None));
        assert!(optional_name(&json!("\u{200B}"), 80).is_err());
    }
}
