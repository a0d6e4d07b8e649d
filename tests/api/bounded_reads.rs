//! Query plans of every other read a heavy account runs often: the summary's newest logs, the
//! doses' schedules and logs, the passport, and the counts the limits check before each write.
//! Whatever the account's history, each reads the page, the day or the window it asks for and no
//! more, on both databases; on PostgreSQL as planned for the values at hand and as the generic
//! plan of a prepared statement (see `plans`, which holds the log lists the same way).

use medtracker::{
    limits::{DAILY_LOGS, LogKind, quota},
    medications::logs::store as medication_logs,
    pagination::PageQuery,
    passport::view::store as passport,
    schedules::store as schedules,
    symptoms::logs::store as symptom_logs,
    types::{Id, Timestamp},
};
use serde_json::json;
use sqlx::Connection;

use crate::{
    helpers::{TestApp, instant, spawn_app},
    plans::{
        HeavyAccount, PLAN_MODES, analyzed_postgres, heavy_history, log_scans_and_sorts,
        postgres_plan,
    },
    schedules::create_schedule,
};

/// The summary's newest logs of each kind.
const RECENT: i64 = 5;
/// A window as the doses of one day read it (from an hour before the day before, to two hours
/// after the day), in the middle of the heavy account's history: `bulk_logs` wrote one log a
/// minute, so it holds 3 060 logs of 10 000.
const WINDOW: (&str, &str) = ("2026-01-25T23:00:00Z", "2026-01-28T02:00:00Z");
const WINDOW_LOGS: u64 = 3_061;
/// A day of the heavy account's history: 1 440 logs (more than the limit allows, as after a change
/// of time zone). The count stops at the limit, or reads the day's index range and then stops.
const DAY: (&str, &str) = ("2026-01-27T00:00:00Z", "2026-01-28T00:00:00Z");
const DAY_LOGS: u64 = 1_440;

#[derive(Clone, Debug)]
enum Param {
    Id(Id),
    At(Timestamp),
    Count(i64),
    Text(&'static str),
}

impl Param {
    fn pg_type(&self) -> &'static str {
        match self {
            Self::Id(_) => "uuid",
            Self::At(_) => "timestamptz",
            Self::Count(_) => "bigint",
            Self::Text(_) => "text",
        }
    }

    fn literal(&self) -> String {
        match self {
            Self::Id(id) => format!("'{id}'"),
            Self::At(at) => format!("'{at}'"),
            Self::Count(n) => n.to_string(),
            Self::Text(text) => format!("'{text}'"),
        }
    }

    /// The parameters of a page query, read back from the literals it gives the plan tests.
    fn of_page(query: &PageQuery) -> Vec<Self> {
        query
            .parameters()
            .into_iter()
            .map(|(kind, literal)| {
                let text = literal.trim_matches('\'');
                match kind {
                    "uuid" => Self::Id(Id::parse(text).expect("a uuid")),
                    "timestamptz" => Self::At(instant(text)),
                    _ => Self::Count(text.parse().expect("a count")),
                }
            })
            .collect()
    }
}

/// The index range a read walks in a log table (as SQLite's plan names it).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Range {
    /// From the newest, until the page is full.
    Newest,
    /// Between two times.
    Times,
    /// Between two times, for each of the scheduled medications: the logs of a busy day's other
    /// medications are never read.
    TimesOfEachMedication,
}

/// What a read may touch.
#[derive(Clone, Copy, Debug)]
enum Reads {
    /// At most this many rows of a log table, in index order (no sort over the account's logs).
    Logs { most: u64, range: Range },
    /// The account's master data (at most a thousand rows of each kind) through an index on the
    /// account, and no log table.
    MasterData,
}

struct Read {
    name: &'static str,
    sql: String,
    params: Vec<Param>,
    reads: Reads,
}

impl Read {
    fn new(name: &'static str, sql: &str, params: Vec<Param>, reads: Reads) -> Self {
        Self {
            name,
            sql: sql.to_owned(),
            params,
            reads,
        }
    }

