//! Value types shared by the API and both databases: each one renders the same JSON and is stored
//! natively by each database (uuid/timestamptz/date on PostgreSQL; text/integer/text on SQLite).

use std::fmt;

use serde::{Serialize, Serializer};
use sqlx::{
    Decode, Encode, Postgres, Sqlite, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef},
    sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef},
};

/// A record id: a UUID v7, so ids sort by creation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub uuid::Uuid);

impl Id {
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    /// Path ids that are not UUIDs are answered as "not found" by the caller.
    pub fn parse(raw: &str) -> Option<Self> {
        // Only the canonical hyphenated form; `Uuid::parse_str` would also take braces and urn: forms.
        if raw.len() != 36 {
            return None;
        }
        uuid::Uuid::try_parse(raw).ok().map(Self)
    }
}

impl Default for Id {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Uuid,
            )))
            .examples([serde_json::json!("019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c")])
            .into()
    }
}
impl utoipa::ToSchema for Id {}

impl Type<Sqlite> for Id {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Id {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Id {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Self(uuid::Uuid::try_parse(text)?))
    }
}

impl Type<Postgres> for Id {
    fn type_info() -> PgTypeInfo {
        <uuid::Uuid as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Id {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <uuid::Uuid as Encode<'_, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Id {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<uuid::Uuid as Decode<'r, Postgres>>::decode(value)?))
    }
}

