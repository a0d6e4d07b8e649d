//! Schedules (`/api/v1/medications/{id}/schedules`, `/api/v1/schedules/{id}`): field rules,
//! merge-patch, no two schedules of a medication on one date (also when written at once), inactive
//! medications, deactivation ending schedules, deletion with the medication, quota, and isolation.

use serde_json::{Value, json};

use crate::{
    helpers::{Client, spawn_app},
    medications::medication,
};

pub fn schedules_of(medication_id: &str) -> String {
    format!("/api/v1/medications/{medication_id}/schedules")
}

pub async fn create_schedule(client: &Client, medication_id: &str, body: Value) -> Value {
    let reply = client.post(&schedules_of(medication_id), &body).await;
    assert_eq!(reply.status, 201, "create schedule: {}", reply.text);
    reply.body
}

/// Today in the account's time zone, as the server sees it.
pub async fn today(client: &Client) -> String {
    let tz = client.get("/api/v1/me").await.body["user"]["timezone"]
        .as_str()
        .expect("a time zone")
        .to_owned();
    jiff::Timestamp::now()
        .in_tz(&tz)
        .expect("a known zone")
        .date()
        .to_string()
}

pub fn day(date: &str, offset: i32) -> String {
    let date: jiff::civil::Date = date.parse().expect("a date");
    date.checked_add(jiff::Span::new().days(offset))
        .expect("in range")
        .to_string()
}

#[tokio::test]
async fn a_schedule_is_created_sorted_starting_today_and_read_back() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Metformin").await;
    let today = today(&client).await;

    let created = create_schedule(
        &client,
        &med,
        json!({"times": ["20:00", "08:00"], "days_of_week": [5, 1, 3], "dose_amount": 500, "dose_unit": " mg "}),
    )
    .await;

    assert_eq!(created["times"], json!(["08:00", "20:00"]));
    assert_eq!(created["days_of_week"], json!([1, 3, 5]));
    assert_eq!(created["starts_on"], json!(today));
    assert_eq!(created["ends_on"], Value::Null);
    assert_eq!(created["dose_amount"], json!(500.0));
    assert_eq!(created["dose_unit"], json!("mg"));
    assert_eq!(created["medication_id"], json!(med));
    let id = created["id"].as_str().expect("an id");
    let read = client.get(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created);
}

#[tokio::test]
async fn schedules_are_listed_by_first_day() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    for (starts, ends) in [
        ("2026-03-01", Value::Null),
        ("2026-01-01", json!("2026-01-31")),
    ] {
        create_schedule(
            &client,
            &med,
            json!({"times": ["09:00"], "starts_on": starts, "ends_on": ends}),
        )
        .await;
    }

    let list = client.get(&schedules_of(&med)).await;

    assert_eq!(list.status, 200, "{}", list.text);
    let firsts: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["starts_on"].as_str().expect("a date"))
        .collect();
    assert_eq!(firsts, ["2026-01-01", "2026-03-01"]);
}

#[tokio::test]
async fn bad_fields_are_all_named_and_nothing_is_created() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let cases: &[(Value, &[&str])] = &[
        (json!({}), &["times"]),
        (json!({"times": ["8:00"]}), &["times"]),
        (json!({"times": ["24:00"]}), &["times"]),
        (json!({"times": ["08:00:00"]}), &["times"]),
        (json!({"times": ["08:00", "08:00"]}), &["times"]),
        (
            json!({"times": ["08:00"], "days_of_week": []}),
            &["days_of_week"],
        ),
        (
            json!({"times": ["08:00"], "days_of_week": [0, 8]}),
            &["days_of_week"],
        ),
        (
            json!({"times": ["08:00"], "starts_on": "2026-05-02", "ends_on": "2026-05-01"}),
            &["ends_on"],
        ),
        (
            json!({"times": ["08:00"], "dose_amount": 0}),
            &["dose_amount"],
        ),
        (
            json!({"times": ["08:00"], "dose_unit": "x".repeat(21)}),
            &["dose_unit"],
        ),
        (
            json!({"times": ["08:00"], "user_id": "x", "created_at": "y"}),
            &["created_at", "user_id"],
        ),
        (
            json!({"times": [], "days_of_week": [], "starts_on": "tomorrow"}),
            &["times", "days_of_week", "starts_on"],
        ),
    ];
    for (body, fields) in cases {
        let reply = client.post(&schedules_of(&med), body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), *fields, "{body}");
    }
    let list = client.get(&schedules_of(&med)).await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn two_schedules_of_one_medication_may_not_share_a_date() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let other = medication(&client, "Zinc").await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "days_of_week": [1], "starts_on": "2026-01-01", "ends_on": "2026-01-31"}),
    )
    .await;

    // Other weekdays do not help: the dates overlap.
    for body in [
        json!({"times": ["20:00"], "days_of_week": [2], "starts_on": "2026-01-31"}),
        json!({"times": ["20:00"], "starts_on": "2025-12-01", "ends_on": "2026-01-01"}),
        json!({"times": ["20:00"], "starts_on": "2025-12-01"}),
    ] {
        let reply = client.post(&schedules_of(&med), &body).await;
        assert_eq!(reply.status, 409, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "schedule_overlap");
    }
    // The day after, another medication, or the day before: fine.
    let next = create_schedule(
        &client,
        &med,
        json!({"times": ["20:00"], "starts_on": "2026-02-01"}),
    )
    .await;
    create_schedule(
        &client,
        &other,
        json!({"times": ["20:00"], "starts_on": "2026-01-15"}),
    )
    .await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["20:00"], "starts_on": "2025-12-01", "ends_on": "2025-12-31"}),
    )
    .await;

    // Moving a schedule onto another one's dates is refused the same way.
    let id = next["id"].as_str().expect("an id");
    let reply = client
        .patch(
            &format!("/api/v1/schedules/{id}"),
            &json!({"starts_on": "2026-01-31"}),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "schedule_overlap");
    let unchanged = client.get(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(unchanged.body["starts_on"], json!("2026-02-01"));
}

