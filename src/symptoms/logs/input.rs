//! Reading the fields of a symptom log body that need more than a generic parser: the start
//! time's future limit and the duration rules, reported among the other field errors.

use serde_json::Value;

use super::model::FUTURE_TOLERANCE_SECS;
use crate::{
    input::Fields,
    symptoms::rules::{self, BothEnds, Extent, Span},
    types::Timestamp,
};

/// Any whole number: the duration rules say which ones are out of range.
pub fn whole_minutes(value: &Value) -> Result<i64, String> {
    value
        .as_i64()
        .ok_or_else(|| "must be a whole number of minutes".into())
}

/// Clocks run a little ahead, so a start up to 5 minutes after `now` is still accepted.
pub fn refuse_future_start(fields: &mut Fields, started_at: Timestamp, now: Timestamp) {
    if started_at > now.plus_secs(FUTURE_TOLERANCE_SECS) {
        fields.error(
            "started_at",
            "must not be more than 5 minutes in the future",
        );
    }
}

/// The stored end and duration, or field errors when the span breaks a rule. Nothing is checked
/// when one of its inputs already failed to parse, so each problem is reported once.
pub fn extent(
    fields: &mut Fields,
    started_at: Timestamp,
    span: Result<Span, BothEnds>,
    confirmed: bool,
) -> Extent {
    let span = match span {
        Ok(span) => span,
        Err(BothEnds) => {
            let message = "send either duration_minutes or ended_at, not both";
            fields.error("duration_minutes", message);
            fields.error("ended_at", message);
            return Extent::default();
        }
    };
    let inputs_failed = ["started_at", "duration_minutes", "ended_at"]
        .iter()
        .any(|field| fields.has_errors_on(field));
    if inputs_failed {
        return Extent::default();
    }
    rules::resolve(started_at, span, confirmed).unwrap_or_else(|err| {
        fields.error(err.field, err.problem.message());
        Extent::default()
    })
}
