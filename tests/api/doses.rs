//! Planned doses and adherence: statuses from the matching window, the account's time zone and
//! its changes, daylight saving, ranges and their limits, the summary, and isolation.

use serde_json::{Value, json};

use crate::{
    helpers::{Client, MINUTE, instant, spawn_app},
    medications::medication,
    schedules::{create_schedule, day, today},
};

async fn set_timezone(client: &Client, tz: &str) {
    let reply = client.patch("/api/v1/me", &json!({ "timezone": tz })).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn log_dose(client: &Client, medication_id: &str, taken_at: &str) -> String {
    let reply = client
        .post(
            "/api/v1/logs/medications",
            &json!({"medication_id": medication_id, "taken_at": taken_at}),
        )
        .await;
    assert_eq!(reply.status, 201, "log: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

async fn doses(client: &Client, query: &str) -> Vec<Value> {
    let reply = client.get(&format!("/api/v1/doses{query}")).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    reply.body["items"].as_array().expect("items").clone()
}

fn field<'a>(doses: &'a [Value], name: &str) -> Vec<&'a str> {
    doses
        .iter()
        .map(|d| d[name].as_str().unwrap_or("null"))
        .collect()
}

#[tokio::test]
async fn past_doses_are_taken_by_a_log_in_their_window_or_missed() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Metformin").await;
    let yesterday = day(&today(&client).await, -1);
    create_schedule(
        &client,
        &med,
        json!({"times": ["08:00", "20:00"], "starts_on": yesterday, "dose_amount": 500, "dose_unit": "mg"}),
    )
    .await;
    let log = log_dose(&client, &med, &format!("{yesterday}T09:59:00Z")).await;

    let items = doses(&client, &format!("?from={yesterday}&to={yesterday}")).await;

    assert_eq!(field(&items, "status"), ["taken", "missed"]);
    assert_eq!(field(&items, "local_time"), ["08:00", "20:00"]);
    assert_eq!(
        field(&items, "planned_at"),
        [
            format!("{yesterday}T08:00:00.000Z"),
            format!("{yesterday}T20:00:00.000Z")
        ]
    );
    assert_eq!(items[0]["log_id"], json!(log));
    assert_eq!(
        items[0]["taken_at"],
        json!(format!("{yesterday}T09:59:00.000Z"))
    );
    assert_eq!(items[1]["log_id"], Value::Null);
    assert_eq!(items[0]["medication_name"], json!("Metformin"));
    assert_eq!(items[0]["local_date"], json!(yesterday));
    assert_eq!(items[0]["dose_amount"], json!(500.0));
    assert_eq!(items[0]["dose_unit"], json!("mg"));
}

#[tokio::test]
async fn a_dose_due_now_turns_taken_when_logged_and_shows_in_the_summary() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Ibuprofen").await;
    let now = jiff::Timestamp::now();
    let time = now.strftime("%H:%M").to_string();
    let today = now.strftime("%Y-%m-%d").to_string();
    create_schedule(&client, &med, json!({"times": [time], "starts_on": today})).await;

    let before = doses(&client, "").await;
    log_dose(&client, &med, &now.to_string()).await;
    let after = doses(&client, "").await;
    let summary = client.get("/api/v1/summary").await;

    assert_eq!(field(&before, "status"), ["due"]);
    assert_eq!(field(&after, "status"), ["taken"]);
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(summary.body["doses_today"], json!(after));
}

#[tokio::test]
async fn doses_are_planned_in_the_accounts_time_zone_and_replanned_when_it_changes() {
    let app = spawn_app().await;
    let client = app.user().await;
    set_timezone(&client, "Europe/Berlin").await;
    let med = medication(&client, "Levothyroxine").await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "starts_on": "2026-01-01"}),
    )
    .await;
    let range = "?from=2026-11-20&to=2026-11-20";

    let berlin = doses(&client, range).await;
    set_timezone(&client, "America/New_York").await;
    let new_york = doses(&client, range).await;

    assert_eq!(field(&berlin, "planned_at"), ["2026-11-20T07:00:00.000Z"]);
    assert_eq!(field(&new_york, "planned_at"), ["2026-11-20T13:00:00.000Z"]);
    assert_eq!(field(&new_york, "local_time"), ["08:00"]);
}

#[tokio::test]
async fn daylight_saving_days_plan_each_time_once() {
    let app = spawn_app().await;
    let client = app.user().await;
    set_timezone(&client, "Europe/Berlin").await;
    let med = medication(&client, "Night drops").await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["02:30"], "starts_on": "2026-01-01"}),
    )
    .await;

    let spring = doses(&client, "?from=2026-03-29&to=2026-03-29").await;
    let autumn = doses(&client, "?from=2026-10-25&to=2026-10-25").await;

    // 02:30 does not exist on the spring day: planned at 03:30 summer time, shown as written.
    assert_eq!(field(&spring, "planned_at"), ["2026-03-29T01:30:00.000Z"]);
    assert_eq!(field(&spring, "local_time"), ["02:30"]);
    // It happens twice in autumn: planned once, at the first.
    assert_eq!(field(&autumn, "planned_at"), ["2026-10-25T00:30:00.000Z"]);
}

