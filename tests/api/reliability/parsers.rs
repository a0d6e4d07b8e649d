//! Property tests of every input parser: arbitrary strings and numbers never panic, and each
//! either parses into a value that keeps the parser's promises or gives a field error.
//! `PROPTEST_CASES` raises the number of cases (256 by default; `.ci/run` runs a longer round).

use std::collections::{HashMap, HashSet};

use medtracker::{
    auth::{
        email::{Email, mask},
        password::Password,
    },
    error::ApiError,
    http::query::QueryParams,
    input::{self, Fields, Patch},
    pagination::{Cursor, MAX_LIMIT},
    types::{Date, Id, Timestamp},
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::strategies::{
    any_input, cursor_like, date_like, email_like, json, object_with, password_like, text,
    timestamp_like, timezone_like, uuid_like,
};

/// The fields named in a validation error.
fn error_fields(result: Result<(), ApiError>) -> Option<Vec<String>> {
    match result {
        Ok(()) => None,
        Err(ApiError::Validation(errors)) => Some(errors.into_iter().map(|e| e.field).collect()),
        Err(other) => panic!("not a validation error: {other:?}"),
    }
}

fn allowed_char(c: char, multiline: bool) -> bool {
    !c.is_control() || (multiline && matches!(c, '\n' | '\t' | '\r'))
}

proptest! {
    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters(
        raw in text(), max in 0_usize..60, multiline in any::<bool>(),
    ) {
        match input::text(max, multiline)(&json!(raw)) {
            Ok(text) => {
                prop_assert_eq!(text.trim(), text.as_str());
                prop_assert!(!text.is_empty());
                prop_assert!(text.chars().count() <= max);
                prop_assert!(text.chars().all(|c| allowed_char(c, multiline)), "{:?}", text);
                prop_assert_eq!(input::text(max, multiline)(&json!(text)), Ok(text.clone()));
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
        match input::optional_text(&json!(raw), max, multiline) {
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Ok(Some(text)) => prop_assert_eq!(input::text(max, multiline)(&json!(raw)), Ok(text)),
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }

    #[test]
    fn parsers_of_json_values_never_panic(value in json(), min in any::<i32>(), span in 0_i32..1000) {
        let max = min.saturating_add(span);
        if let Ok(n) = input::int_between(min, max)(&value) {
            prop_assert!((min..=max).contains(&n));
            prop_assert_eq!(value.as_i64(), Some(i64::from(n)));
        }
        prop_assert_eq!(input::boolean(&value).ok(), value.as_bool());
        let _ = input::text(100, true)(&value);
        let _ = input::optional_text(&value, 100, false);
        let _ = input::id(&value);
        let _ = input::timestamp(&value);
        let _ = input::date(&value);
        let _ = input::timezone(&value);
        if let Ok(choice) = input::one_of(&["active", "resolved"])(&value) {
            prop_assert!(["active", "resolved"].contains(&choice));
        }
    }

    #[test]
    fn ids_parse_only_the_canonical_form_and_round_trip(raw in uuid_like()) {
        let parsed = Id::parse(&raw);
        prop_assert_eq!(input::id(&json!(raw)).ok(), parsed);
        if let Some(id) = parsed {
            prop_assert!(raw.eq_ignore_ascii_case(&id.to_string()));
            prop_assert_eq!(Id::parse(&id.to_string()), Some(id));
        }
    }

    #[test]
    fn timestamps_round_trip_through_their_rendering(raw in timestamp_like()) {
        let parsed = Timestamp::parse_rfc3339(&raw);
        prop_assert_eq!(input::timestamp(&json!(raw)).ok(), parsed);
        if let Some(ts) = parsed {
            let rendered = ts.to_string();
            // The one form the API writes: `2026-11-27T08:30:00.123Z`.
            prop_assert_eq!(rendered.len(), 24, "{} -> {}", raw, rendered);
            prop_assert!(rendered.ends_with('Z'), "{}", rendered);
            prop_assert_eq!(Timestamp::parse_rfc3339(&rendered), Some(ts), "{} -> {}", raw, rendered);
        }
    }

    #[test]
    fn timestamp_arithmetic_and_conversions_never_overflow(millis in any::<i64>(), delta in any::<i64>()) {
        let ts = Timestamp::from_millis(millis);
        let _ = ts.plus_secs(delta).to_string();
        let _ = ts.plus_millis(delta).to_string();
        let _ = Timestamp::from_offset_date_time(ts.to_offset_date_time());
        let _ = ts.to_jiff();
    }

    #[test]
    fn dates_are_strict_and_round_trip(raw in date_like()) {
        let parsed = Date::parse(&raw);
        prop_assert_eq!(input::date(&json!(raw)).ok(), parsed);
        if let Some(date) = parsed {
            prop_assert_eq!(date.to_string(), raw);
        }
    }

    #[test]
    fn time_zones_are_canonical_names(raw in timezone_like()) {
        if let Some(name) = input::parse_timezone(&raw) {
            prop_assert_eq!(input::parse_timezone(&name), Some(name.clone()));
        }
        if let Ok(name) = input::timezone(&json!(raw)) {
            prop_assert_eq!(input::parse_timezone(&name), Some(name.clone()));
        }
    }

    #[test]
    fn name_keys_ignore_surrounding_whitespace(raw in text()) {
        prop_assert_eq!(input::name_key(&format!(" \t{raw}\n ")), input::name_key(&raw));
    }

    #[test]
    fn emails_are_normalised_bounded_and_stable(raw in email_like()) {
        if let Ok(email) = Email::parse(&raw) {
            let value = email.as_str();
            prop_assert_eq!(value.trim(), value);
            prop_assert_eq!(value.to_lowercase(), value);
            prop_assert!(value.chars().count() <= 254);
            prop_assert!(value.contains('@') && !value.contains(char::is_whitespace));
            prop_assert_eq!(Email::parse(value), Ok(email.clone()));
            let (local, _) = value.rsplit_once('@').expect("an @");
            let shown = email.masked().split('…').next().unwrap_or_default().chars().count();
            prop_assert!(shown < local.chars().count(), "{} shows its whole local part", value);
        }
        let _ = mask(&raw);
    }

    #[test]
    fn passwords_keep_the_length_and_local_part_rules(raw in password_like(), email in email_like()) {
        if Password::new(&raw, &email).is_ok() {
            prop_assert!((12..=128).contains(&raw.chars().count()));
            let local = email.split('@').next().unwrap_or_default().to_lowercase();
            prop_assert!(local.chars().count() < 3 || !raw.to_lowercase().contains(&local));
        }
    }

    #[test]
    fn cursors_never_panic_and_round_trip(raw in cursor_like(), millis in any::<i64>(), id in any::<u128>()) {
        if let Some(cursor) = Cursor::decode(&raw) {
            prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        let cursor = Cursor { at: Timestamp::from_millis(millis), id: Id(uuid::Uuid::from_u128(id)) };
        prop_assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn query_parameters_parse_or_are_named_in_the_error(
        values in prop::collection::hash_map(
            prop::sample::select(vec!["limit", "cursor", "active", "id", "from", "date", "tz", "q", "other"])
                .prop_map(str::to_owned),
            any_input(),
            0..9,
        ),
    ) {
        let mut query = QueryParams::new(values.clone());
        let limit = query.limit();
        prop_assert!((1..=MAX_LIMIT).contains(&limit));
        let parsed: HashMap<&str, bool> = HashMap::from([
            ("limit", values.get("limit").is_none_or(|raw| raw.parse() == Ok(limit))),
            ("cursor", query.cursor().is_some()),
            ("active", query.boolean("active").is_some()),
            ("id", query.id("id").is_some()),
            ("from", query.timestamp("from").is_some()),
            ("date", query.date("date").is_some()),
            ("tz", query.timezone("tz").is_some()),
        ]);
        let _ = query.search("q");
        let named: HashSet<String> =
            error_fields(query.finish()).unwrap_or_default().into_iter().collect();
        for (name, ok) in parsed {
            let refused = values.contains_key(name) && !ok;
            prop_assert_eq!(refused, named.contains(name), "{}: {:?}", name, values.get(name));
        }
    }

    /// What every handler relies on: when `finish` succeeds, every required value is there (so
    /// `input::present` never turns bad input into a 500), and no value is dropped silently.
    #[test]
    fn fields_either_yield_every_value_or_name_every_problem(
        map in object_with(&["name", "severity", "notes", "when", "dosage", "timezone", "active", "day", "id", "status"]),
    ) {
        let given = |key: &str| map.get(key).is_some_and(|v| !v.is_null());
        let mut fields = Fields::new(map.clone());
        let name = fields.required("name", input::text(100, false));
        let severity = fields.optional("severity", input::int_between(1, 10));
        let notes = fields.optional_text("notes", 1000, true);
        let when = fields.patch("when", input::timestamp);
        let dosage = fields.patch_text("dosage", 50, false);
        let timezone = fields.patch_required("timezone", input::timezone);
        let active = fields.required("active", input::boolean);
        let day = fields.optional("day", input::date);
        let id = fields.optional("id", input::id);
        let status = fields.optional("status", input::one_of(&["active", "resolved"]));
        let outcome = error_fields(fields.finish());
        let Some(named) = outcome else {
            prop_assert!(name.is_some() && active.is_some());
            return Ok(());
        };
        prop_assert!(!named.is_empty());
        let named: HashSet<String> = named.into_iter().collect();
        let known = ["name", "severity", "notes", "when", "dosage", "timezone", "active", "day", "id", "status"];
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            prop_assert!(named.contains(key), "unknown field {:?} not reported", key);
        }
        let silently_dropped = [
            ("name", name.is_none()),
            ("active", active.is_none()),
            ("severity", given("severity") && severity.is_none()),
            ("notes", given("notes") && notes.is_none() && !is_blank(&map["notes"])),
            ("when", given("when") && when == Patch::Absent),
            ("dosage", given("dosage") && dosage == Patch::Absent),
            ("timezone", map.contains_key("timezone") && timezone == Patch::Absent),
            ("day", given("day") && day.is_none()),
            ("id", given("id") && id.is_none()),
            ("status", given("status") && status.is_none()),
        ];
        for (field, dropped) in silently_dropped {
            prop_assert!(!dropped || named.contains(field), "{} dropped without an error: {:?}", field, map.get(field));
        }
    }
}

fn is_blank(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.trim().is_empty())
}

#[test]
fn an_empty_body_names_every_required_field() {
    let mut fields = Fields::new(Map::new());
    let _ = fields.required("email", input::text(254, false));
    let _ = fields.required("password", input::text(128, false));
    assert_eq!(
        error_fields(fields.finish()),
        Some(vec!["email".to_owned(), "password".to_owned()])
    );
}
