//! `/api/v1/logs/symptoms`: labels, duration rules, keyset pagination, ownership.

use std::collections::HashSet;

use medtracker::types::Timestamp;
use serde_json::{Value, json};

use crate::{
    helpers::{Client, MINUTE, Reply, TestApp, at, count_rows, from_now, ids, spawn_app},
    symptom_types::{create_type, type_id},
};

const LOGS: &str = "/api/v1/logs/symptoms";

fn millis(value: &Value) -> i64 {
    Timestamp::parse_rfc3339(value.as_str().expect("a timestamp"))
        .expect("an RFC 3339 timestamp")
        .as_millis()
}

async fn post_log(client: &Client, body: Value) -> Reply {
    client.post(LOGS, &body).await
}

/// Logs a symptom that must be accepted, and returns it.
async fn logged(client: &Client, body: Value) -> Value {
    let reply = post_log(client, body).await;
    assert_eq!(reply.status, 201, "log: {}", reply.text);
    reply.body
}

fn path_of(log: &Value) -> String {
    format!("{LOGS}/{}", log["id"].as_str().expect("an id"))
}

/// Every symptom log in the test database (`count_rows` needs one bind, so it binds a no-op).
async fn log_count(app: &TestApp) -> i64 {
    count_rows(
        app,
        "SELECT COUNT(*) FROM symptom_logs WHERE $1 = $1",
        "any",
    )
    .await
}

#[tokio::test]
async fn a_minimal_log_is_ongoing_now_with_the_types_defaults() {
    let app = spawn_app().await;
    let client = app.user().await;
    let symptom_type = create_type(
        &client,
        json!({"name": "Migraine", "default_severity": 7, "default_impact": 3}),
    )
    .await;
    let before = Timestamp::now().as_millis();
    let log = logged(&client, json!({"symptom_type_id": symptom_type["id"]})).await;
    let after = Timestamp::now().as_millis();

    assert_eq!(log["symptom_type_id"], symptom_type["id"]);
    assert_eq!(log["symptom_name"], "Migraine");
    assert!((before..=after).contains(&millis(&log["started_at"])));
    assert_eq!(log["ended_at"], Value::Null);
    assert_eq!(log["duration_minutes"], Value::Null);
    assert_eq!(log["severity"], 7);
    assert_eq!(log["severity_label"], "severe");
    assert_eq!(log["impact"], 3);
    assert_eq!(log["impact_label"], "mild");
    assert_eq!(log["notes"], Value::Null);
    assert_eq!(log["created_at"], log["updated_at"]);
    let keys: HashSet<&str> = log
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = [
        "id",
        "symptom_type_id",
        "symptom_name",
        "started_at",
        "ended_at",
        "duration_minutes",
        "severity",
        "severity_label",
        "impact",
        "impact_label",
        "notes",
        "created_at",
        "updated_at",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected);

    let read = client.get(&path_of(&log)).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, log);
}

#[tokio::test]
async fn labels_follow_the_severity_and_impact_scale() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Pain").await;
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
        let log = logged(
            &client,
            json!({"symptom_type_id": type_id, "severity": value, "impact": value}),
        )
        .await;
        assert_eq!(log["severity_label"], label, "severity {value}");
        assert_eq!(log["impact_label"], label, "impact {value}");
    }
    for bad in [json!(0), json!(11), json!(5.5), json!("5"), json!(true)] {
        let reply = post_log(
            &client,
            json!({"symptom_type_id": type_id, "severity": bad, "impact": bad}),
        )
        .await;
        assert_eq!(reply.status, 422, "{bad}");
        assert_eq!(reply.error_fields(), ["severity", "impact"], "{bad}");
    }
}

