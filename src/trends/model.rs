//! The query of `/trends` and `/report` parsed into typed values, and the trend answer's shape.

use jiff::civil::Date as CivilDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    http::query::QueryParams,
    types::{Date, Id},
};

/// How many days a range may span, both ends counted (a leap year).
pub const MAX_DAYS: i64 = 366;
/// A range without `from` ends today and is this many days long.
pub const DEFAULT_DAYS: i64 = 30;

/// Local calendar dates, both ends included; `from <= to` and at most [`MAX_DAYS`] days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    from: CivilDate,
    to: CivilDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeError {
    Reversed,
    TooLong,
    OutOfBounds,
}

impl RangeError {
    pub fn message(self) -> String {
        match self {
            Self::Reversed => "must not be before from".into(),
            Self::TooLong => format!("must be at most {MAX_DAYS} days after from, both counted"),
            Self::OutOfBounds => "is out of the supported range of dates".into(),
        }
    }
}

impl DateRange {
    pub fn new(from: CivilDate, to: CivilDate) -> Result<Self, RangeError> {
        if to < from {
            return Err(RangeError::Reversed);
        }
        let range = Self { from, to };
        if range.try_days().ok_or(RangeError::OutOfBounds)? > MAX_DAYS {
            return Err(RangeError::TooLong);
        }
        // Day boundaries are computed for the day after `to`, so it must exist too.
        to.tomorrow().map_err(|_| RangeError::OutOfBounds)?;
        Ok(range)
    }

    /// `from` and `to` as asked, each missing end taking its default: `to` today, `from` the
    /// first of the [`DEFAULT_DAYS`] days ending today.
    pub fn with_defaults(
        from: Option<CivilDate>,
        to: Option<CivilDate>,
        today: CivilDate,
    ) -> Result<Self, RangeError> {
        let default_from = today
            .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
            .map_err(|_| RangeError::OutOfBounds)?;
        Self::new(from.unwrap_or(default_from), to.unwrap_or(today))
    }

    pub fn from(self) -> CivilDate {
        self.from
    }

    pub fn to(self) -> CivilDate {
        self.to
    }

    fn try_days(self) -> Option<i64> {
        let span = self.from.until(self.to).ok()?;
        Some(i64::from(span.get_days()) + 1)
    }

    /// The number of days, both ends counted (1..=[`MAX_DAYS`]).
    pub fn days(self) -> usize {
        // `new` checked that the span exists and is at most MAX_DAYS.
        self.try_days()
            .and_then(|d| usize::try_from(d).ok())
            .unwrap_or(1)
    }

    /// The date `index` days after `from` (`index` < `days()`).
    pub fn date_at(self, index: usize) -> CivilDate {
        let offset = i64::try_from(index).unwrap_or(0);
        self.from
            .checked_add(jiff::Span::new().days(offset))
            .unwrap_or(self.to)
    }
}

/// Days or Monday-to-Sunday weeks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BucketSize {
    #[default]
    Day,
    Week,
}

/// The parts of a range query, before today's date (which depends on the account's time zone)
/// fills in the missing ends.
pub struct RangeQuery {
    pub from: Option<CivilDate>,
    pub to: Option<CivilDate>,
}

impl RangeQuery {
    /// Reads `from` and `to` (errors are collected in `query`).
    pub fn read(query: &mut QueryParams) -> Self {
        Self {
            from: query.date("from").map(|d| d.0),
            to: query.date("to").map(|d| d.0),
        }
    }

    /// The range, or a 422 naming the end that is wrong (`to` for a reversed or too long range).
    pub fn resolve(self, today: CivilDate) -> Result<DateRange, crate::error::ApiError> {
        DateRange::with_defaults(self.from, self.to, today).map_err(|err| {
            let field = match (err, self.from, self.to) {
                (RangeError::OutOfBounds, Some(_), None) => "from",
                _ => "to",
            };
            crate::error::ApiError::field(field, err.message())
        })
    }
}