#[tokio::test]
async fn a_log_just_before_the_range_takes_its_first_dose() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Melatonin").await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["00:30"], "starts_on": "2026-11-01"}),
    )
    .await;
    let log = log_dose(&client, &med, "2026-11-19T23:40:00Z").await;

    let items = doses(&client, "?from=2026-11-20&to=2026-11-20").await;

    assert_eq!(field(&items, "status"), ["taken"]);
    assert_eq!(items[0]["log_id"], json!(log));
}

#[tokio::test]
async fn a_chain_of_close_doses_gets_the_same_statuses_whatever_the_range() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Drops").await;
    let every_two_hours: Vec<String> = (0..12).map(|h| format!("{:02}:00", h * 2)).collect();
    create_schedule(
        &client,
        &med,
        json!({"times": every_two_hours, "starts_on": "2026-11-10"}),
    )
    .await;
    // Each dose logged 90 minutes late: each log also lies in the next dose's window.
    for date in ["2026-11-10", "2026-11-11"] {
        for hour in (0..24).step_by(2) {
            let late = format!("{date}T{:02}:30:00Z", hour + 1);
            log_dose(&client, &med, &late).await;
        }
    }

    let both = doses(&client, "?from=2026-11-10&to=2026-11-11").await;
    let second = doses(&client, "?from=2026-11-11&to=2026-11-11").await;

    assert_eq!(second.len(), 12);
    assert_eq!(&both[12..], &second[..]);
}

#[tokio::test]
async fn a_chain_reaching_days_before_the_range_is_matched_from_its_start() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Drops").await;
    let every_two_hours: Vec<String> = (0..12).map(|h| format!("{:02}:00", h * 2)).collect();
    create_schedule(
        &client,
        &med,
        json!({"times": every_two_hours, "starts_on": "2026-11-08"}),
    )
    .await;
    // Each dose logged 50 minutes early, which also lies in the previous dose's window: only
    // matching from the chain's first dose, three days before the range, gives each its own log.
    let mut expected = Vec::new();
    for date in ["2026-11-08", "2026-11-09", "2026-11-10", "2026-11-11"] {
        for hour in (0..24).step_by(2) {
            let planned = instant(&format!("{date}T{hour:02}:00:00Z"));
            let early = planned.plus_millis(-50 * MINUTE).to_string();
            log_dose(&client, &med, &early).await;
            expected.push(early);
        }
    }

    let last_day = doses(&client, "?from=2026-11-11&to=2026-11-11").await;
    let all_days = doses(&client, "?from=2026-11-08&to=2026-11-11").await;

    assert_eq!(field(&last_day, "status"), ["taken"; 12]);
    assert_eq!(field(&last_day, "taken_at"), expected[36..]);
    assert_eq!(&all_days[36..], &last_day[..]);
}

#[tokio::test]
async fn deactivating_drops_the_doses_planned_after_that_moment() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let today = today(&client).await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["00:00", "23:59"], "starts_on": day(&today, -1)}),
    )
    .await;

    let reply = client
        .post_empty(&format!("/api/v1/medications/{med}/deactivate"))
        .await;
    assert_eq!(reply.status, 200);
    let items = doses(
        &client,
        &format!("?from={}&to={}", day(&today, -1), day(&today, 1)),
    )
    .await;

    let planned: Vec<String> = items
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["local_date"].as_str().unwrap_or(""),
                d["local_time"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            format!("{} 00:00", day(&today, -1)),
            format!("{} 23:59", day(&today, -1)),
            format!("{today} 00:00"),
        ]
    );
}

#[tokio::test]
async fn ranges_are_checked() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cases = [
        ("/api/v1/doses?from=2026-11-20&to=2026-11-19", "to"),
        ("/api/v1/doses?from=2026-01-01&to=2026-04-03", "to"),
        ("/api/v1/doses?from=2026-13-01", "from"),
        ("/api/v1/doses?to=20261120", "to"),
        ("/api/v1/adherence?from=2025-01-01&to=2026-01-02", "to"),
        ("/api/v1/adherence?from=2026-11-20&to=2026-11-19", "to"),
    ];
    for (path, field) in cases {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 422, "{path}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{path}");
    }
    let longest = client
        .get("/api/v1/doses?from=2026-01-01&to=2026-04-02")
        .await;
    assert_eq!(longest.status, 200, "{}", longest.text);
    let year = client
        .get("/api/v1/adherence?from=2025-01-01&to=2026-01-01")
        .await;
    assert_eq!(year.status, 200, "{}", year.text);
}

