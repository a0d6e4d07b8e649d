//! The pure rules of symptom logs: severity labels and duration arithmetic (how `ended_at` and
//! `duration_minutes` relate, as `SymptomLogInput` in the API document describes them).

use crate::{input::Patch, types::Timestamp};

/// The shortest and longest duration a log can hold, in minutes.
pub const MIN_DURATION_MINUTES: i32 = 1;
pub const MAX_DURATION_MINUTES: i32 = 24 * 60;
/// Longer durations are plausible but often a typo, so the client must confirm them.
pub const CONFIRM_ABOVE_MINUTES: i32 = 12 * 60;

const MILLIS_PER_MINUTE: i64 = 60_000;

/// The word shown beside a severity or impact of 1..=10.
pub fn severity_label(value: i32) -> &'static str {
    match value {
        ..=3 => "mild",
        4..=6 => "moderate",
        7..=8 => "severe",
        _ => "critical",
    }
}

/// Why a duration was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationProblem {
    /// `ended_at` lies before `started_at`.
    EndsBeforeStart,
    /// Under one minute.
    TooShort,
    /// Over 24 hours.
    TooLong,
    /// Over 12 hours without `confirm_long_duration: true`.
    NeedsConfirmation,
}

impl DurationProblem {
    pub fn message(self) -> String {
        match self {
            Self::EndsBeforeStart => "must not be before started_at".into(),
            Self::TooShort => format!(
                "the duration must be at least {MIN_DURATION_MINUTES} minute (ended_at at least one minute after started_at)"
            ),
            Self::TooLong => {
                format!("the duration must be at most {MAX_DURATION_MINUTES} minutes (24 hours)")
            }
            Self::NeedsConfirmation => format!(
                "a duration above {CONFIRM_ABOVE_MINUTES} minutes needs confirm_long_duration: true"
            ),
        }
    }
}

/// Checks a duration in minutes against the range and the confirmation rule.
pub fn check_duration(minutes: i64, confirmed: bool) -> Result<i32, DurationProblem> {
    if minutes < i64::from(MIN_DURATION_MINUTES) {
        return Err(DurationProblem::TooShort);
    }
    if minutes > i64::from(MAX_DURATION_MINUTES) {
        return Err(DurationProblem::TooLong);
    }
    if minutes > i64::from(CONFIRM_ABOVE_MINUTES) && !confirmed {
        return Err(DurationProblem::NeedsConfirmation);
    }
    i32::try_from(minutes).map_err(|_| DurationProblem::TooLong)
}

/// When a symptom that started at `started_at` and lasted `minutes` ended.
pub fn end_of(started_at: Timestamp, minutes: i32) -> Timestamp {
    started_at.plus_millis(i64::from(minutes) * MILLIS_PER_MINUTE)
}

/// The whole minutes from `started_at` to `ended_at` (a started minute does not count).
pub fn whole_minutes_between(
    started_at: Timestamp,
    ended_at: Timestamp,
) -> Result<i64, DurationProblem> {
    let millis = ended_at.as_millis().saturating_sub(started_at.as_millis());
    if millis < 0 {
        return Err(DurationProblem::EndsBeforeStart);
    }
    Ok(millis / MILLIS_PER_MINUTE)
}

/// How long a symptom lasted, as the client chose to say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// Still going on (or the end is unknown).
    Ongoing,
    Minutes(i64),
    EndedAt(Timestamp),
    /// A stored duration that a PATCH leaves alone: it was confirmed when it was set.
    KeptMinutes(i32),
}

/// Both `duration_minutes` and `ended_at` were sent, which is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BothEnds;

/// The span of a new log.
pub fn new_span(duration: Option<i64>, ended_at: Option<Timestamp>) -> Result<Span, BothEnds> {
    match (duration, ended_at) {
        (Some(_), Some(_)) => Err(BothEnds),
        (Some(minutes), None) => Ok(Span::Minutes(minutes)),
        (None, Some(at)) => Ok(Span::EndedAt(at)),
        (None, None) => Ok(Span::Ongoing),
    }
}

