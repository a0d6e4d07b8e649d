//! Feel vs yesterday (`GET /api/v1/feel-vs-yesterday`), as a pure function of the two days' logs.
//!
//! Comparisons are made on whole hundredths (integers), so that the ±0.5 thresholds are exact
//! and do not depend on floating-point noise.

use serde::Serialize;
use utoipa::ToSchema;

use crate::types::Id;

/// One symptom log, as the comparison needs it (tests and [`DayLogs::tally`] use it).
#[derive(Clone, Debug)]
pub struct SymptomEntry {
    pub symptom_type_id: Id,
    pub name: String,
    pub name_key: String,
    pub severity: i32,
}

/// One symptom type's logs on one day, tallied (the database does this, so a day with
/// thousands of logs costs one row per type).
#[derive(Clone, Debug, PartialEq)]
pub struct SymptomTally {
    pub symptom_type_id: Id,
    pub name: String,
    pub name_key: String,
    pub count: i64,
    pub severity_sum: i64,
    pub severity_max: i32,
}

/// Everything logged on one calendar day, tallied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayLogs {
    pub medication_logs: i64,
    /// Sum and count of the medication logs that rate their `effectiveness`.
    pub effectiveness_sum: i64,
    pub effectiveness_rated: i64,
    /// One entry per symptom type logged that day.
    pub symptoms: Vec<SymptomTally>,
}