/// An instant in UTC with millisecond precision (the API truncates every input to milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_jiff(jiff::Timestamp::now())
    }

    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub fn as_millis(self) -> i64 {
        self.0
    }

    pub fn from_jiff(ts: jiff::Timestamp) -> Self {
        Self(ts.as_millisecond())
    }

    pub fn to_jiff(self) -> jiff::Timestamp {
        // Every value this type holds came from a jiff timestamp or the database, both in range.
        jiff::Timestamp::from_millisecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Any RFC 3339 offset is accepted and normalised to UTC.
    pub fn parse_rfc3339(raw: &str) -> Option<Self> {
        // jiff also accepts a time zone annotation (`[Europe/Berlin]`) and signed six-digit years
        // (`-000001-...`, which would render as `-001-...` and not parse back); RFC 3339 has neither.
        if raw.contains('[') || !raw.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        raw.parse::<jiff::Timestamp>().ok().map(Self::from_jiff)
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    pub fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    pub fn to_offset_date_time(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    pub fn from_offset_date_time(odt: time::OffsetDateTime) -> Self {
        let millis = odt.unix_timestamp_nanos().div_euclid(1_000_000);
        Self(i64::try_from(millis).unwrap_or(i64::MAX))
    }
}

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` written digit by digit: a page of logs renders three of these
    /// per row, and the general formatter was a visible share of a read's time in the profile.
    /// `None` for years outside 0000–9999, which RFC 3339 cannot write.
    fn rfc3339_bytes(self) -> Option<[u8; 24]> {
        let at = jiff::tz::Offset::UTC.to_datetime(self.to_jiff());
        if !(0..=9999).contains(&at.year()) {
            return None;
        }
        let millis = at.subsec_nanosecond() / 1_000_000;
        let fields = [
            (0, u32::from(at.year().unsigned_abs()), 4),
            (5, u32::from(at.month().unsigned_abs()), 2),
            (8, u32::from(at.day().unsigned_abs()), 2),
            (11, u32::from(at.hour().unsigned_abs()), 2),
            (14, u32::from(at.minute().unsigned_abs()), 2),
            (17, u32::from(at.second().unsigned_abs()), 2),
            (20, millis.unsigned_abs(), 3),
        ];
        let mut out = *b"0000-00-00T00:00:00.000Z";
        for (start, mut value, width) in fields {
            for digit in out[start..start + width].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rfc3339_bytes() {
            Some(bytes) => f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?),
            None => write!(f, "{}", self.to_jiff().strftime("%Y-%m-%dT%H:%M:%S%.3fZ")),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.rfc3339_bytes() {
            Some(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => s.serialize_str(text),
                Err(_) => s.collect_str(self),
            },
            None => s.collect_str(self),
        }
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .examples([serde_json::json!("2026-11-27T08:30:00.123Z")])
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Sqlite>>::encode(self.0, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<i64 as Decode<'r, Sqlite>>::decode(value)?))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <time::OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <time::OffsetDateTime as Encode<'_, Postgres>>::encode(self.to_offset_date_time(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let odt = <time::OffsetDateTime as Decode<'r, Postgres>>::decode(value)?;
        Ok(Self::from_offset_date_time(odt))
    }
}

/// A calendar date (`YYYY-MM-DD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    pub fn parse(raw: &str) -> Option<Self> {
        // jiff accepts only the strict `YYYY-MM-DD` form here; a time part is rejected.
        if raw.len() != 10 {
            return None;
        }
        raw.parse::<jiff::civil::Date>().ok().map(Self)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl utoipa::PartialSchema for Date {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .examples([serde_json::json!("2026-11-27")])
            .into()
    }
}
impl utoipa::ToSchema for Date {}

impl Type<Sqlite> for Date {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Date {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Date {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Self::parse(text).ok_or_else(|| format!("invalid date `{text}` in database").into())
    }
}

impl Type<Postgres> for Date {
    fn type_info() -> PgTypeInfo {
        <time::Date as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Date {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let month = time::Month::try_from(self.0.month() as u8)?;
        let date =
            time::Date::from_calendar_date(i32::from(self.0.year()), month, self.0.day() as u8)?;
        <time::Date as Encode<'_, Postgres>>::encode(date, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Date {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let date = <time::Date as Decode<'r, Postgres>>::decode(value)?;
        let civil = jiff::civil::Date::new(
            i16::try_from(date.year())?,
            date.month() as i8,
            i8::try_from(date.day())?,
        )?;
        Ok(Self(civil))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_with_three_fraction_digits_in_utc() {
        let ts = Timestamp::parse_rfc3339("2026-11-27T09:30:00.123456+01:00").expect("valid");
        assert_eq!(ts.to_string(), "2026-11-27T08:30:00.123Z");
        let whole = Timestamp::parse_rfc3339("2026-11-27T08:30:00Z").expect("valid");
        assert_eq!(whole.to_string(), "2026-11-27T08:30:00.000Z");
    }

    #[test]
    fn the_fast_rendering_agrees_with_jiff_across_the_range() {
        let jiff_rendering =
            |ts: Timestamp| ts.to_jiff().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let utc = |at: jiff::civil::DateTime| {
            jiff::tz::Offset::UTC
                .to_timestamp(at)
                .expect("in range")
                .as_millisecond()
        };
        let first = utc(jiff::civil::datetime(0, 1, 1, 0, 0, 0, 0));
        let last = jiff::Timestamp::MAX.as_millisecond();
        // Every boundary the digits roll over at, and a spread of instants in between.
        let mut samples = vec![
            first - 1,
            first,
            first + 1,
            -1,
            0,
            1,
            999,
            1_000,
            last - 1,
            last,
        ];
        samples.push(jiff::Timestamp::MIN.as_millisecond());
        let step = (last - first) / 10_007;
        samples.extend((0..10_007).map(|i| first + i * step + i % 1_000));
        for millis in samples {
            let ts = Timestamp::from_millis(millis);
            assert_eq!(ts.to_string(), jiff_rendering(ts), "{millis}");
            assert_eq!(
                serde_json::to_string(&ts).expect("serialises"),
                format!("\"{}\"", jiff_rendering(ts))
            );
        }
    }

    #[test]
    fn timestamps_reject_what_is_not_rfc3339() {
        for raw in [
            "",
            "yesterday",
            "2026-11-27",
            "2026-11-27T08:30:00",
            "2026-11-27T08:30:00Z[UTC]",
            "-000001-01-01T00:00:00Z",
            "+002026-11-27T08:30:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(raw), None, "{raw}");
        }
    }

    #[test]
    fn ids_accept_only_the_canonical_form() {
        assert!(Id::parse("019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c").is_some());
        assert!(Id::parse("019a6b2e7c1d7f3a9b8e2d4c6f8a0b1c").is_none());
        assert!(Id::parse("{019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c}").is_none());
        assert!(Id::parse("not-a-uuid").is_none());
    }

    #[test]
    fn dates_are_strict() {
        assert!(Date::parse("2026-02-28").is_some());
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-2-28").is_none());
    }
}