#[tokio::test]
async fn durations_are_checked_at_every_boundary() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Vertigo").await;
    // (minutes, confirm_long_duration, accepted)
    let table = [
        (json!(0), None, false),
        (json!(-5), None, false),
        (json!(1), None, true),
        (json!(720), None, true),
        (json!(721), None, false),
        (json!(721), Some(false), false),
        (json!(721), Some(true), true),
        (json!(1440), None, false),
        (json!(1440), Some(true), true),
        (json!(1441), Some(true), false),
        (json!(30.5), None, false),
        (json!("30"), None, false),
    ];
    for (minutes, confirm, accepted) in table {
        let mut body =
            json!({"symptom_type_id": type_id, "started_at": at(0), "duration_minutes": minutes});
        if let Some(confirm) = confirm {
            body["confirm_long_duration"] = json!(confirm);
        }
        let reply = post_log(&client, body.clone()).await;
        if accepted {
            assert_eq!(reply.status, 201, "{body}: {}", reply.text);
            let minutes = minutes.as_i64().expect("whole minutes");
            assert_eq!(reply.body["duration_minutes"], minutes);
            assert_eq!(reply.body["started_at"], at(0));
            assert_eq!(reply.body["ended_at"], at(minutes * MINUTE), "{body}");
        } else {
            assert_eq!(reply.status, 422, "{body}: {}", reply.text);
            assert_eq!(reply.code(), "validation_failed");
            assert_eq!(reply.error_fields(), ["duration_minutes"], "{body}");
        }
    }
}

#[tokio::test]
async fn an_end_time_sets_the_duration_in_whole_minutes() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Cramps").await;
    // (ended_at offset, confirm, Ok(duration) or Err(field))
    let table: [(i64, bool, Result<i64, &str>); 11] = [
        (-1, true, Err("ended_at")),
        (-90 * MINUTE, true, Err("ended_at")),
        (0, true, Err("ended_at")),
        (MINUTE - 1, true, Err("ended_at")),
        (MINUTE, false, Ok(1)),
        (90 * MINUTE + 30_000, false, Ok(90)),
        (720 * MINUTE + 59_999, false, Ok(720)),
        (721 * MINUTE, false, Err("duration_minutes")),
        (721 * MINUTE, true, Ok(721)),
        (1440 * MINUTE, true, Ok(1440)),
        (1441 * MINUTE, true, Err("ended_at")),
    ];
    for (offset, confirm, expected) in table {
        let body = json!({"symptom_type_id": type_id, "started_at": at(0), "ended_at": at(offset),
            "confirm_long_duration": confirm});
        let reply = post_log(&client, body.clone()).await;
        match expected {
            Ok(minutes) => {
                assert_eq!(reply.status, 201, "{body}: {}", reply.text);
                assert_eq!(reply.body["duration_minutes"], minutes, "{body}");
                assert_eq!(
                    reply.body["ended_at"],
                    at(offset),
                    "the end is kept as sent"
                );
            }
            Err(field) => {
                assert_eq!(reply.status, 422, "{body}: {}", reply.text);
                assert_eq!(reply.error_fields(), [field], "{body}");
            }
        }
    }
}

#[tokio::test]
async fn duration_and_end_together_are_refused_and_offsets_are_normalised() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Sneezing").await;
    let before = log_count(&app).await;
    let reply = post_log(
        &client,
        json!({"symptom_type_id": type_id, "started_at": at(0), "duration_minutes": 10, "ended_at": at(10 * MINUTE)}),
    )
    .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["duration_minutes", "ended_at"]);
    assert_eq!(log_count(&app).await, before, "a refused log is not stored");

    let log = logged(
        &client,
        json!({"symptom_type_id": type_id, "started_at": "2025-11-27T09:00:00.123456+01:00",
            "ended_at": "2025-11-27T08:45:00.999Z"}),
    )
    .await;
    assert_eq!(log["started_at"], "2025-11-27T08:00:00.123Z");
    assert_eq!(log["ended_at"], "2025-11-27T08:45:00.999Z");
    assert_eq!(log["duration_minutes"], 45);
}

#[tokio::test]
async fn started_at_may_be_at_most_five_minutes_ahead() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Palpitations").await;
    let soon = post_log(
        &client,
        json!({"symptom_type_id": type_id, "started_at": from_now(4 * MINUTE)}),
    )
    .await;
    assert_eq!(soon.status, 201, "{}", soon.text);
    for started_at in [
        json!(from_now(6 * MINUTE)),
        json!("yesterday"),
        json!(12),
        json!("2025-11-27"),
    ] {
        let reply = post_log(
            &client,
            json!({"symptom_type_id": type_id, "started_at": started_at}),
        )
        .await;
        assert_eq!(reply.status, 422, "{started_at}");
        assert_eq!(reply.error_fields(), ["started_at"], "{started_at}");
    }
    let reply = post_log(
        &client,
        json!({"symptom_type_id": type_id, "ended_at": "not a time"}),
    )
    .await;
    assert_eq!(reply.error_fields(), ["ended_at"]);
}

