//! The sample data of a demo account (what `POST /auth/demo` seeds), as a pure function of a seed
//! and the current instant: every screen has something to show, no two demos look identical, and
//! tests can pin the output down.
//!
//! The shape (which records, how many logs on which days) is fixed; the seed varies times,
//! severities, ratings and notes around a plan in which the last days improve, so that
//! feel-vs-yesterday shows a trend (today better than yesterday).

use jiff::Span;

use crate::{
    passport::conditions::model::ConditionStatus,
    types::{Date, Timestamp},
};

/// Logs cover this many calendar days (UTC), today included.
pub const DAYS: i64 = 14;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

#[derive(Clone, Debug, PartialEq)]
pub struct SampleData {
    pub conditions: Vec<SampleCondition>,
    pub doctors: Vec<SampleDoctor>,
    /// (index into `doctors`, index into `conditions`).
    pub links: Vec<(usize, usize)>,
    pub medications: Vec<SampleMedication>,
    pub symptom_types: Vec<SampleSymptomType>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleCondition {
    pub name: &'static str,
    pub status: ConditionStatus,
    pub diagnosed_on: Date,
    pub notes: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleDoctor {
    pub name: &'static str,
    pub specialty: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub address: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleMedication {
    pub name: &'static str,
    pub dosage: &'static str,
    pub form: &'static str,
    pub purpose: &'static str,
    pub frequency: &'static str,
    /// Index into `doctors`.
    pub prescribing_doctor: Option<usize>,
    /// Index into `conditions`.
    pub condition: Option<usize>,
    pub notes: Option<&'static str>,
    pub active: bool,
    pub logs: Vec<SampleMedicationLog>,
    pub schedule: Option<SampleSchedule>,
}

/// A daily schedule at one local time (the demo account's time zone is UTC).
#[derive(Clone, Debug, PartialEq)]
pub struct SampleSchedule {
    pub time: jiff::civil::Time,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub dose_amount: f64,
    pub dose_unit: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleMedicationLog {
    pub taken_at: Timestamp,
    pub dose_amount: f64,
    pub dose_unit: &'static str,
    pub effectiveness: i32,
    pub side_effects: Option<&'static str>,
    pub side_effect_severity: Option<i32>,
    pub notes: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleSymptomType {
    pub name: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub default_severity: i32,
    pub default_impact: i32,
    pub logs: Vec<SampleSymptomLog>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SampleSymptomLog {
    pub started_at: Timestamp,
    /// With `ended_at`; both `None` while the symptom is ongoing.
    pub duration_minutes: Option<i32>,
    pub ended_at: Option<Timestamp>,
    pub severity: i32,
    pub impact: i32,
    pub notes: Option<&'static str>,
}

/// SplitMix64: tiny, fast and fully determined by its seed (the `rand` crate does not promise
/// stable output across versions, which would break the tests' pinned expectations).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        let width = u64::try_from(high - low + 1).unwrap_or(1).max(1);
        low + i64::try_from(self.next() % width).unwrap_or(0)
    }

    fn chance(&mut self, percent: i64) -> bool {
        self.between(1, 100) <= percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let last = i64::try_from(items.len()).ok()? - 1;
        items
            .get(usize::try_from(self.between(0, last)).ok()?)
            .copied()
    }
}

/// Places "minute `minute` of the day `days_ago` days before today" on the timeline, never after
/// `now`: today's plan is compressed into the part of the day that has already passed.
struct Clock {
    now: i64,
    today_start: i64,
}

impl Clock {
    fn new(now: Timestamp) -> Self {
        let now = now.as_millis();
        Self {
            now,
            today_start: now - now.rem_euclid(DAY_MS),
        }
    }

    fn at(&self, days_ago: i64, minute: i64) -> Timestamp {
        let minute = minute.clamp(0, 24 * 60 - 1);
        let millis = if days_ago == 0 {
            let elapsed = self.now - self.today_start;
            self.today_start + elapsed * minute / (24 * 60)
        } else {
            self.today_start - days_ago * DAY_MS + minute * MINUTE_MS
        };
        Timestamp::from_millis(millis)
    }

    /// As [`Clock::at`], but today at the minute itself once that minute has passed, so that a
    /// dose logged today lies in its schedule's window.
    fn at_if_past(&self, days_ago: i64, minute: i64) -> Timestamp {
        let real = self.today_start - days_ago * DAY_MS + minute.clamp(0, 24 * 60 - 1) * MINUTE_MS;
        if days_ago == 0 && real <= self.now {
            Timestamp::from_millis(real)
        } else {
            self.at(days_ago, minute)
        }
    }

    fn today(&self) -> Date {
        Date(
            Timestamp::from_millis(self.today_start)
                .to_jiff()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date(),
        )
    }
}

/// Planned severities by days ago (index 0 = today); `None` = not felt that day.
const HEADACHE: [Option<i32>; DAYS as usize] = [
    Some(3),
    Some(7),
    None,
    Some(6),
    Some(8),
    Some(7),
    Some(4),
    None,
    Some(5),
    None,
    Some(6),
    Some(3),
    None,
    Some(4),
];
const FATIGUE: [Option<i32>; DAYS as usize] = [
    None,
    Some(6),
    Some(4),
    Some(5),
    Some(6),
    Some(6),
    None,
    Some(4),
    Some(3),
    None,
    Some(5),
    None,
    Some(4),
    None,
];
const SNEEZING: [i32; DAYS as usize] = [2, 4, 3, 4, 5, 4, 2, 3, 3, 4, 5, 2, 4, 3];
/// A headache at least this bad gets the triptan (from the day the ibuprofen was dropped).
const TRIPTAN_FROM_SEVERITY: i32 = 5;
/// Ibuprofen was taken for headaches until this many days ago, then replaced.
const IBUPROFEN_UNTIL_DAYS_AGO: i64 = 11;
/// The antihistamine is scheduled every morning at 07:30; on these days it was forgotten until
/// late morning, too late for its window: the demo's missed doses.
const ANTIHISTAMINE_MINUTE: i64 = 7 * 60 + 30;
const ANTIHISTAMINE_FORGOTTEN_DAYS_AGO: [i64; 2] = [9, 4];
/// During the worst stretch the neurologist planned the triptan every afternoon at 14:30, from
/// this many days ago to yesterday (four of the five days had a headache to take it for).
const TRIPTAN_PLAN_FROM_DAYS_AGO: i64 = 5;
const TRIPTAN_MINUTE: i64 = 14 * 60 + 30;

/// Varies a planned severity by at most one step, staying within 1..=10.
fn vary(rng: &mut Rng, planned: i32) -> i32 {
    let step = i32::try_from(rng.between(-1, 1)).unwrap_or(0);
    (planned + step).clamp(1, 10)
}

fn minutes(rng: &mut Rng, around: i64, spread: i64) -> i64 {
    around + rng.between(-spread, spread)
}

fn symptom_log(
    clock: &Clock,
    rng: &mut Rng,
    days_ago: i64,
    start_minute: i64,
    duration: (i64, i64),
    severity: i32,
    notes: &[&'static str],
) -> SampleSymptomLog {
    let started_at = clock.at(days_ago, start_minute);
    let duration_minutes = rng.between(duration.0, duration.1);
    let ended_at = started_at.plus_millis(duration_minutes * MINUTE_MS);
    // A symptom that would end after now is still going on.
    let ended = (ended_at.as_millis() <= clock.now).then_some(ended_at);
    let impact = (severity + i32::try_from(rng.between(-2, 0)).unwrap_or(0)).clamp(1, 10);
    SampleSymptomLog {
        started_at,
        duration_minutes: ended.and(i32::try_from(duration_minutes).ok()),
        ended_at: ended,
        severity,
        impact,
        notes: if rng.chance(35) {
            rng.pick(notes)
        } else {
            None
        },
    }
}

fn symptom_types(clock: &Clock, rng: &mut Rng) -> Vec<SampleSymptomType> {
    let (mut headache, mut fatigue, mut sneezing) = (Vec::new(), Vec::new(), Vec::new());
    for days_ago in (0..DAYS).rev() {
        let plan = |series: &[Option<i32>; DAYS as usize]| {
            usize::try_from(days_ago)
                .ok()
                .and_then(|i| series.get(i).copied().flatten())
        };
        if let Some(planned) = plan(&HEADACHE) {
            let severity = vary(rng, planned);
            let start = minutes(rng, 14 * 60, 150);
            headache.push(symptom_log(
                clock,
                rng,
                days_ago,
                start,
                (45, 240),
                severity,
                &[
                    "Started behind the left eye",
                    "Worse with screen time",
                    "Eased after lying down in the dark",
                ],
            ));
        }
        if let Some(planned) = plan(&FATIGUE) {
            let severity = vary(rng, planned);
            let start = minutes(rng, 15 * 60, 60);
            fatigue.push(symptom_log(
                clock,
                rng,
                days_ago,
                start,
                (90, 360),
                severity,
                &["Slept badly", "Afternoon slump", "Needed a nap"],
            ));
        }
        let planned = usize::try_from(days_ago)
            .ok()
            .and_then(|i| SNEEZING.get(i).copied())
            .unwrap_or(3);
        let severity = vary(rng, planned);
        let start = minutes(rng, 8 * 60 + 30, 45);
        sneezing.push(symptom_log(
            clock,
            rng,
            days_ago,
            start,
            (10, 45),
            severity,
            &["High pollen count", "Windows were open overnight"],
        ));
    }
    vec![
        SampleSymptomType {
            name: "Headache",
            description: "Throbbing pain, usually on one side",
            category: "Neurological",
            default_severity: 5,
            default_impact: 5,
            logs: headache,
        },
        SampleSymptomType {
            name: "Sneezing",
            description: "Sneezing fits and a runny nose",
            category: "Allergy",
            default_severity: 3,
            default_impact: 2,
            logs: sneezing,
        },
        SampleSymptomType {
            name: "Fatigue",
            description: "Low energy, hard to concentrate",
            category: "General",
            default_severity: 4,
            default_impact: 4,
            logs: fatigue,
        },
    ]
}

/// Medication logs follow the symptom plan: the antihistamine every morning, a painkiller on
/// headache days (ibuprofen at first, then the triptan that replaced it).
fn medication_logs(
    clock: &Clock,
    rng: &mut Rng,
) -> (
    Vec<SampleMedicationLog>,
    Vec<SampleMedicationLog>,
    Vec<SampleMedicationLog>,
) {
    let (mut triptan, mut antihistamine, mut ibuprofen) = (Vec::new(), Vec::new(), Vec::new());
    for days_ago in (0..DAYS).rev() {
        let forgotten = ANTIHISTAMINE_FORGOTTEN_DAYS_AGO.contains(&days_ago);
        let minute = if forgotten {
            minutes(rng, 11 * 60 + 15, 20)
        } else {
            minutes(rng, ANTIHISTAMINE_MINUTE, 25)
        };
        antihistamine.push(SampleMedicationLog {
            taken_at: clock.at_if_past(days_ago, minute),
            dose_amount: 10.0,
            dose_unit: "mg",
            effectiveness: i32::try_from(rng.between(3, 5)).unwrap_or(4),
            side_effects: None,
            side_effect_severity: None,
            notes: forgotten.then_some("Forgot it in the morning"),
        });
        let headache = usize::try_from(days_ago)
            .ok()
            .and_then(|i| HEADACHE.get(i).copied().flatten());
        let Some(planned) = headache else { continue };
        let taken_at = clock.at(days_ago, minutes(rng, 14 * 60 + 40, 60));
        if days_ago >= IBUPROFEN_UNTIL_DAYS_AGO {
            ibuprofen.push(SampleMedicationLog {
                taken_at,
                dose_amount: 400.0,
                dose_unit: "mg",
                effectiveness: i32::try_from(rng.between(1, 3)).unwrap_or(2),
                side_effects: None,
                side_effect_severity: None,
                notes: Some("Barely helped"),
            });
        } else if planned >= TRIPTAN_FROM_SEVERITY {
            let drowsy = rng.chance(40);
            triptan.push(SampleMedicationLog {
                taken_at,
                dose_amount: 50.0,
                dose_unit: "mg",
                effectiveness: i32::try_from(rng.between(3, 5)).unwrap_or(4),
                side_effects: drowsy.then_some("Drowsy for an hour"),
                side_effect_severity: drowsy.then(|| i32::try_from(rng.between(2, 4)).unwrap_or(3)),
                notes: if rng.chance(30) {
                    Some("Took it at the first sign")
                } else {
                    None
                },
            });
        }
    }
    (triptan, antihistamine, ibuprofen)
}

fn minute_of_day(minute: i64) -> jiff::civil::Time {
    let hour = i8::try_from(minute / 60).unwrap_or(0);
    let minute = i8::try_from(minute % 60).unwrap_or(0);
    jiff::civil::Time::new(hour, minute, 0, 0).unwrap_or(jiff::civil::Time::midnight())
}

/// The demo's records, with logs on each of the [`DAYS`] days up to `now` (UTC), none after it.
pub fn generate(seed: u64, now: Timestamp) -> SampleData {
    let clock = Clock::new(now);
    let mut rng = Rng(seed);
    let today = clock.today();
    let days_before_today = |days: i64| Date(today.0.saturating_sub(Span::new().days(days)));
    let symptom_types = symptom_types(&clock, &mut rng);
    let (triptan, antihistamine, ibuprofen) = medication_logs(&clock, &mut rng);
    SampleData {
        conditions: vec![
            SampleCondition {
                name: "Migraine",
                status: ConditionStatus::Active,
                diagnosed_on: days_before_today(3 * 365 + 40),
                notes: Some("Triggers: lack of sleep, bright light, skipped meals"),
            },
            SampleCondition {
                name: "Hay fever",
                status: ConditionStatus::Active,
                diagnosed_on: days_before_today(8 * 365 + 120),
                notes: Some("Birch and grass pollen, worst from April to June"),
            },
        ],
        doctors: vec![
            SampleDoctor {
                name: "Dr. Anna Weber",
                specialty: "Neurology",
                phone: "+49 30 1234 5678",
                email: "praxis.weber@example.org",
                address: "Hauptstraße 12\n10115 Berlin",
            },
            SampleDoctor {
                name: "Dr. Tomás Ruiz",
                specialty: "General practice",
                phone: "+49 30 8765 4321",
                email: "info@hausarzt-ruiz.example.org",
                address: "Lindenweg 3\n10117 Berlin",
            },
        ],
        links: vec![(0, 0), (1, 0), (1, 1)],
        medications: vec![
            SampleMedication {
                name: "Sumatriptan",
                dosage: "50 mg",
                form: "tablet",
                purpose: "Stops migraine attacks",
                frequency: "As needed, at most 2 per day",
                prescribing_doctor: Some(0),
                condition: Some(0),
                notes: Some("Take at the first sign of a migraine"),
                active: true,
                logs: triptan,
                schedule: Some(SampleSchedule {
                    time: minute_of_day(TRIPTAN_MINUTE),
                    starts_on: days_before_today(TRIPTAN_PLAN_FROM_DAYS_AGO),
                    ends_on: Some(days_before_today(1)),
                    dose_amount: 50.0,
                    dose_unit: "mg",
                }),
            },
            SampleMedication {
                name: "Cetirizine",
                dosage: "10 mg",
                form: "tablet",
                purpose: "Hay fever relief",
                frequency: "Once daily, in the morning",
                prescribing_doctor: Some(1),
                condition: Some(1),
                notes: None,
                active: true,
                logs: antihistamine,
                schedule: Some(SampleSchedule {
                    time: minute_of_day(ANTIHISTAMINE_MINUTE),
                    starts_on: days_before_today(DAYS - 1),
                    ends_on: None,
                    dose_amount: 10.0,
                    dose_unit: "mg",
                }),
            },
            SampleMedication {
                name: "Ibuprofen",
                dosage: "400 mg",
                form: "tablet",
                purpose: "Pain relief",
                frequency: "As needed",
                prescribing_doctor: None,
                condition: None,
                notes: Some("Replaced by sumatriptan: it did not help with the migraines"),
                active: false,
                logs: ibuprofen,
                schedule: None,
            },
        ],
        symptom_types,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const SEEDS: [u64; 6] = [0, 1, 42, 7_777, u64::MAX, 0x0123_4567_89ab_cdef];

    fn at(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).expect("a valid timestamp")
    }

    fn day_of(ts: Timestamp) -> i64 {
        ts.as_millis().div_euclid(DAY_MS)
    }

    fn mean(values: &[i32]) -> f64 {
        f64::from(values.iter().sum::<i32>()) / values.len() as f64
    }

    /// Mean severity of the symptom logs started `days_ago` days before `now`'s day.
    fn mean_severity(data: &SampleData, now: Timestamp, days_ago: i64) -> f64 {
        let severities: Vec<i32> = data
            .symptom_types
            .iter()
            .flat_map(|t| &t.logs)
            .filter(|l| day_of(l.started_at) == day_of(now) - days_ago)
            .map(|l| l.severity)
            .collect();
        mean(&severities)
    }

    #[test]
    fn the_sample_data_fits_a_demo_accounts_quotas_and_days_for_every_seed() {
        use crate::limits::{DAILY_LOGS, quota::DEMO_LOGS};
        let now = at("2026-11-27T15:04:05.123Z");
        for seed in SEEDS {
            let data = generate(seed, now);
            let medication_logs: Vec<_> = data
                .medications
                .iter()
                .flat_map(|m| m.logs.iter().map(|l| l.taken_at))
                .collect();
            let symptom_logs: Vec<_> = data
                .symptom_types
                .iter()
                .flat_map(|t| t.logs.iter().map(|l| l.started_at))
                .collect();
            for times in [&medication_logs, &symptom_logs] {
                // Room to spare: a visitor should be able to try logging.
                assert!((times.len() as i64) < DEMO_LOGS / 2, "seed {seed}");
                let busiest = times
                    .iter()
                    .map(|t| times.iter().filter(|u| day_of(**u) == day_of(*t)).count())
                    .max()
                    .unwrap_or(0);
                // The demo's time zone is UTC, so its days are the UTC days.
                assert!((busiest as i64) < DAILY_LOGS, "seed {seed}");
            }
        }
    }

    #[test]
    fn the_same_seed_and_instant_give_the_same_data() {
        let now = at("2026-11-27T15:04:05.123Z");
        assert_eq!(generate(42, now), generate(42, now));
        assert_ne!(generate(42, now), generate(43, now));
    }

    #[test]
    fn the_shape_matches_the_contract_for_every_seed() {
        let now = at("2026-11-27T15:04:05.123Z");
        for seed in SEEDS {
            let data = generate(seed, now);
            assert_eq!(data.medications.len(), 3);
            assert_eq!(data.medications.iter().filter(|m| !m.active).count(), 1);
            assert_eq!(data.symptom_types.len(), 3);
            assert_eq!(data.conditions.len(), 2);
            assert_eq!(data.doctors.len(), 2);
            let medication_logs: usize = data.medications.iter().map(|m| m.logs.len()).sum();
            let symptom_logs: usize = data.symptom_types.iter().map(|t| t.logs.len()).sum();
            assert_eq!((medication_logs, symptom_logs), (22, 33), "seed {seed}");
        }
    }

    #[test]
    fn references_point_at_existing_records_and_every_doctor_is_linked() {
        let data = generate(1, at("2026-11-27T15:04:05Z"));
        for (doctor, condition) in &data.links {
            assert!(*doctor < data.doctors.len() && *condition < data.conditions.len());
        }
        let linked: BTreeSet<usize> = data.links.iter().map(|(d, _)| *d).collect();
        assert_eq!(linked.len(), data.doctors.len());
        for medication in &data.medications {
            assert!(
                medication
                    .prescribing_doctor
                    .is_none_or(|d| d < data.doctors.len())
            );
            assert!(
                medication
                    .condition
                    .is_none_or(|c| c < data.conditions.len())
            );
        }
        assert!(data.medications.iter().any(|m| m.condition.is_some()));
        assert!(
            data.medications
                .iter()
                .any(|m| m.prescribing_doctor.is_some())
        );
    }

    #[test]
    fn logs_cover_fourteen_days_ending_today_and_none_is_in_the_future() {
        // Just after midnight, midday and just before midnight: today's logs must still fit.
        for now in [
            "2026-11-27T00:00:00.000Z",
            "2026-11-27T00:03:00.000Z",
            "2026-11-27T12:00:00.000Z",
            "2026-11-27T23:59:59.999Z",
        ] {
            let now = at(now);
            for seed in SEEDS {
                let data = generate(seed, now);
                let mut days = BTreeSet::new();
                for log in data.medications.iter().flat_map(|m| &m.logs) {
                    assert!(log.taken_at <= now, "{now}: {:?}", log.taken_at);
                    days.insert(day_of(log.taken_at));
                }
                for log in data.symptom_types.iter().flat_map(|t| &t.logs) {
                    assert!(log.started_at <= now);
                    assert!(log.ended_at.is_none_or(|end| end <= now));
                    days.insert(day_of(log.started_at));
                }
                let expected: BTreeSet<i64> = (day_of(now) - DAYS + 1..=day_of(now)).collect();
                assert_eq!(days, expected, "{now} seed {seed}");
            }
        }
    }

    #[test]
    fn values_respect_the_api_rules() {
        for seed in SEEDS {
            let data = generate(seed, at("2026-11-27T18:30:00Z"));
            for log in data.symptom_types.iter().flat_map(|t| &t.logs) {
                assert!((1..=10).contains(&log.severity) && (1..=10).contains(&log.impact));
                assert_eq!(log.ended_at.is_some(), log.duration_minutes.is_some());
                if let (Some(end), Some(minutes)) = (log.ended_at, log.duration_minutes) {
                    assert!((1..=720).contains(&minutes));
                    assert_eq!(
                        end.as_millis() - log.started_at.as_millis(),
                        i64::from(minutes) * MINUTE_MS
                    );
                }
            }
            for log in data.medications.iter().flat_map(|m| &m.logs) {
                assert!((1..=5).contains(&log.effectiveness));
                assert!(
                    log.side_effect_severity
                        .is_none_or(|s| (1..=10).contains(&s))
                );
                assert_eq!(
                    log.side_effects.is_some(),
                    log.side_effect_severity.is_some()
                );
            }
            let inactive = data.medications.iter().find(|m| !m.active);
            assert!(
                inactive.is_some_and(|m| !m.logs.is_empty()),
                "history of a dropped drug"
            );
        }
    }

    #[test]
    fn today_is_clearly_better_than_yesterday_for_every_seed() {
        for now in ["2026-11-27T00:00:00Z", "2026-11-27T21:15:00Z"] {
            let now = at(now);
            for seed in SEEDS {
                let data = generate(seed, now);
                let delta = mean_severity(&data, now, 0) - mean_severity(&data, now, 1);
                assert!(delta <= -1.0, "{now} seed {seed}: delta {delta}");
            }
        }
    }

    #[test]
    fn diagnoses_lie_in_the_past() {
        let now = at("2026-11-27T10:00:00Z");
        let today = Date::parse("2026-11-27").expect("a date");
        for condition in generate(5, now).conditions {
            assert!(condition.diagnosed_on < today);
        }
    }

    #[test]
    fn the_schedules_are_mostly_kept_with_a_few_doses_missed() {
        use crate::schedules::{
            doses::percent,
            matching::{DoseStatus, LoggedDose, match_doses, status},
            plan::{SchedulePlan, planned_doses},
        };
        for now in [
            "2026-11-27T06:00:00Z",
            "2026-11-27T12:00:00Z",
            "2026-11-27T23:59:00Z",
            "2026-03-29T10:00:00Z",
        ] {
            let now = at(now);
            for seed in SEEDS {
                let data = generate(seed, now);
                let mut plans = Vec::new();
                let mut logs = Vec::new();
                for medication in data.medications.iter() {
                    let id = crate::types::Id::new();
                    if let Some(schedule) = &medication.schedule {
                        assert!(medication.active);
                        plans.push(SchedulePlan {
                            schedule_id: crate::types::Id::new(),
                            medication_id: id,
                            times: vec![schedule.time],
                            days_of_week: None,
                            starts_on: schedule.starts_on.0,
                            ends_on: schedule.ends_on.map(|d| d.0),
                            stopped_at: None,
                        });
                    }
                    logs.extend(medication.logs.iter().map(|log| LoggedDose {
                        id: crate::types::Id::new(),
                        medication_id: id,
                        taken_at: log.taken_at,
                    }));
                }
                assert_eq!(plans.len(), 2, "a schedule on each active medication");
                let today = now
                    .to_jiff()
                    .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .date();
                let first = today.saturating_sub(Span::new().days(DAYS - 1));
                let doses = planned_doses(&plans, &jiff::tz::TimeZone::UTC, first, today, 1_000)
                    .expect("a few doses");
                let statuses: Vec<DoseStatus> = doses
                    .iter()
                    .zip(match_doses(&doses, &logs))
                    .map(|(dose, taking)| status(dose.planned_at, taking, now))
                    .collect();
                let taken = statuses.iter().filter(|s| **s == DoseStatus::Taken).count();
                let missed = statuses
                    .iter()
                    .filter(|s| **s == DoseStatus::Missed)
                    .count();
                let (taken, missed) = (
                    u32::try_from(taken).unwrap_or(0),
                    u32::try_from(missed).unwrap_or(0),
                );
                let percent = percent(taken, taken + missed).unwrap_or(0.0);
                assert!(
                    (80.0..=90.0).contains(&percent),
                    "{now} seed {seed}: {percent}"
                );
                assert!(missed >= 2, "{now} seed {seed}: a few doses are missed");
            }
        }
    }
}