/// Reads `bucket` (`day` or `week`, default `day`).
pub fn read_bucket(query: &mut QueryParams) -> BucketSize {
    query
        .one_of(
            "bucket",
            &[("day", BucketSize::Day), ("week", BucketSize::Week)],
        )
        .unwrap_or_default()
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-11-23", "to": "2026-11-29", "timezone": "Europe/Berlin", "bucket": "week",
    "symptoms": [{"symptom_type_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c", "name": "Headache",
        "points": [{"start": "2026-11-23", "logs": 3, "mean_severity": 4.67, "max_severity": 7}]}],
    "medications": [{"medication_id": "019a6b2e-9e3f-7b52-9a4c-2d3e4f5a6b7c", "name": "Ibuprofen",
        "points": [{"start": "2026-11-23", "doses": 2, "mean_effectiveness": 3.5}]}]}))]
pub struct Trends {
    pub from: Date,
    pub to: Date,
    pub timezone: String,
    pub bucket: BucketSize,
    /// One series per symptom type logged in the range, by name.
    pub symptoms: Vec<SymptomSeries>,
    /// One series per medication logged in the range, by name.
    pub medications: Vec<MedicationSeries>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct SymptomSeries {
    pub symptom_type_id: Id,
    pub name: String,
    /// Every bucket of the range, in order.
    pub points: Vec<SymptomPoint>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct SymptomPoint {
    /// The bucket's first day inside the range.
    pub start: Date,
    pub logs: i64,
    /// Rounded to 2 decimals; null when nothing was logged.
    pub mean_severity: Option<f64>,
    pub max_severity: Option<i32>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct MedicationSeries {
    pub medication_id: Id,
    pub name: String,
    /// Every bucket of the range, in order.
    pub points: Vec<MedicationPoint>,
}

#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct MedicationPoint {
    /// The bucket's first day inside the range.
    pub start: Date,
    /// The number of medication logs.
    pub doses: i64,
    /// Rounded to 2 decimals; null when no log in the bucket rates its effectiveness.
    pub mean_effectiveness: Option<f64>,
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn ranges_count_both_ends_and_stop_at_366_days() {
        let cases = [
            (date(2026, 11, 27), date(2026, 11, 27), Ok(1)),
            (date(2026, 1, 1), date(2026, 12, 31), Ok(365)),
            (date(2028, 1, 1), date(2028, 12, 31), Ok(366)),
            (date(2026, 1, 1), date(2027, 1, 1), Ok(366)),
            (date(2026, 1, 1), date(2027, 1, 2), Err(RangeError::TooLong)),
            (
                date(2026, 1, 2),
                date(2026, 1, 1),
                Err(RangeError::Reversed),
            ),
            (
                date(9999, 12, 31),
                date(9999, 12, 31),
                Err(RangeError::OutOfBounds),
            ),
        ];
        for (from, to, expected) in cases {
            let got = DateRange::new(from, to).map(DateRange::days);
            assert_eq!(got, expected, "{from}..{to}");
        }
    }

    #[test]
    fn missing_ends_take_their_defaults() {
        let today = date(2026, 11, 29);
        let both = DateRange::with_defaults(None, None, today).expect("valid");
        assert_eq!(
            (both.from(), both.to(), both.days()),
            (date(2026, 10, 31), today, 30)
        );
        let only_from = DateRange::with_defaults(Some(date(2026, 11, 1)), None, today);
        assert_eq!(only_from.map(DateRange::to), Ok(today));
        // A `to` before the default `from` is a reversed range.
        let early_to = DateRange::with_defaults(None, Some(date(2026, 1, 1)), today);
        assert_eq!(early_to, Err(RangeError::Reversed));
    }

    #[test]
    fn dates_inside_the_range_are_counted_from_its_first_day() {
        let range = DateRange::new(date(2026, 2, 27), date(2026, 3, 2)).expect("valid");
        assert_eq!(range.days(), 4);
        assert_eq!(range.date_at(0), date(2026, 2, 27));
        assert_eq!(range.date_at(2), date(2026, 3, 1));
        assert_eq!(range.date_at(3), date(2026, 3, 2));
    }
}
