//! proptest strategies for hostile input: anything at all, and things that are nearly valid (the
//! inputs most likely to reach the deep end of a parser).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Any string, or one built from the characters that parsers treat specially.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \t\r\n\u{0}\u{7f}\u{85}\u{a0}\u{2028}\u{200b}a-zA-Z0-9Äßİς.@/:_+-]{0,40}",
        Just(String::new()),
        "[a-z]{0,3}".prop_map(|s| format!("  {s}\t\r\n")),
    ]
}

pub fn email_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[ ]{0,2}[a-zA-Z0-9._%+-]{1,70}@[a-zA-Z0-9-]{1,20}(\\.[a-zA-Z]{2,6}){1,3}[ ]{0,2}",
        "[a-zA-Z0-9]{1,10}@demo\\.invalid",
        "[^@]{0,20}@[^@]{0,20}",
        "[a-z]{60,70}\\.[a-z]{60,70}@[a-z]{60,70}\\.[a-z]{50,70}\\.com",
    ]
}

pub fn password_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        any::<String>().prop_map(|s| s.chars().take(200).collect()),
        "[a-z]{3,9}( [a-z]{3,9}){2,5}( [0-9]{1,3})?",
        "[\\PC]{120,135}",
    ]
}

pub fn timezone_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        prop::sample::select(vec![
            "UTC",
            "utc",
            " Europe/Berlin ",
            "europe/berlin",
            "Europe/Berlin",
            "Etc/GMT+5",
            "America/Argentina/Buenos_Aires",
            "EST5EDT",
            "Mars/Olympus",
            "../../etc/passwd",
            "Europe/Berlin[x]",
            "posix/Europe/Berlin",
            "right/UTC",
            "Asia/Kolkata",
            "Z",
            "+01:00",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z_]{1,14}(/[A-Za-z_+-]{1,14}){0,2}",
    ]
}

pub fn timestamp_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[+-]?[0-9]{4,6}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?(\\[[A-Za-z/]{0,10}\\])?",
        // Valid field ranges, so that parsing reaches the calendar and rendering: any year
        // (signed six-digit ones too), leap seconds, every offset, lower-case separators.
        "([+-]00[0-9]{4}|[0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9](:[0-5][0-9])?)",
    ]
}

pub fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
        "([+-]00[0-9]{4}|[0-9]{4})-(0[1-9]|1[0-2])-[0-3][0-9]",
        prop::sample::select(vec![
            "2026-W48-5",
            "2026-W481",
            "2026-331",
            "20261127",
            "2026/11/27",
            "2026-02-29",
            "2024-02-29",
            "0000-00-00",
            "2026-11-27T",
            "2026-11-27Z",
            " 2026-11-2",
            "٢٠٢٦-١١-٢٧",
        ])
        .prop_map(str::to_owned),
    ]
}

pub fn uuid_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[0-9a-fA-F{}-]{30,40}",
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).hyphenated().to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).simple().to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).urn().to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n)
            .hyphenated()
            .to_string()
            .to_uppercase()),
    ]
}

pub fn cursor_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "[A-Za-z0-9_=+/-]{0,140}",
        (any::<i64>(), uuid_like())
            .prop_map(|(ms, id)| URL_SAFE_NO_PAD.encode(format!("v1:{ms}:{id}"))),
        (text(), text()).prop_map(|(a, b)| URL_SAFE_NO_PAD.encode(format!("v1:{a}:{b}"))),
        prop::collection::vec(any::<u8>(), 0..100).prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
    ]
}

/// Any string a client could send as one field or parameter.
pub fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        email_like(),
        timezone_like(),
        timestamp_like(),
        date_like(),
        uuid_like(),
        cursor_like(),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-20_i64..20).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "-?[0-9]{1,30}(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?"
            .prop_filter_map("a JSON number", |s| serde_json::from_str::<Value>(&s).ok()),
    ]
}

/// Any JSON value, a few levels deep.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        any_input().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A JSON object whose keys are mostly `fields` (sometimes with other keys), each holding a
/// nearly valid string or any JSON value.
pub fn object_with(fields: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![
        4 => prop::sample::select(fields).prop_map(str::to_owned),
        1 => text(),
    ];
    let value = prop_oneof![
        3 => any_input().prop_map(Value::String),
        1 => password_like().prop_map(Value::String),
        2 => json(),
    ];
    prop::collection::vec((key, value), 0..7).prop_map(|pairs| pairs.into_iter().collect())
}