    fn page(name: &'static str, query: &PageQuery) -> Self {
        Self {
            name,
            sql: query.sql().to_owned(),
            params: Param::of_page(query),
            // The page, and the row that tells whether another page exists (and one an incremental
            // sort reads to close its last group of equal times).
            reads: Reads::Logs {
                most: u64::try_from(RECENT).expect("small") + 2,
                range: Range::Newest,
            },
        }
    }
}

/// Gives the heavy account a condition, a doctor linked to it, a medication for it and a schedule
/// of each medication, so that the passport and the doses have rows to read.
async fn master_data(heavy: &HeavyAccount) {
    let client = &heavy.client;
    let condition = client
        .post("/api/v1/conditions", &json!({"name": "Migraine"}))
        .await;
    assert_eq!(condition.status, 201, "{}", condition.text);
    let condition = condition.body["id"].as_str().expect("id").to_owned();
    let doctor = client
        .post("/api/v1/doctors", &json!({"name": "Dr. Adler"}))
        .await;
    assert_eq!(doctor.status, 201, "{}", doctor.text);
    let doctor = doctor.body["id"].as_str().expect("id").to_owned();
    let linked = client
        .put(&format!("/api/v1/doctors/{doctor}/conditions/{condition}"))
        .await;
    assert!(linked.status < 300, "{}", linked.text);
    let treated = client
        .post(
            "/api/v1/medications",
            &json!({"name": "Sumatriptan", "condition_id": condition}),
        )
        .await;
    assert_eq!(treated.status, 201, "{}", treated.text);
    let treated = treated.body["id"].as_str().expect("id").to_owned();
    for medication in [heavy.medication.to_string(), treated] {
        let body = json!({"times": ["08:00", "20:00"], "starts_on": "2025-12-01"});
        create_schedule(client, &medication, body).await;
    }
}

fn reads(heavy: &HeavyAccount) -> Vec<Read> {
    let user = Param::Id(heavy.user);
    let window = || vec![user.clone(), at(WINDOW.0), at(WINDOW.1)];
    let day = || vec![user.clone(), at(DAY.0), at(DAY.1), Param::Count(DAILY_LOGS)];
    let master = |name, sql| Read::new(name, sql, vec![user.clone()], Reads::MasterData);
    let scheduled_window_logs = Reads::Logs {
        most: WINDOW_LOGS,
        range: Range::TimesOfEachMedication,
    };
    let day_logs = Reads::Logs {
        most: DAY_LOGS,
        range: Range::Times,
    };
    vec![
        Read::page(
            "the summary's newest medication logs",
            &medication_logs::page_query(heavy.user, &Default::default(), RECENT, None),
        ),
        Read::page(
            "the summary's newest symptom logs",
            &symptom_logs::page_query(heavy.user, &Default::default(), RECENT, None),
        ),
        Read::new(
            "the schedules doses are planned from, with the logs they are matched with",
            schedules::PLANNING_WITH_LOGS_SQL,
            window(),
            scheduled_window_logs,
        ),
        Read::new(
            "the earlier logs a long chain of close doses is matched with",
            schedules::LOGS_BETWEEN_SQL,
            window(),
            scheduled_window_logs,
        ),
        master(
            "the schedules alone, at the edge of the supported dates",
            schedules::PLANNING_SQL,
        ),
        master("the passport's conditions", passport::CONDITIONS),
        master("the passport's doctors", passport::LINKED_DOCTORS),
        master("the passport's medications", passport::ACTIVE_MEDICATIONS),
        Read::new(
            "the daily limit's count of medication logs",
            LogKind::Medication.count_sql(),
            day(),
            day_logs,
        ),
        Read::new(
            "the daily limit's count of symptom logs",
            LogKind::Symptom.count_sql(),
            day(),
            day_logs,
        ),
        Read::new(
            "the quota's counter",
            quota::USAGE_SQL,
            vec![user.clone(), Param::Text("medication_logs")],
            Reads::MasterData,
        ),
    ]
}

fn at(raw: &str) -> Param {
    Param::At(instant(raw))
}

