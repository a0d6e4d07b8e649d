//! Query plans of the log lists: a page walks the account's log index in order and stops after
//! the page, whatever the account's history, on both databases. An account with 10 000 logs among
//! others; every variant of the list (first page, a cursor deep in the history, filtered by
//! medication or type, a date range). On PostgreSQL each plan is checked twice: as planned for
//! the values at hand, and as the generic plan a prepared statement switches to after five
//! executions (forced here with `plan_cache_mode`).

use medtracker::{
    medications::logs::store::{self as medication_logs, LogFilter as MedicationFilter},
    pagination::{Cursor, PageQuery},
    symptoms::logs::{model::LogFilter as SymptomFilter, store as symptom_logs},
    types::Id,
};
use serde_json::json;
use sqlx::Connection;

use crate::{
    helpers::{Client, TestApp, instant, spawn_app},
    records::{bulk_logs, user_id},
};

const HISTORY: usize = 10_000;
const LIMIT: i64 = 20;
/// The page, the row that tells whether another page exists, and the one an incremental sort reads
/// to close its last group of equal times.
const PAGE_READ: u64 = 22;

/// The account under test: signed in, with one medication and one symptom type.
pub struct HeavyAccount {
    pub client: Client,
    pub user: Id,
    pub medication: Id,
    pub kind: Id,
}

/// The account under test (10 000 logs of each kind) and five others with 500 each.
pub async fn heavy_history(app: &TestApp) -> HeavyAccount {
    let mut heavy = None;
    for n in 0..6 {
        let (client, _) = app.signed_in().await;
        let user = user_id(&client).await;
        let medication = client
            .post("/api/v1/medications", &json!({"name": "Ibuprofen"}))
            .await;
        assert_eq!(medication.status, 201, "{}", medication.text);
        let kind = client
            .post("/api/v1/symptom-types", &json!({"name": "Headache"}))
            .await;
        assert_eq!(kind.status, 201, "{}", kind.text);
        let medication = Id::parse(medication.body["id"].as_str().expect("id")).expect("uuid");
        let kind = Id::parse(kind.body["id"].as_str().expect("id")).expect("uuid");
        let count = if n == 0 { HISTORY } else { 500 };
        bulk_logs(app, user, medication, count, false).await;
        bulk_logs(app, user, kind, count, true).await;
        if n == 0 {
            heavy = Some(HeavyAccount {
                client,
                user,
                medication,
                kind,
            });
        }
    }
    heavy.expect("the heavy account")
}

/// Every variant of both lists for the heavy account, by name.
fn page_queries(user: Id, medication: Id, kind: Id) -> Vec<(&'static str, PageQuery)> {
    // `bulk_logs` writes one log a minute back from 2026-01-31: the 5 000th is about 3.5 days back.
    let deep = Cursor {
        at: instant("2026-01-27T12:40:00Z"),
        id: Id::new(),
    };
    let range_from = Some(instant("2026-01-20T00:00:00Z"));
    let range_to = Some(instant("2026-01-25T00:00:00Z"));
    let medication_filter = |medication_id| MedicationFilter {
        medication_id,
        ..MedicationFilter::default()
    };
    let symptom_filter = |symptom_type_id| SymptomFilter {
        symptom_type_id,
        ..SymptomFilter::default()
    };
    vec![
        (
            "medication logs, first page",
            medication_logs::page_query(user, &medication_filter(None), LIMIT, None),
        ),
        (
            "medication logs, deep cursor",
            medication_logs::page_query(user, &medication_filter(None), LIMIT, Some(deep)),
        ),
        (
            "medication logs of one medication",
            medication_logs::page_query(
                user,
                &medication_filter(Some(medication)),
                LIMIT,
                Some(deep),
            ),
        ),
        (
            "medication logs in a date range",
            medication_logs::page_query(
                user,
                &MedicationFilter {
                    from: range_from,
                    to: range_to,
                    medication_id: None,
                },
                LIMIT,
                None,
            ),
        ),
        (
            "symptom logs, first page",
            symptom_logs::page_query(user, &symptom_filter(None), LIMIT, None),
        ),
        (
            "symptom logs, deep cursor",
            symptom_logs::page_query(user, &symptom_filter(None), LIMIT, Some(deep)),
        ),
        (
            "symptom logs of one type",
            symptom_logs::page_query(user, &symptom_filter(Some(kind)), LIMIT, Some(deep)),
        ),
        (
            "symptom logs in a date range",
            symptom_logs::page_query(
                user,
                &SymptomFilter {
                    from: range_from,
                    to: range_to,
                    symptom_type_id: None,
                },
                LIMIT,
                None,
            ),
        ),
    ]
}