/// The span after a merge-patch of a log whose stored duration is `current_minutes`: a new
/// duration or end wins, `null` for either makes it ongoing, and neither keeps the duration (so
/// a new `started_at` moves the end).
pub fn patched_span(
    current_minutes: Option<i32>,
    duration: Patch<i64>,
    ended_at: Patch<Timestamp>,
) -> Result<Span, BothEnds> {
    match (duration, ended_at) {
        (Patch::Absent, Patch::Absent) => {
            Ok(current_minutes.map_or(Span::Ongoing, Span::KeptMinutes))
        }
        (Patch::Clear, Patch::Clear | Patch::Absent) | (Patch::Absent, Patch::Clear) => {
            Ok(Span::Ongoing)
        }
        (Patch::Set(minutes), Patch::Absent) => Ok(Span::Minutes(minutes)),
        (Patch::Absent, Patch::Set(at)) => Ok(Span::EndedAt(at)),
        (Patch::Set(_), _) | (_, Patch::Set(_)) => Err(BothEnds),
    }
}

/// The stored pair: both set, or both null (ongoing), as the schema's CHECK demands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Extent {
    pub ended_at: Option<Timestamp>,
    pub duration_minutes: Option<i32>,
}

/// A refused span, with the request field the problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanError {
    pub field: &'static str,
    pub problem: DurationProblem,
}