#[tokio::test]
async fn every_frequent_read_is_bounded_by_its_page_day_or_window() {
    let app = spawn_app().await;
    let heavy = heavy_history(&app).await;
    master_data(&heavy).await;
    let reads = reads(&heavy);
    if app.database_url.starts_with("postgres") {
        check_postgres(&app, &reads).await;
    } else {
        check_sqlite(&app, &reads).await;
    }
}

async fn check_postgres(app: &TestApp, reads: &[Read]) {
    let mut conn = analyzed_postgres(app).await;
    // Six accounts' master data is a few rows, where a sequential scan is rightly cheaper; among
    // thousands of accounts it is not, so the test asks which index serves (a read that has none
    // still shows a sequential scan).
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .expect("index scans only");
    for mode in PLAN_MODES {
        for read in reads {
            let types: Vec<&str> = read.params.iter().map(Param::pg_type).collect();
            let values: Vec<String> = read.params.iter().map(Param::literal).collect();
            let plan = postgres_plan(&mut conn, mode, &read.sql, &types, &values).await;
            let text = plan.join("\n");
            let name = read.name;
            assert!(
                !text.contains("Seq Scan"),
                "{name} ({mode}) reads a whole table:\n{text}"
            );
            let (scans, sorts) = log_scans_and_sorts(&plan);
            match read.reads {
                Reads::Logs { most, .. } => {
                    assert!(!sorts, "{name} ({mode}) sorts:\n{text}");
                    assert!(
                        !scans.is_empty() && scans.iter().all(|&rows| rows <= most),
                        "{name} ({mode}) reads more than {most} rows of a log table:\n{text}"
                    );
                }
                Reads::MasterData => {
                    assert!(scans.is_empty(), "{name} ({mode}) reads logs:\n{text}");
                }
            }
        }
    }
}

async fn check_sqlite(app: &TestApp, reads: &[Read]) {
    let url = format!("{}?mode=ro", app.database_url);
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("SQLite");
    for read in reads {
        let sql = format!("EXPLAIN QUERY PLAN {}", read.sql);
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
        for param in &read.params {
            query = match *param {
                Param::Id(id) => query.bind(id),
                Param::At(at) => query.bind(at),
                Param::Count(n) => query.bind(n),
                Param::Text(text) => query.bind(text),
            };
        }
        let plan = query.fetch_all(&mut conn).await.expect("a plan");
        let steps: Vec<&str> = plan.iter().map(|(.., detail)| detail.as_str()).collect();
        let name = read.name;
        assert!(
            steps.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{name} sorts: {steps:?}"
        );
        // A `SCAN` of a table walks all of it, every account's rows; a `SEARCH` a range of it.
        // Scanning a subquery's own result (a count's) reads only what the subquery found.
        let subqueries: Vec<&str> = steps
            .iter()
            .filter_map(|step| {
                step.strip_prefix("CO-ROUTINE ")
                    .or_else(|| step.strip_prefix("MATERIALIZE "))
            })
            .collect();
        let whole_table = |step: &&str| {
            step.strip_prefix("SCAN ").is_some_and(|scanned| {
                let scanned = scanned.split_whitespace().next().unwrap_or_default();
                !subqueries.contains(&scanned)
            })
        };
        assert!(
            !steps.iter().any(whole_table),
            "{name} reads a whole table: {steps:?}"
        );
        let on_logs =
            |step: &str| step.contains("medication_logs") || step.contains("symptom_logs");
        match read.reads {
            Reads::Logs { range, .. } => {
                let walks = steps.iter().filter(|step| on_logs(step)).any(|step| {
                    let times = step.contains("_at>") && step.contains("_at<");
                    step.starts_with("SEARCH ")
                        && match range {
                            Range::Newest => true,
                            Range::Times => times,
                            Range::TimesOfEachMedication => {
                                times && step.contains("(medication_id=?")
                            }
                        }
                });
                assert!(walks, "{name} does not walk a log index range: {steps:?}");
            }
            Reads::MasterData => {
                assert!(
                    !steps.iter().any(|step| on_logs(step)),
                    "{name} reads logs: {steps:?}"
                );
            }
        }
    }
}