/// Rows each plan node over a log table produced (`actual ... rows=N`), and whether any node sorts
/// its whole input. An incremental sort is allowed: fed in time order, it only orders ties by id
/// and reads one row past the page to see where the last tie ends.
pub fn log_scans_and_sorts(plan: &[String]) -> (Vec<u64>, bool) {
    let mut rows = Vec::new();
    let mut sorts = false;
    for line in plan {
        let node = line.trim_start().trim_start_matches("->").trim_start();
        if node.starts_with("Sort (") {
            sorts = true;
        }
        if line.contains(" on medication_logs") || line.contains(" on symptom_logs") {
            rows.push(actual_rows(line));
        }
    }
    (rows, sorts)
}

/// The plan modes each PostgreSQL statement is checked under: as planned for the values at hand,
/// and as the generic plan a prepared statement switches to after five executions.
pub const PLAN_MODES: [&str; 2] = ["force_custom_plan", "force_generic_plan"];

/// A connection to the test's PostgreSQL database with fresh statistics, as autovacuum would have
/// gathered them after the bulk loads.
pub async fn analyzed_postgres(app: &TestApp) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(&app.database_url)
        .await
        .expect("PostgreSQL");
    sqlx::query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("statistics");
    conn
}

/// The plan PostgreSQL runs for `sql`, prepared with parameters of `types` and executed with the
/// literals `values` under plan cache `mode`, each node with the rows it actually produced.
pub async fn postgres_plan(
    conn: &mut sqlx::PgConnection,
    mode: &str,
    sql: &str,
    types: &[&str],
    values: &[String],
) -> Vec<String> {
    sqlx::query(&format!("SET plan_cache_mode = {mode}"))
        .execute(&mut *conn)
        .await
        .expect("plan mode");
    sqlx::query(&format!("PREPARE checked ({}) AS {sql}", types.join(", ")))
        .execute(&mut *conn)
        .await
        .expect("prepared");
    let plan = sqlx::query_scalar(&format!(
        "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE checked ({})",
        values.join(", ")
    ))
    .fetch_all(&mut *conn)
    .await
    .expect("a plan");
    sqlx::query("DEALLOCATE checked")
        .execute(&mut *conn)
        .await
        .expect("deallocated");
    plan
}