fn ratio(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

impl DayLogs {
    /// Tallies raw logs: each medication log's effectiveness, and each symptom log.
    pub fn tally(medication_effectiveness: &[Option<i32>], symptoms: &[SymptomEntry]) -> Self {
        let mut day = Self {
            medication_logs: medication_effectiveness.len() as i64,
            effectiveness_sum: medication_effectiveness
                .iter()
                .flatten()
                .map(|e| i64::from(*e))
                .sum(),
            effectiveness_rated: medication_effectiveness.iter().flatten().count() as i64,
            symptoms: Vec::new(),
        };
        for entry in symptoms {
            match day
                .symptoms
                .iter_mut()
                .find(|t| t.symptom_type_id == entry.symptom_type_id)
            {
                Some(tally) => {
                    tally.count += 1;
                    tally.severity_sum += i64::from(entry.severity);
                    tally.severity_max = tally.severity_max.max(entry.severity);
                }
                None => day.symptoms.push(SymptomTally {
                    symptom_type_id: entry.symptom_type_id,
                    name: entry.name.clone(),
                    name_key: entry.name_key.clone(),
                    count: 1,
                    severity_sum: i64::from(entry.severity),
                    severity_max: entry.severity,
                }),
            }
        }
        day
    }

    fn has_data(&self) -> bool {
        self.medication_logs > 0 || !self.symptoms.is_empty()
    }

    fn symptom_logs(&self) -> i64 {
        self.symptoms.iter().map(|t| t.count).sum()
    }

    fn mean_severity(&self) -> Option<f64> {
        ratio(
            self.symptoms.iter().map(|t| t.severity_sum).sum(),
            self.symptom_logs(),
        )
    }

    /// The day's score: mean severity, or 0 when it has logs but no symptoms.
    fn score(&self) -> f64 {
        self.mean_severity().unwrap_or(0.0)
    }

    fn type_mean(&self, id: Id) -> Option<f64> {
        let tally = self.symptoms.iter().find(|t| t.symptom_type_id == id)?;
        ratio(tally.severity_sum, tally.count).map(round2)
    }

    fn stats(&self) -> DayStats {
        DayStats {
            medication_logs: usize::try_from(self.medication_logs).unwrap_or(0),
            symptom_logs: usize::try_from(self.symptom_logs()).unwrap_or(0),
            mean_severity: self.mean_severity().map(round2),
            max_severity: self.symptoms.iter().map(|t| t.severity_max).max(),
            mean_effectiveness: ratio(self.effectiveness_sum, self.effectiveness_rated).map(round2),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Better,
    Worse,
    Same,
    Unavailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Better,
    Worse,
    Same,
    New,
    Gone,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DayStats {
    pub medication_logs: usize,
    pub symptom_logs: usize,
    pub mean_severity: Option<f64>,
    pub max_severity: Option<i32>,
    pub mean_effectiveness: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SymptomChange {
    pub symptom_type_id: Id,
    pub name: String,
    pub today_mean: Option<f64>,
    pub yesterday_mean: Option<f64>,
    pub change: Change,
}

/// The comparison, without the date and time zone the route adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub status: Status,
    pub delta: Option<f64>,
    pub summary: String,
    pub today: DayStats,
    pub yesterday: DayStats,
    pub symptoms: Vec<SymptomChange>,
}

fn hundredths(value: f64) -> i64 {
    (value * 100.0).round() as i64
}

fn round2(value: f64) -> f64 {
    hundredths(value) as f64 / 100.0
}

/// The ±0.5 rule on a difference in hundredths.
fn classify(delta_hundredths: i64) -> Status {
    if delta_hundredths <= -50 {
        Status::Better
    } else if delta_hundredths >= 50 {
        Status::Worse
    } else {
        Status::Same
    }
}

pub fn compare(today: &DayLogs, yesterday: &DayLogs) -> Comparison {
    let symptoms = symptom_changes(today, yesterday);
    let (status, delta) = if today.has_data() && yesterday.has_data() {
        let delta = hundredths(today.score() - yesterday.score());
        (classify(delta), Some(delta as f64 / 100.0))
    } else {
        (Status::Unavailable, None)
    };
    let today_stats = today.stats();
    let yesterday_stats = yesterday.stats();
    let summary = summarise(status, today, yesterday, &symptoms);
    Comparison {
        status,
        delta,
        summary,
        today: today_stats,
        yesterday: yesterday_stats,
        symptoms,
    }
}

fn symptom_changes(today: &DayLogs, yesterday: &DayLogs) -> Vec<SymptomChange> {
    let mut types: Vec<&SymptomTally> = today.symptoms.iter().chain(&yesterday.symptoms).collect();
    types.sort_by(|a, b| (&a.name_key, a.symptom_type_id).cmp(&(&b.name_key, b.symptom_type_id)));
    types.dedup_by_key(|t| t.symptom_type_id);
    types
        .into_iter()
        .map(|tally| {
            let today_mean = today.type_mean(tally.symptom_type_id);
            let yesterday_mean = yesterday.type_mean(tally.symptom_type_id);
            let change = match (today_mean, yesterday_mean) {
                (Some(t), Some(y)) => match classify(hundredths(t) - hundredths(y)) {
                    Status::Better => Change::Better,
                    Status::Worse => Change::Worse,
                    _ => Change::Same,
                },
                (Some(_), None) => Change::New,
                _ => Change::Gone,
            };
            SymptomChange {
                symptom_type_id: tally.symptom_type_id,
                name: tally.name.clone(),
                today_mean,
                yesterday_mean,
                change,
            }
        })
        .collect()
}

/// The symptom whose mean moved most in the direction of `status`.
fn biggest_mover(symptoms: &[SymptomChange], status: Status) -> Option<&str> {
    symptoms
        .iter()
        .filter_map(|s| Some((s, hundredths(s.today_mean?) - hundredths(s.yesterday_mean?))))
        .filter(|(_, d)| match status {
            Status::Better => *d <= -50,
            Status::Worse => *d >= 50,
            _ => false,
        })
        .max_by_key(|(_, d)| d.abs())
        .map(|(s, _)| s.name.as_str())
}

fn summarise(
    status: Status,
    today: &DayLogs,
    yesterday: &DayLogs,
    symptoms: &[SymptomChange],
) -> String {
    let score = |day: &DayLogs| format!("{:.1}", day.score());
    match status {
        Status::Unavailable if !today.has_data() => {
            "Nothing is logged for today yet, so there is nothing to compare with yesterday.".into()
        }
        Status::Unavailable => {
            "Nothing was logged the day before, so there is nothing to compare with.".into()
        }
        Status::Same if today.symptoms.is_empty() && yesterday.symptoms.is_empty() => {
            "No symptoms logged today or yesterday: about the same as yesterday.".into()
        }
        Status::Same => format!(
            "About the same as yesterday: average symptom severity {} today, {} yesterday.",
            score(today),
            score(yesterday)
        ),
        Status::Better | Status::Worse => {
            let (word, direction, verb) = match status {
                Status::Better => ("better", "down", "improved"),
                _ => ("worse", "up", "got worse"),
            };
            let mut sentence = format!(
                "You feel {word} than yesterday: average symptom severity went {direction} from {} to {}.",
                score(yesterday),
                score(today)
            );
            if let Some(name) = biggest_mover(symptoms, status) {
                sentence.push_str(&format!(" {name} {verb} the most."));
            }
            sentence
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symptom(id: u128, name: &str, severity: i32) -> SymptomEntry {
        SymptomEntry {
            symptom_type_id: Id(uuid::Uuid::from_u128(id)),
            name: name.into(),
            name_key: name.to_lowercase(),
            severity,
        }
    }

    fn day(medications: &[Option<i32>], symptoms: &[SymptomEntry]) -> DayLogs {
        DayLogs::tally(medications, symptoms)
    }

    #[test]
    fn the_status_follows_the_rounded_delta() {
        // (today's severities, yesterday's severities, status, delta)
        let cases: &[(&[i32], &[i32], Status, f64)] = &[
            (&[5], &[5], Status::Same, 0.0),
            (&[4], &[5], Status::Better, -1.0),
            (&[6], &[5], Status::Worse, 1.0),
            // Exactly at the thresholds: 5.5 - 5 and 5 - 5.5.
            (&[5, 6], &[5], Status::Worse, 0.5),
            (&[5], &[5, 6], Status::Better, -0.5),
            // Just inside: 16/3 - 5 = 0.333.. and 5 - 16/3.
            (&[5, 5, 6], &[5], Status::Same, 0.33),
            (&[5], &[5, 5, 6], Status::Same, -0.33),
            // Both days have logs but no symptoms: both score 0.
            (&[], &[], Status::Same, 0.0),
        ];
        for (today, yesterday, status, delta) in cases {
            let t: Vec<_> = today.iter().map(|s| symptom(1, "Headache", *s)).collect();
            let y: Vec<_> = yesterday
                .iter()
                .map(|s| symptom(1, "Headache", *s))
                .collect();
            let result = compare(&day(&[Some(3)], &t), &day(&[Some(3)], &y));
            assert_eq!(result.status, *status, "{today:?} vs {yesterday:?}");
            assert_eq!(result.delta, Some(*delta), "{today:?} vs {yesterday:?}");
        }
    }

    #[test]
    fn a_day_without_logs_makes_the_comparison_unavailable() {
        let some = day(&[Some(4)], &[symptom(1, "Headache", 5)]);
        let none = DayLogs::default();
        for (today, yesterday) in [(&some, &none), (&none, &some), (&none, &none)] {
            let result = compare(today, yesterday);
            assert_eq!(result.status, Status::Unavailable);
            assert_eq!(result.delta, None);
        }
    }

    #[test]
    fn logs_without_symptoms_score_zero() {
        let only_medication = day(&[None], &[]);
        let result = compare(&only_medication, &day(&[], &[symptom(1, "Headache", 4)]));
        assert_eq!(result.status, Status::Better);
        assert_eq!(result.delta, Some(-4.0));
        assert_eq!(result.today.mean_severity, None);
        assert_eq!(result.today.medication_logs, 1);
        assert_eq!(result.today.mean_effectiveness, None);
    }

    #[test]
    fn symptoms_are_new_gone_or_compared_by_their_own_means() {
        let today = day(
            &[],
            &[
                symptom(1, "Headache", 3),
                symptom(2, "Nausea", 6),
                symptom(3, "back pain", 5),
            ],
        );
        let yesterday = day(
            &[],
            &[
                symptom(1, "Headache", 7),
                symptom(4, "Dizziness", 5),
                symptom(3, "back pain", 5),
            ],
        );
        let result = compare(&today, &yesterday);
        let changes: Vec<(&str, Change)> = result
            .symptoms
            .iter()
            .map(|s| (s.name.as_str(), s.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("back pain", Change::Same),
                ("Dizziness", Change::Gone),
                ("Headache", Change::Better),
                ("Nausea", Change::New),
            ]
        );
        assert!(
            result.summary.contains("Headache improved the most"),
            "{}",
            result.summary
        );
    }

    #[test]
    fn per_symptom_means_are_rounded_before_comparing() {
        // 19/3 = 6.333.. → 6.33; 35/6 = 5.8333.. → 5.83; 6.33 - 5.83 = 0.50 → worse.
        let today = day(
            &[],
            &[symptom(1, "A", 6), symptom(1, "A", 6), symptom(1, "A", 7)],
        );
        let yesterday: Vec<_> = [6, 6, 6, 6, 6, 5]
            .iter()
            .map(|s| symptom(1, "A", *s))
            .collect();
        let result = compare(&today, &day(&[], &yesterday));
        assert_eq!(result.symptoms[0].today_mean, Some(6.33));
        assert_eq!(result.symptoms[0].yesterday_mean, Some(5.83));
        assert_eq!(result.symptoms[0].change, Change::Worse);
    }

    #[test]
    fn day_statistics_are_reported() {
        let today = day(
            &[Some(4), None, Some(5)],
            &[symptom(1, "A", 2), symptom(2, "B", 9)],
        );
        let stats = compare(&today, &DayLogs::default()).today;
        assert_eq!(
            stats,
            DayStats {
                medication_logs: 3,
                symptom_logs: 2,
                mean_severity: Some(5.5),
                max_severity: Some(9),
                mean_effectiveness: Some(4.5),
            }
        );
    }

    #[test]
    fn summaries_are_plain_sentences() {
        let worse = compare(
            &day(&[], &[symptom(1, "Headache", 8)]),
            &day(&[], &[symptom(1, "Headache", 3)]),
        );
        assert_eq!(
            worse.summary,
            "You feel worse than yesterday: average symptom severity went up from 3.0 to 8.0. Headache got worse the most."
        );
        let none_today = compare(&DayLogs::default(), &day(&[Some(1)], &[]));
        assert!(
            none_today
                .summary
                .starts_with("Nothing is logged for today")
        );
    }
}