#[tokio::test]
async fn more_than_10000_doses_in_one_answer_is_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    let times: Vec<String> = (0..12).map(|h| format!("{:02}:15", h * 2)).collect();
    for n in 0..10 {
        let med = medication(&client, &format!("Medication {n}")).await;
        create_schedule(
            &client,
            &med,
            json!({"times": times, "starts_on": "2026-01-01"}),
        )
        .await;
    }
    // 10 × 12 a day: 83 days are 9 960 doses, 84 days 10 080.

    let fits = client
        .get("/api/v1/doses?from=2026-02-01&to=2026-04-24")
        .await;
    let too_many = client
        .get("/api/v1/doses?from=2026-02-01&to=2026-04-25")
        .await;

    assert_eq!(fits.status, 200, "{}", fits.text);
    assert_eq!(fits.body["items"].as_array().map(Vec::len), Some(9_960));
    assert_eq!(too_many.status, 422, "{}", too_many.text);
    assert_eq!(too_many.error_fields(), ["to"]);
}

#[tokio::test]
async fn adherence_counts_decided_doses_per_medication() {
    let app = spawn_app().await;
    let client = app.user().await;
    let today = today(&client).await;
    let (from, to) = (day(&today, -3), day(&today, -1));
    let zinc = medication(&client, "zinc").await;
    let aspirin = medication(&client, "Aspirin").await;
    let later = medication(&client, "Later").await;
    create_schedule(
        &client,
        &zinc,
        json!({"times": ["08:00", "20:00"], "starts_on": from}),
    )
    .await;
    create_schedule(
        &client,
        &aspirin,
        json!({"times": ["12:00"], "starts_on": from}),
    )
    .await;
    create_schedule(
        &client,
        &later,
        json!({"times": ["12:00"], "starts_on": day(&today, 5)}),
    )
    .await;
    // Zinc: 5 of 6 taken; aspirin: 1 of 3.
    for (date, time) in [
        (-3, "08:00"),
        (-3, "20:00"),
        (-2, "08:00"),
        (-2, "20:00"),
        (-1, "08:30"),
    ] {
        log_dose(&client, &zinc, &format!("{}T{time}:00Z", day(&today, date))).await;
    }
    log_dose(&client, &aspirin, &format!("{from}T11:00:00Z")).await;

    let reply = client
        .get(&format!("/api/v1/adherence?from={from}&to={to}"))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "from": from, "to": to,
            "overall": {"planned": 9, "taken": 6, "missed": 3, "percent": 66.7},
            "medications": [
                {"medication_id": aspirin, "name": "Aspirin", "planned": 3, "taken": 1, "missed": 2, "percent": 33.3},
                {"medication_id": zinc, "name": "zinc", "planned": 6, "taken": 5, "missed": 1, "percent": 83.3},
            ],
        })
    );
    let default = client.get("/api/v1/adherence").await;
    assert_eq!(default.body["from"], json!(day(&today, -29)));
    assert_eq!(default.body["to"], json!(today));
    let nothing = client
        .get(&format!("/api/v1/adherence?from={}", day(&today, 5)))
        .await;
    assert_eq!(nothing.status, 422, "{}", nothing.text);
}

#[tokio::test]
async fn another_accounts_logs_take_none_of_my_doses() {
    let app = spawn_app().await;
    let me = app.user().await;
    let other = app.user().await;
    let mine = medication(&me, "Iron").await;
    let theirs = medication(&other, "Iron").await;
    let yesterday = day(&today(&me).await, -1);
    create_schedule(
        &me,
        &mine,
        json!({"times": ["08:00"], "starts_on": yesterday}),
    )
    .await;
    log_dose(&other, &theirs, &format!("{yesterday}T08:00:00Z")).await;

    let items = doses(&me, &format!("?from={yesterday}&to={yesterday}")).await;

    assert_eq!(field(&items, "status"), ["missed"]);
    assert_eq!(
        doses(&other, &format!("?from={yesterday}&to={yesterday}")).await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn doses_read_only_the_logs_of_scheduled_medications() {
    let app = spawn_app().await;
    let me = app.user().await;
    let scheduled = medication(&me, "Iron").await;
    let unscheduled = medication(&me, "Ibuprofen").await;
    let yesterday = day(&today(&me).await, -1);
    create_schedule(
        &me,
        &scheduled,
        json!({"times": ["08:00"], "starts_on": yesterday}),
    )
    .await;
    let taken = log_dose(&me, &scheduled, &format!("{yesterday}T08:10:00Z")).await;
    for minute in 0..30 {
        log_dose(
            &me,
            &unscheduled,
            &format!("{yesterday}T07:{minute:02}:00Z"),
        )
        .await;
    }
    let user = crate::records::user_id(&me).await;
    let (from, to) = (
        instant(&format!("{yesterday}T00:00:00Z")),
        instant(&format!("{yesterday}T23:59:59Z")),
    );

    // A busy day of a medication without a schedule is not read by the statement the landing
    // summary runs on every visit: only a scheduled medication's log can take a dose.
    let planning = medtracker::schedules::store::planning_with_logs(&app.state.db, user, from, to)
        .await
        .expect("planning");
    let logs: Vec<String> = planning.logs.iter().map(|l| l.id.to_string()).collect();
    assert_eq!(logs, [taken]);
    let items = doses(&me, &format!("?from={yesterday}&to={yesterday}")).await;
    assert_eq!(field(&items, "status"), ["taken"]);
}