/// The rows a plan node actually produced (`actual ... rows=N`); `u64::MAX` when the line shows
/// none, so that a bound checked against it fails.
pub fn actual_rows(line: &str) -> u64 {
    line.split("actual ")
        .nth(1)
        .unwrap_or_default()
        .split("rows=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[tokio::test]
async fn a_page_of_logs_reads_the_page_and_no_more() {
    let app = spawn_app().await;
    let heavy = heavy_history(&app).await;
    let queries = page_queries(heavy.user, heavy.medication, heavy.kind);
    if app.database_url.starts_with("postgres") {
        let mut conn = analyzed_postgres(&app).await;
        for mode in PLAN_MODES {
            for (name, query) in &queries {
                let (types, values): (Vec<&str>, Vec<String>) =
                    query.parameters().into_iter().unzip();
                let plan = postgres_plan(&mut conn, mode, query.sql(), &types, &values).await;
                let (scans, sorts) = log_scans_and_sorts(&plan);
                let text = plan.join("\n");
                assert!(!sorts, "{name} ({mode}) sorts:\n{text}");
                assert!(
                    !scans.is_empty() && scans.iter().all(|&rows| rows <= PAGE_READ),
                    "{name} ({mode}) reads more than the page from a log table:\n{text}"
                );
            }
        }
    } else {
        let url = format!("{}?mode=ro", app.database_url);
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("SQLite");
        for (name, query) in &queries {
            let sql = format!("EXPLAIN QUERY PLAN {}", query.sql());
            let plan: Vec<(i64, i64, i64, String)> = query
                .bind(sqlx::query_as(&sql))
                .fetch_all(&mut conn)
                .await
                .expect("a plan");
            let text: Vec<&str> = plan.iter().map(|(.., detail)| detail.as_str()).collect();
            assert!(
                text.iter().all(|step| !step.contains("TEMP B-TREE")),
                "{name} sorts: {text:?}"
            );
            assert!(
                text.iter()
                    .any(|step| step.starts_with("SEARCH l USING INDEX")),
                "{name} does not walk a log index: {text:?}"
            );
        }
    }
}

/// Rows feel's tally statement may read from one tally table per day and symptom type: the
/// quarter hours of one local day (100 on a 25-hour day), whatever the account logged.
const DAY_BUCKETS: u64 = 100;

/// Feel (and the summary) read the heavy account's tallies of the two days only, on the tally
/// tables' keys, touching no log; each day of its history holds 1 440 logs of each kind, about 670
/// quarter hours of tallies over the week.
#[tokio::test]
async fn feel_reads_the_tallies_of_its_two_days_and_no_log() {
    use medtracker::feel::{
        days,
        store::{self as feel, Source},
    };
    let app = spawn_app().await;
    let user = heavy_history(&app).await.user;
    let tz = jiff::tz::db().get("Europe/Berlin").expect("bundled tzdb");
    let window = days::two_days(jiff::civil::date(2026, 1, 29), &tz).expect("in range");
    assert_eq!(Source::for_window(&window), Source::Tallies);
    let sql = Source::Tallies.sql();
    let (today, yesterday) = feel::two_days(&app.state.db, user, &window)
        .await
        .expect("feel");
    assert_eq!(
        (today.medication_logs, yesterday.medication_logs),
        (1440, 1440)
    );
    let bounds = [
        window.yesterday_start,
        window.today_start,
        window.tomorrow_start,
    ];
    if app.database_url.starts_with("postgres") {
        let mut conn = analyzed_postgres(&app).await;
        let types = ["uuid", "timestamptz", "timestamptz", "timestamptz"];
        let values: Vec<String> = std::iter::once(format!("'{user}'"))
            .chain(bounds.iter().map(|at| format!("'{at}'")))
            .collect();
        for mode in PLAN_MODES {
            let plan = postgres_plan(&mut conn, mode, sql, &types, &values).await;
            let text = plan.join("\n");
            assert!(
                !text.contains(" on medication_logs") && !text.contains(" on symptom_logs"),
                "{mode} reads logs:\n{text}"
            );
            // Index scans (plain or bitmap) of the tallies, each yielding at most a day's buckets
            // per loop; a generic plan may sort what they yield for its grouping, no more.
            for line in plan.iter().filter(|line| {
                (line.contains(" on ") && line.contains("_log_tallies")) || line.contains("Sort (")
            }) {
                assert!(
                    !line.contains("Seq Scan"),
                    "{mode} does not walk a tally key:\n{text}"
                );
                assert!(
                    actual_rows(line) <= DAY_BUCKETS,
                    "{mode} reads beyond the day:\n{text}"
                );
            }
            let bounded = plan
                .iter()
                .filter(|line| {
                    line.contains("Index Cond:")
                        && line.contains("bucket >=")
                        && line.contains("bucket <")
                })
                .count();
            assert_eq!(
                bounded, 4,
                "{mode}: the days do not bound the tally ranges:\n{text}"
            );
        }
    } else {
        let url = format!("{}?mode=ro", app.database_url);
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("SQLite");
        let sql = format!("EXPLAIN QUERY PLAN {sql}");
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&sql)
            .bind(user)
            .bind(bounds[0])
            .bind(bounds[1])
            .bind(bounds[2])
            .fetch_all(&mut conn)
            .await
            .expect("a plan");
        let text: Vec<&str> = plan.iter().map(|(.., detail)| detail.as_str()).collect();
        assert!(
            text.iter().all(|step| !step.contains("TEMP B-TREE")),
            "sorts: {text:?}"
        );
        assert!(
            text.iter().all(|step| !step.contains("_logs ")
                && !step.ends_with("_logs")
                && !step.contains(" l ")),
            "reads logs: {text:?}"
        );
        let tally_steps: Vec<&&str> = text
            .iter()
            .filter(|step| step.contains("_log_tallies") || step.starts_with("SEARCH s "))
            .collect();
        assert_eq!(tally_steps.len(), 4, "{text:?}");
        for step in tally_steps {
            assert!(
                step.starts_with("SEARCH") && step.contains("bucket>? AND bucket<?"),
                "the day does not bound a tally range: {text:?}"
            );
        }
    }
}