#[tokio::test]
async fn overlapping_schedules_written_at_once_are_refused_but_one() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;

    let attempts = (0..8).map(|i| {
        let client = client.clone();
        let path = schedules_of(&med);
        tokio::spawn(async move {
            let body = json!({"times": [format!("{:02}:00", i + 8)], "starts_on": "2026-06-01"});
            client.post(&path, &body).await.status
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        statuses.push(attempt.await.expect("the request ran"));
    }

    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    let list = client.get(&schedules_of(&med)).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_patch_changes_only_what_it_names() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let created = create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "days_of_week": [1, 2], "starts_on": "2026-01-01",
               "ends_on": "2026-12-31", "dose_amount": 1, "dose_unit": "tablet"}),
    )
    .await;
    let path = format!(
        "/api/v1/schedules/{}",
        created["id"].as_str().expect("an id")
    );

    let reply = client
        .patch(
            &path,
            &json!({"times": ["21:30", "07:15"], "days_of_week": null, "ends_on": null}),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["times"], json!(["07:15", "21:30"]));
    assert_eq!(reply.body["days_of_week"], Value::Null);
    assert_eq!(reply.body["ends_on"], Value::Null);
    assert_eq!(reply.body["starts_on"], json!("2026-01-01"));
    assert_eq!(reply.body["dose_unit"], json!("tablet"));
    assert_eq!(reply.body["created_at"], created["created_at"]);

    for (body, field) in [
        (json!({"times": null}), "times"),
        (json!({"starts_on": null}), "starts_on"),
        (json!({"ends_on": "2025-12-31"}), "ends_on"),
        (json!({"medication_id": med}), "medication_id"),
    ] {
        let refused = client.patch(&path, &body).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text);
        assert_eq!(refused.error_fields(), [field]);
    }
    assert_eq!(client.get(&path).await.body, reply.body);
}

#[tokio::test]
async fn an_inactive_medication_takes_no_new_schedule() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let deactivated = client
        .post_empty(&format!("/api/v1/medications/{med}/deactivate"))
        .await;
    assert_eq!(deactivated.status, 200);

    let reply = client
        .post(&schedules_of(&med), &json!({"times": ["08:00"]}))
        .await;

    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "medication_inactive");
    assert_eq!(
        client.get(&schedules_of(&med)).await.body["items"],
        json!([])
    );
}

#[tokio::test]
async fn deactivating_ends_schedules_today_and_deletes_later_ones_for_good() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let today = today(&client).await;
    let past = create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "starts_on": day(&today, -30), "ends_on": day(&today, -20)}),
    )
    .await;
    let running = create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "starts_on": day(&today, -10), "ends_on": day(&today, 5)}),
    )
    .await;
    create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "starts_on": day(&today, 6)}),
    )
    .await;

    // A PATCH of `active` deactivates as the action route does.
    let reply = client
        .patch(
            &format!("/api/v1/medications/{med}"),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    let list = client.get(&schedules_of(&med)).await;
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", list.text);
    assert_eq!(items[0]["id"], past["id"]);
    assert_eq!(items[0]["ends_on"], past["ends_on"]);
    assert_eq!(items[1]["id"], running["id"]);
    assert_eq!(items[1]["ends_on"], json!(today));
    // An inactive medication's schedules stay as they were ended.
    let path = format!(
        "/api/v1/schedules/{}",
        running["id"].as_str().expect("an id")
    );
    let refused = client.patch(&path, &json!({"ends_on": null})).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.code(), "medication_inactive");

    // Activating does not bring anything back.
    let activated = client
        .post_empty(&format!("/api/v1/medications/{med}/activate"))
        .await;
    assert_eq!(activated.status, 200);
    let after = client.get(&schedules_of(&med)).await;
    assert_eq!(after.body, list.body);
}