/// Derives the stored end and duration of a symptom from what the client sent. The confirmation
/// rule belongs to `duration_minutes` (as its description in the API document says), so it names
/// that field however the duration was given; range problems of a duration derived from `ended_at`
/// name `ended_at`.
pub fn resolve(started_at: Timestamp, span: Span, confirmed: bool) -> Result<Extent, SpanError> {
    let on = |field| move |problem| SpanError { field, problem };
    let minutes = match span {
        Span::Ongoing => return Ok(Extent::default()),
        Span::Minutes(minutes) => {
            check_duration(minutes, confirmed).map_err(on("duration_minutes"))?
        }
        Span::KeptMinutes(minutes) => {
            check_duration(i64::from(minutes), true).map_err(on("duration_minutes"))?
        }
        Span::EndedAt(ended_at) => {
            let minutes = whole_minutes_between(started_at, ended_at).map_err(on("ended_at"))?;
            let checked = check_duration(minutes, confirmed).map_err(|problem| match problem {
                DurationProblem::NeedsConfirmation => on("duration_minutes")(problem),
                _ => on("ended_at")(problem),
            })?;
            return Ok(Extent {
                ended_at: Some(ended_at),
                duration_minutes: Some(checked),
            });
        }
    };
    Ok(Extent {
        ended_at: Some(end_of(started_at, minutes)),
        duration_minutes: Some(minutes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_change_at_each_boundary() {
        let table = [
            (1, "mild"),
            (3, "mild"),
            (4, "moderate"),
            (6, "moderate"),
            (7, "severe"),
            (8, "severe"),
            (9, "critical"),
            (10, "critical"),
        ];
        for (value, label) in table {
            assert_eq!(severity_label(value), label, "{value}");
        }
    }

    #[test]
    fn durations_are_checked_at_every_boundary() {
        use DurationProblem::*;
        let table: [(i64, bool, Result<i32, DurationProblem>); 10] = [
            (-1, true, Err(TooShort)),
            (0, true, Err(TooShort)),
            (1, false, Ok(1)),
            (720, false, Ok(720)),
            (721, false, Err(NeedsConfirmation)),
            (721, true, Ok(721)),
            (1440, false, Err(NeedsConfirmation)),
            (1440, true, Ok(1440)),
            (1441, true, Err(TooLong)),
            (i64::MAX, true, Err(TooLong)),
        ];
        for (minutes, confirmed, expected) in table {
            assert_eq!(
                check_duration(minutes, confirmed),
                expected,
                "{minutes} {confirmed}"
            );
        }
    }

    const START: i64 = 1_764_232_200_000;

    fn at(offset_millis: i64) -> Timestamp {
        Timestamp::from_millis(START + offset_millis)
    }

    #[test]
    fn a_duration_sets_the_end() {
        let extent = resolve(at(0), Span::Minutes(90), false);
        assert_eq!(
            extent,
            Ok(Extent {
                ended_at: Some(at(90 * 60_000)),
                duration_minutes: Some(90)
            })
        );
    }

    #[test]
    fn an_end_sets_the_duration_in_whole_minutes() {
        let minute = 60_000;
        let table: [(i64, bool, Result<i32, SpanError>); 9] = [
            (
                -1,
                true,
                Err(err("ended_at", DurationProblem::EndsBeforeStart)),
            ),
            (0, true, Err(err("ended_at", DurationProblem::TooShort))),
            (
                minute - 1,
                true,
                Err(err("ended_at", DurationProblem::TooShort)),
            ),
            (minute, false, Ok(1)),
            (2 * minute - 1, false, Ok(1)),
            (720 * minute + 59_999, false, Ok(720)),
            (
                721 * minute,
                false,
                Err(err("duration_minutes", DurationProblem::NeedsConfirmation)),
            ),
            (1440 * minute + 59_999, true, Ok(1440)),
            (
                1441 * minute,
                true,
                Err(err("ended_at", DurationProblem::TooLong)),
            ),
        ];
        for (offset, confirmed, expected) in table {
            let resolved = resolve(at(0), Span::EndedAt(at(offset)), confirmed);
            let expected = expected.map(|minutes| Extent {
                ended_at: Some(at(offset)),
                duration_minutes: Some(minutes),
            });
            assert_eq!(resolved, expected, "{offset} {confirmed}");
        }
    }

    #[test]
    fn ongoing_has_neither_end_nor_duration() {
        assert_eq!(resolve(at(0), Span::Ongoing, false), Ok(Extent::default()));
    }

    #[test]
    fn a_new_log_takes_a_duration_or_an_end_not_both() {
        let end = at(60_000);
        assert_eq!(new_span(None, None), Ok(Span::Ongoing));
        assert_eq!(new_span(Some(5), None), Ok(Span::Minutes(5)));
        assert_eq!(new_span(None, Some(end)), Ok(Span::EndedAt(end)));
        assert_eq!(new_span(Some(5), Some(end)), Err(BothEnds));
    }

    #[test]
    fn a_patch_keeps_replaces_or_clears_the_span() {
        use Patch::{Absent, Clear, Set};
        let end = at(60_000);
        type Case = (
            Option<i32>,
            Patch<i64>,
            Patch<Timestamp>,
            Result<Span, BothEnds>,
        );
        let table: [Case; 10] = [
            (Some(30), Absent, Absent, Ok(Span::KeptMinutes(30))),
            (None, Absent, Absent, Ok(Span::Ongoing)),
            (Some(30), Clear, Absent, Ok(Span::Ongoing)),
            (Some(30), Absent, Clear, Ok(Span::Ongoing)),
            (Some(30), Clear, Clear, Ok(Span::Ongoing)),
            (Some(30), Set(45), Absent, Ok(Span::Minutes(45))),
            (None, Absent, Set(end), Ok(Span::EndedAt(end))),
            (Some(30), Set(45), Set(end), Err(BothEnds)),
            (Some(30), Set(45), Clear, Err(BothEnds)),
            (Some(30), Clear, Set(end), Err(BothEnds)),
        ];
        for (current, duration, ended_at, expected) in table {
            let label = format!("{current:?} {duration:?} {ended_at:?}");
            assert_eq!(
                patched_span(current, duration, ended_at),
                expected,
                "{label}"
            );
        }
    }

    #[test]
    fn a_kept_long_duration_needs_no_new_confirmation() {
        assert_eq!(
            resolve(at(60_000), Span::KeptMinutes(800), false),
            Ok(Extent {
                ended_at: Some(at(801 * 60_000)),
                duration_minutes: Some(800)
            })
        );
        assert!(resolve(at(0), Span::Minutes(800), false).is_err());
    }

    fn err(field: &'static str, problem: DurationProblem) -> SpanError {
        SpanError { field, problem }
    }
}