#[tokio::test]
async fn notes_are_multi_line_and_at_most_1000_characters() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Tremor").await;
    let note = format!("{}\r\nsecond line\tindented", "n".repeat(970));
    let log = logged(
        &client,
        json!({"symptom_type_id": type_id, "notes": format!("  {note}  ")}),
    )
    .await;
    assert_eq!(log["notes"], note.as_str());
    let blank = logged(
        &client,
        json!({"symptom_type_id": type_id, "notes": " \n "}),
    )
    .await;
    assert_eq!(blank["notes"], Value::Null);
    assert_eq!(
        logged(
            &client,
            json!({"symptom_type_id": type_id, "notes": "ü".repeat(1000)})
        )
        .await["notes"]
            .as_str()
            .map(|n| n.chars().count()),
        Some(1000)
    );
    for bad in [json!("x".repeat(1001)), json!("bell\u{7}"), json!(["a"])] {
        let reply = post_log(&client, json!({"symptom_type_id": type_id, "notes": bad})).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.error_fields(), ["notes"]);
    }
}

#[tokio::test]
async fn the_symptom_type_must_be_the_accounts_own_and_active() {
    let app = spawn_app().await;
    let client = app.user().await;
    let stranger = app.user().await;
    let strangers_type = type_id(&stranger, "Theirs").await;
    let before = log_count(&app).await;
    for body in [
        json!({}),
        json!({"symptom_type_id": null}),
        json!({"symptom_type_id": "nope"}),
        json!({"symptom_type_id": strangers_type}),
        json!({"symptom_type_id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c"}),
    ] {
        let reply = post_log(&client, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}");
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), ["symptom_type_id"], "{body}");
    }

    let inactive = create_type(&client, json!({"name": "Old", "active": false})).await;
    let reply = post_log(&client, json!({"symptom_type_id": inactive["id"]})).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "symptom_type_inactive");
    assert_eq!(reply.error_fields(), ["symptom_type_id"]);
    assert_eq!(log_count(&app).await, before);
}

#[tokio::test]
async fn unknown_and_server_owned_fields_are_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Chills").await;
    let reply = post_log(
        &client,
        json!({"symptom_type_id": type_id, "id": "019a6b2e-7c1d-7f3a-9b8e-2d4c6f8a0b1c",
            "user_id": "x", "created_at": at(0), "severity_label": "mild", "mood": "ok"}),
    )
    .await;
    assert_eq!(reply.status, 422);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["created_at", "id", "mood", "severity_label", "user_id"]
    );
    assert_eq!(
        post_log(
            &client,
            json!({"symptom_type_id": type_id, "confirm_long_duration": "yes"})
        )
        .await
        .error_fields(),
        ["confirm_long_duration"]
    );
}

/// 45 logs over 30 distinct instants (every third pair shares its `started_at`), created out of order.
async fn forty_five_logs(client: &Client, type_id: &str) -> Vec<Value> {
    let mut logs = Vec::new();
    for i in (0..45_i64).rev() {
        let offset = (i - i / 3) * MINUTE;
        logs.push(
            logged(
                client,
                json!({"symptom_type_id": type_id, "started_at": at(offset)}),
            )
            .await,
        );
    }
    logs.sort_by(|a, b| {
        (millis(&b["started_at"]), b["id"].as_str())
            .cmp(&(millis(&a["started_at"]), a["id"].as_str()))
    });
    logs
}