#[tokio::test]
async fn a_medication_without_logs_is_deleted_with_its_schedules() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let schedule = create_schedule(&client, &med, json!({"times": ["08:00"]})).await;
    let logged = medication(&client, "Zinc").await;
    let kept = create_schedule(&client, &logged, json!({"times": ["08:00"]})).await;
    let log = client
        .post(
            "/api/v1/logs/medications",
            &json!({"medication_id": logged}),
        )
        .await;
    assert_eq!(log.status, 201, "{}", log.text);

    let deleted = client.delete(&format!("/api/v1/medications/{med}")).await;
    let in_use = client
        .delete(&format!("/api/v1/medications/{logged}"))
        .await;

    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let id = schedule["id"].as_str().expect("an id");
    assert_eq!(
        client.get(&format!("/api/v1/schedules/{id}")).await.status,
        404
    );
    assert_eq!(in_use.status, 409);
    let id = kept["id"].as_str().expect("an id");
    assert_eq!(
        client.get(&format!("/api/v1/schedules/{id}")).await.status,
        200
    );
}

#[tokio::test]
async fn a_deleted_schedule_is_gone() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    let schedule = create_schedule(&client, &med, json!({"times": ["08:00"]})).await;
    let path = format!(
        "/api/v1/schedules/{}",
        schedule["id"].as_str().expect("an id")
    );

    assert_eq!(client.delete(&path).await.status, 204);
    assert_eq!(client.delete(&path).await.status, 404);
    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(
        client.get(&schedules_of(&med)).await.body["items"],
        json!([])
    );
}

#[tokio::test]
async fn another_accounts_schedules_behave_as_missing() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let stranger = app.user().await;
    let med = medication(&owner, "Iron").await;
    let schedule = create_schedule(&owner, &med, json!({"times": ["08:00"]})).await;
    let path = format!(
        "/api/v1/schedules/{}",
        schedule["id"].as_str().expect("an id")
    );

    let replies = [
        stranger.get(&path).await,
        stranger.patch(&path, &json!({"times": ["09:00"]})).await,
        stranger.delete(&path).await,
        stranger.get(&schedules_of(&med)).await,
        stranger
            .post(&schedules_of(&med), &json!({"times": ["09:00"]}))
            .await,
        stranger.get("/api/v1/schedules/not-a-uuid").await,
    ];

    for reply in replies {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert_eq!(owner.get(&path).await.body, schedule);
    assert_eq!(stranger.get("/api/v1/doses").await.body["items"], json!([]));
}

#[tokio::test]
async fn an_account_holds_at_most_100_schedules() {
    let app = spawn_app().await;
    let client = app.user().await;
    let med = medication(&client, "Iron").await;
    for i in 0..100 {
        let date = day("2026-01-01", i);
        create_schedule(
            &client,
            &med,
            json!({"times": ["08:00"], "starts_on": date, "ends_on": date}),
        )
        .await;
    }

    let reply = client
        .post(
            &schedules_of(&med),
            &json!({"times": ["08:00"], "starts_on": "2027-01-01"}),
        )
        .await;

    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "quota_exceeded");
    let list = client.get(&schedules_of(&med)).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(100));
}

#[tokio::test]
async fn the_export_holds_the_accounts_schedules_as_the_api_shows_them() {
    let app = spawn_app().await;
    let client = app.user().await;
    let stranger = app.user().await;
    let med = medication(&client, "Iron").await;
    let first = create_schedule(
        &client,
        &med,
        json!({"times": ["08:00"], "starts_on": "2026-01-01", "ends_on": "2026-01-31"}),
    )
    .await;
    let second = create_schedule(
        &client,
        &med,
        json!({"times": ["09:00"], "days_of_week": [6, 7], "starts_on": "2026-02-01"}),
    )
    .await;
    let theirs = medication(&stranger, "Zinc").await;
    create_schedule(&stranger, &theirs, json!({"times": ["07:00"]})).await;

    let reply = client.get("/api/v1/me/export").await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["schedules"], json!([first, second]));
}

#[tokio::test]
async fn a_demo_account_keeps_to_its_schedules_most_of_the_time() {
    let app = spawn_app().await;
    let client = app.client();
    let demo = client.post_empty("/auth/demo").await;
    assert_eq!(demo.status, 201, "{}", demo.text);

    let adherence = client.get("/api/v1/adherence").await;
    let medications = client.get("/api/v1/medications?active=true").await;

    assert_eq!(adherence.status, 200, "{}", adherence.text);
    let percent = adherence.body["overall"]["percent"]
        .as_f64()
        .expect("a percentage");
    assert!((80.0..=90.0).contains(&percent), "{}", adherence.text);
    assert!(adherence.body["overall"]["missed"].as_u64() >= Some(2));
    for medication in medications.body["items"].as_array().expect("items") {
        let id = medication["id"].as_str().expect("an id");
        let schedules = client.get(&schedules_of(id)).await;
        assert_eq!(
            schedules.body["items"].as_array().map(Vec::len),
            Some(1),
            "{id}"
        );
    }
}
