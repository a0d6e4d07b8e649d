//! Day tallies gathered into buckets: every bucket of the range in every series, means rounded
//! to 2 decimals (half away from zero, on integers, so that no float noise decides a digit).

use std::collections::HashMap;

use jiff::civil::Date as CivilDate;

use super::model::{
    BucketSize, DateRange, MedicationPoint, MedicationSeries, SymptomPoint, SymptomSeries,
};
use crate::types::{Date, Id};

/// The buckets of a range: days, or weeks from Monday to Sunday cut to the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buckets {
    starts: Vec<CivilDate>,
    /// Days before the first Monday missing from the first week (0 for days).
    lead: usize,
    width: usize,
}

impl Buckets {
    pub fn new(range: DateRange, size: BucketSize) -> Self {
        let (lead, width) = match size {
            BucketSize::Day => (0, 1),
            BucketSize::Week => (
                usize::from(
                    range
                        .from()
                        .weekday()
                        .to_monday_zero_offset()
                        .unsigned_abs(),
                ),
                7,
            ),
        };
        let count = (range.days() + lead).div_ceil(width);
        let starts = (0..count)
            .map(|b| range.date_at((b * width).saturating_sub(lead)))
            .collect();
        Self {
            starts,
            lead,
            width,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Each bucket's first day inside the range.
    pub fn starts(&self) -> &[CivilDate] {
        &self.starts
    }

    /// The bucket of the range's day `day` (0 = `from`).
    pub fn of_day(&self, day: usize) -> usize {
        (day + self.lead) / self.width
    }
}

/// `sum / count` rounded to 2 decimals, half away from zero; None when `count` is 0.
pub fn mean(sum: i64, count: i64) -> Option<f64> {
    if count <= 0 {
        return None;
    }
    let hundredths = (200 * sum.abs() + count) / (2 * count);
    Some(sum.signum() as f64 * hundredths as f64 / 100.0)
}

/// One symptom type's logs on one local day, tallied by the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymptomDay {
    pub symptom_type_id: Id,
    pub name: String,
    pub name_key: String,
    pub day: usize,
    pub logs: i64,
    pub severity_sum: i64,
    pub severity_max: i32,
}

/// One medication's logs on one local day, tallied by the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MedicationDay {
    pub medication_id: Id,
    pub name: String,
    pub name_key: String,
    pub day: usize,
    pub logs: i64,
    pub effectiveness_sum: i64,
    pub effectiveness_rated: i64,
}

#[derive(Clone, Copy, Default)]
struct Tally {
    logs: i64,
    sum: i64,
    extra: i64,
}

/// Groups day rows by series (id, name, name key), adding each day into its bucket, and orders
/// the series by name key, then id.
fn gather<R>(
    rows: &[R],
    buckets: &Buckets,
    key: impl Fn(&R) -> (Id, &str, &str),
    add: impl Fn(&mut Tally, &R),
    day: impl Fn(&R) -> usize,
) -> Vec<(Id, String, Vec<Tally>)> {
    let mut series: Vec<(Id, String, String, Vec<Tally>)> = Vec::new();
    let mut index: HashMap<Id, usize> = HashMap::new();
    for row in rows {
        let (id, name, name_key) = key(row);
        let at = *index.entry(id).or_insert_with(|| {
            series.push((
                id,
                name.to_owned(),
                name_key.to_owned(),
                vec![Tally::default(); buckets.len()],
            ));
            series.len() - 1
        });
        if let Some(tally) = series[at].3.get_mut(buckets.of_day(day(row))) {
            add(tally, row);
        }
    }
    series.sort_by(|a, b| (&a.2, a.0).cmp(&(&b.2, b.0)));
    series
        .into_iter()
        .map(|(id, name, _, tallies)| (id, name, tallies))
        .collect()
}

pub fn symptom_series(rows: &[SymptomDay], buckets: &Buckets) -> Vec<SymptomSeries> {
    let gathered = gather(
        rows,
        buckets,
        |r| (r.symptom_type_id, &r.name, &r.name_key),
        |t, r| {
            t.logs += r.logs;
            t.sum += r.severity_sum;
            t.extra = t.extra.max(i64::from(r.severity_max));
        },
        |r| r.day,
    );
    gathered
        .into_iter()
        .map(|(symptom_type_id, name, tallies)| SymptomSeries {
            symptom_type_id,
            name,
            points: tallies
                .iter()
                .zip(buckets.starts())
                .map(|(t, start)| SymptomPoint {
                    start: Date(*start),
                    logs: t.logs,
                    mean_severity: mean(t.sum, t.logs),
                    max_severity: (t.logs > 0).then(|| i32::try_from(t.extra).unwrap_or(i32::MAX)),
                })
                .collect(),
        })
        .collect()
}