#[tokio::test]
async fn pages_run_newest_first_without_gaps_or_duplicates() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Paged").await;
    let expected: Vec<String> = forty_five_logs(&client, &type_id)
        .await
        .iter()
        .map(|log| log["id"].as_str().expect("id").to_owned())
        .collect();

    let first = client.get(&format!("{LOGS}?limit=20")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(ids(&first.body), expected[..20]);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();

    // New logs arriving between pages, one of them tied with the cursor's own instant, shift nothing.
    let last_of_first = &first.body["items"][19];
    logged(&client, json!({"symptom_type_id": type_id})).await;
    logged(
        &client,
        json!({"symptom_type_id": type_id, "started_at": last_of_first["started_at"]}),
    )
    .await;

    let second = client
        .get(&format!("{LOGS}?limit=20&cursor={cursor}"))
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(ids(&second.body), expected[20..40]);
    let cursor = second.body["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let third = client
        .get(&format!("{LOGS}?limit=20&cursor={cursor}"))
        .await;
    assert_eq!(ids(&third.body), expected[40..]);
    assert_eq!(third.body["next_cursor"], Value::Null);

    let default = client.get(LOGS).await;
    assert_eq!(ids(&default.body).len(), 20, "the default page size is 20");
    let exact = client.get(&format!("{LOGS}?limit=47")).await;
    assert_eq!(ids(&exact.body).len(), 47);
    assert_eq!(exact.body["next_cursor"], Value::Null, "no empty last page");
}

#[tokio::test]
async fn bad_page_parameters_are_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    for query in [
        "cursor=garbage",
        "cursor=djI6MTox",
        "limit=0",
        "limit=101",
        "limit=ten",
        "from=yesterday",
        "to=2025-11-27",
        "symptom_type_id=42",
    ] {
        let reply = client.get(&format!("{LOGS}?{query}")).await;
        assert_eq!(reply.status, 422, "{query}");
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields().len(), 1, "{query}");
    }
    let reply = client.get(&format!("{LOGS}?limit=100")).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn lists_filter_by_time_window_and_type() {
    let app = spawn_app().await;
    let client = app.user().await;
    let headache = type_id(&client, "Headache").await;
    let nausea = type_id(&client, "Nausea").await;
    let mut by_offset = Vec::new();
    for (minutes, type_id) in [
        (0, &headache),
        (10, &nausea),
        (20, &headache),
        (30, &nausea),
    ] {
        let log = logged(
            &client,
            json!({"symptom_type_id": type_id, "started_at": at(minutes * MINUTE)}),
        )
        .await;
        by_offset.push(log["id"].as_str().expect("id").to_owned());
    }
    let window = client
        .get(&format!(
            "{LOGS}?from={}&to={}",
            at(10 * MINUTE).replace(':', "%3A"),
            at(30 * MINUTE).replace(':', "%3A")
        ))
        .await;
    assert_eq!(window.status, 200, "{}", window.text);
    assert_eq!(
        ids(&window.body),
        [by_offset[2].clone(), by_offset[1].clone()],
        "from inclusive, to exclusive"
    );
    let of_type = client
        .get(&format!("{LOGS}?symptom_type_id={nausea}"))
        .await;
    assert_eq!(
        ids(&of_type.body),
        [by_offset[3].clone(), by_offset[1].clone()]
    );
    assert!(
        of_type.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|l| l["symptom_name"] == "Nausea")
    );

    let stranger = app.user().await;
    assert_eq!(ids(&stranger.get(LOGS).await.body), Vec::<String>::new());
    let theirs = stranger
        .get(&format!("{LOGS}?symptom_type_id={nausea}"))
        .await;
    assert_eq!(theirs.status, 200);
    assert!(ids(&theirs.body).is_empty());
}

#[tokio::test]
async fn another_accounts_log_does_not_exist_on_any_route() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let type_id = type_id(&owner, "Mine").await;
    let log = logged(&owner, json!({"symptom_type_id": type_id, "severity": 2})).await;
    let path = path_of(&log);
    let stranger = app.user().await;
    let replies = [
        stranger.get(&path).await,
        stranger.patch(&path, &json!({"severity": 9})).await,
        stranger.delete(&path).await,
    ];
    for reply in replies {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    let kept = owner.get(&path).await;
    assert_eq!(kept.body, log);

    for bad in [
        format!("{LOGS}/123"),
        format!("{LOGS}/{}x", log["id"].as_str().expect("id")),
    ] {
        assert_eq!(owner.get(&bad).await.status, 404);
        assert_eq!(owner.patch(&bad, &json!({})).await.status, 404);
        assert_eq!(owner.delete(&bad).await.status, 404);
    }
    assert_eq!(app.client().get(LOGS).await.status, 401);
}

#[tokio::test]
async fn patch_keeps_absent_fields_and_clears_nulls() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Backache").await;
    let log = logged(
        &client,
        json!({"symptom_type_id": type_id, "started_at": at(0), "duration_minutes": 30,
            "severity": 4, "impact": 2, "notes": "after lifting"}),
    )
    .await;
    let path = path_of(&log);

    let same = client.patch(&path, &json!({})).await;
    assert_eq!(same.status, 200);
    for field in [
        "started_at",
        "ended_at",
        "duration_minutes",
        "severity",
        "impact",
        "notes",
    ] {
        assert_eq!(same.body[field], log[field], "{field}");
    }

    let patched = client
        .patch(&path, &json!({"severity": 9, "notes": null}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["severity"], 9);
    assert_eq!(patched.body["severity_label"], "critical");
    assert_eq!(patched.body["impact"], 2);
    assert_eq!(patched.body["notes"], Value::Null);
    assert_eq!(patched.body["duration_minutes"], 30);
    assert_eq!(patched.body["created_at"], log["created_at"]);

    for field in ["symptom_type_id", "started_at", "severity", "impact"] {
        let reply = client.patch(&path, &json!({ field: null })).await;
        assert_eq!(reply.status, 422, "{field}");
        assert_eq!(reply.error_fields(), [field]);
    }
    let reply = client
        .patch(&path, &json!({"severity": 11, "user_id": "x"}))
        .await;
    assert_eq!(reply.error_fields(), ["severity", "user_id"]);
    assert_eq!(
        client.get(&path).await.body["severity"],
        9,
        "a refused patch changes nothing"
    );
}

#[tokio::test]
async fn patch_recomputes_the_end_or_the_duration() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Flush").await;
    let log = logged(
        &client,
        json!({"symptom_type_id": type_id, "started_at": at(0), "duration_minutes": 30}),
    )
    .await;
    let path = path_of(&log);

    let longer = client.patch(&path, &json!({"duration_minutes": 45})).await;
    assert_eq!(longer.status, 200, "{}", longer.text);
    assert_eq!(longer.body["ended_at"], at(45 * MINUTE));

    let moved = client
        .patch(&path, &json!({"started_at": at(60 * MINUTE)}))
        .await;
    assert_eq!(moved.body["duration_minutes"], 45);
    assert_eq!(moved.body["ended_at"], at(105 * MINUTE));

    let ended = client
        .patch(&path, &json!({"ended_at": at(150 * MINUTE + 20_000)}))
        .await;
    assert_eq!(ended.body["duration_minutes"], 90);
    assert_eq!(ended.body["started_at"], at(60 * MINUTE));
    assert_eq!(ended.body["ended_at"], at(150 * MINUTE + 20_000));

    let both_moved = client
        .patch(
            &path,
            &json!({"started_at": at(0), "ended_at": at(10 * MINUTE)}),
        )
        .await;
    assert_eq!(both_moved.body["duration_minutes"], 10);

    let ongoing = client
        .patch(&path, &json!({"duration_minutes": null}))
        .await;
    assert_eq!(ongoing.body["duration_minutes"], Value::Null);
    assert_eq!(ongoing.body["ended_at"], Value::Null);

    let again = client.patch(&path, &json!({"duration_minutes": 5})).await;
    assert_eq!(again.body["ended_at"], at(5 * MINUTE));
    let ongoing = client.patch(&path, &json!({"ended_at": null})).await;
    assert_eq!(ongoing.body["duration_minutes"], Value::Null);
    assert_eq!(ongoing.body["ended_at"], Value::Null);

    let moved_ongoing = client
        .patch(&path, &json!({"started_at": at(MINUTE)}))
        .await;
    assert_eq!(
        moved_ongoing.body["ended_at"],
        Value::Null,
        "an ongoing symptom stays ongoing"
    );
}