pub fn medication_series(rows: &[MedicationDay], buckets: &Buckets) -> Vec<MedicationSeries> {
    let gathered = gather(
        rows,
        buckets,
        |r| (r.medication_id, &r.name, &r.name_key),
        |t, r| {
            t.logs += r.logs;
            t.sum += r.effectiveness_sum;
            t.extra += r.effectiveness_rated;
        },
        |r| r.day,
    );
    gathered
        .into_iter()
        .map(|(medication_id, name, tallies)| MedicationSeries {
            medication_id,
            name,
            points: tallies
                .iter()
                .zip(buckets.starts())
                .map(|(t, start)| MedicationPoint {
                    start: Date(*start),
                    doses: t.logs,
                    mean_effectiveness: mean(t.sum, t.extra),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn range(from: CivilDate, to: CivilDate) -> DateRange {
        DateRange::new(from, to).expect("valid")
    }

    fn id(n: u128) -> Id {
        Id(uuid::Uuid::from_u128(n))
    }

    fn symptom(n: u128, name: &str, day: usize, severities: &[i32]) -> SymptomDay {
        SymptomDay {
            symptom_type_id: id(n),
            name: name.into(),
            name_key: name.to_lowercase(),
            day,
            logs: severities.len() as i64,
            severity_sum: severities.iter().map(|s| i64::from(*s)).sum(),
            severity_max: severities.iter().copied().max().unwrap_or(0),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_hold_only_days_inside_the_range() {
        // (from, to, bucket starts, bucket of each day)
        let cases: &[(CivilDate, CivilDate, &[CivilDate], &[usize])] = &[
            // Wednesday to the Tuesday after next: Wed–Sun, Mon–Sun, Mon–Tue.
            (
                date(2026, 11, 4),
                date(2026, 11, 17),
                &[date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 16)],
                &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2],
            ),
            // Monday to Sunday: one whole week.
            (
                date(2026, 11, 2),
                date(2026, 11, 8),
                &[date(2026, 11, 2)],
                &[0, 0, 0, 0, 0, 0, 0],
            ),
            // A Sunday alone, then a Sunday and the Monday after.
            (
                date(2026, 11, 8),
                date(2026, 11, 8),
                &[date(2026, 11, 8)],
                &[0],
            ),
            (
                date(2026, 11, 8),
                date(2026, 11, 9),
                &[date(2026, 11, 8), date(2026, 11, 9)],
                &[0, 1],
            ),
        ];
        for (from, to, starts, of_day) in cases {
            let buckets = Buckets::new(range(*from, *to), BucketSize::Week);
            assert_eq!(buckets.starts(), *starts, "{from}..{to}");
            let got: Vec<usize> = (0..of_day.len()).map(|d| buckets.of_day(d)).collect();
            assert_eq!(got, *of_day, "{from}..{to}");
        }
    }

    #[test]
    fn day_buckets_are_the_days_of_the_range() {
        let buckets = Buckets::new(range(date(2026, 2, 27), date(2026, 3, 2)), BucketSize::Day);
        assert_eq!(
            buckets.starts(),
            [
                date(2026, 2, 27),
                date(2026, 2, 28),
                date(2026, 3, 1),
                date(2026, 3, 2)
            ]
        );
        assert_eq!(buckets.of_day(3), 3);
        let year = Buckets::new(
            range(date(2028, 1, 1), date(2028, 12, 31)),
            BucketSize::Week,
        );
        // 2028-01-01 is a Saturday: a two-day week, then 52 whole weeks to Sunday the 31st.
        assert_eq!(year.len(), 53);
        assert_eq!(year.starts()[1], date(2028, 1, 3));
        assert_eq!(year.starts()[52], date(2028, 12, 25));
    }

    #[test]
    fn means_round_half_away_from_zero_to_two_decimals() {
        let cases = [
            (0, 0, None),
            (10, 4, Some(2.5)),
            (19, 3, Some(6.33)),
            (20, 3, Some(6.67)),
            // 1001 / 200 = 5.005 exactly: half rounds away from zero.
            (1001, 200, Some(5.01)),
            (1, 8, Some(0.13)),
            (-1, 8, Some(-0.13)),
            (7, 1, Some(7.0)),
        ];
        for (sum, count, expected) in cases {
            assert_eq!(mean(sum, count), expected, "{sum}/{count}");
        }
    }

    #[test]
    fn every_series_has_every_bucket_and_series_are_ordered_by_name() {
        let buckets = Buckets::new(
            range(date(2026, 11, 4), date(2026, 11, 10)),
            BucketSize::Week,
        );
        let rows = [
            symptom(2, "nausea", 6, &[3]),
            symptom(1, "Headache", 0, &[4, 5]),
            symptom(1, "Headache", 4, &[9]),
        ];
        let series = symptom_series(&rows, &buckets);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Headache", "nausea"]);
        let headache = &series[0].points;
        assert_eq!(headache.len(), 2);
        assert_eq!(
            (
                headache[0].logs,
                headache[0].mean_severity,
                headache[0].max_severity
            ),
            (3, Some(6.0), Some(9))
        );
        assert_eq!(
            (
                headache[1].logs,
                headache[1].mean_severity,
                headache[1].max_severity
            ),
            (0, None, None)
        );
        assert_eq!(series[1].points[1].start, Date(date(2026, 11, 9)));
        assert_eq!(series[1].points[1].mean_severity, Some(3.0));
    }

    #[test]
    fn medication_means_count_only_rated_logs() {
        let buckets = Buckets::new(range(date(2026, 11, 4), date(2026, 11, 5)), BucketSize::Day);
        let row = |day, logs, sum, rated| MedicationDay {
            medication_id: id(7),
            name: "Ibuprofen".into(),
            name_key: "ibuprofen".into(),
            day,
            logs,
            effectiveness_sum: sum,
            effectiveness_rated: rated,
        };
        let series = medication_series(&[row(0, 3, 7, 2), row(1, 2, 0, 0)], &buckets);
        let points = &series[0].points;
        assert_eq!(
            (points[0].doses, points[0].mean_effectiveness),
            (3, Some(3.5))
        );
        assert_eq!((points[1].doses, points[1].mean_effectiveness), (2, None));
    }
}