#[tokio::test]
async fn patch_applies_the_duration_rules_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Sweats").await;
    let log = logged(
        &client,
        json!({"symptom_type_id": type_id, "started_at": at(0), "duration_minutes": 30}),
    )
    .await;
    let path = path_of(&log);
    let cases = [
        (json!({"duration_minutes": 0}), vec!["duration_minutes"]),
        (json!({"duration_minutes": 721}), vec!["duration_minutes"]),
        (
            json!({"duration_minutes": 1441, "confirm_long_duration": true}),
            vec!["duration_minutes"],
        ),
        (json!({"ended_at": at(-MINUTE)}), vec!["ended_at"]),
        (json!({"ended_at": at(30_000)}), vec!["ended_at"]),
        (
            json!({"started_at": at(31 * MINUTE), "ended_at": at(30 * MINUTE)}),
            vec!["ended_at"],
        ),
        (
            json!({"ended_at": at(800 * MINUTE)}),
            vec!["duration_minutes"],
        ),
        (
            json!({"duration_minutes": 10, "ended_at": at(10 * MINUTE)}),
            vec!["duration_minutes", "ended_at"],
        ),
        (
            json!({"duration_minutes": 10, "ended_at": null}),
            vec!["duration_minutes", "ended_at"],
        ),
        (
            json!({"started_at": from_now(6 * MINUTE)}),
            vec!["started_at"],
        ),
    ];
    for (body, fields) in cases {
        let reply = client.patch(&path, &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert_eq!(client.get(&path).await.body, log, "nothing changed");

    let confirmed = client
        .patch(
            &path,
            &json!({"duration_minutes": 721, "confirm_long_duration": true}),
        )
        .await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(confirmed.body["ended_at"], at(721 * MINUTE));
    let moved = client
        .patch(&path, &json!({"started_at": at(MINUTE)}))
        .await;
    assert_eq!(
        moved.status, 200,
        "an accepted long duration needs no new confirmation when it moves"
    );
    assert_eq!(moved.body["ended_at"], at(722 * MINUTE));
    let derived = client
        .patch(
            &path,
            &json!({"ended_at": at(1441 * MINUTE), "confirm_long_duration": true}),
        )
        .await;
    assert_eq!(derived.status, 200, "{}", derived.text);
    assert_eq!(derived.body["duration_minutes"], 1440);
}

#[tokio::test]
async fn patch_can_move_a_log_to_another_own_active_type() {
    let app = spawn_app().await;
    let client = app.user().await;
    let first = type_id(&client, "First").await;
    let second = type_id(&client, "Second").await;
    let log = logged(&client, json!({"symptom_type_id": first, "severity": 3})).await;
    let path = path_of(&log);

    let moved = client
        .patch(&path, &json!({"symptom_type_id": second}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["symptom_type_id"], second.as_str());
    assert_eq!(moved.body["symptom_name"], "Second");
    assert_eq!(moved.body["severity"], 3, "the severity stays as logged");

    let stranger = app.user().await;
    let theirs = type_id(&stranger, "Theirs").await;
    let reply = client
        .patch(&path, &json!({"symptom_type_id": theirs}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["symptom_type_id"]);

    let inactive = create_type(&client, json!({"name": "Retired", "active": false})).await;
    let reply = client
        .patch(&path, &json!({"symptom_type_id": inactive["id"]}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "symptom_type_inactive");
    assert_eq!(client.get(&path).await.body["symptom_name"], "Second");

    // A log of a type deactivated later can still be edited.
    let reply = client
        .patch(
            &format!("/api/v1/symptom-types/{second}"),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let edited = client
        .patch(
            &path,
            &json!({"symptom_type_id": second, "notes": "still editable"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
}

#[tokio::test]
async fn deleted_logs_are_gone() {
    let app = spawn_app().await;
    let client = app.user().await;
    let type_id = type_id(&client, "Brief").await;
    let log = logged(&client, json!({"symptom_type_id": type_id})).await;
    let path = path_of(&log);
    assert_eq!(client.delete(&path).await.status, 204);
    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(client.delete(&path).await.status, 404);
    assert!(ids(&client.get(LOGS).await.body).is_empty());
    assert_eq!(
        client
            .delete(&format!("/api/v1/symptom-types/{type_id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        client
            .get(&format!("/api/v1/symptom-types/{type_id}"))
            .await
            .status,
        404,
        "without logs, the type is really deleted"
    );
}
