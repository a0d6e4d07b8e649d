//! Medication logs (`/api/v1/logs/medications`): field rules, the medication they name, keyset
//! pagination, merge patches and isolation between accounts.

use std::collections::HashSet;

use medtracker::types::{Id, Timestamp};
use serde_json::{Value, json};

use crate::{
    helpers::{Client, MINUTE, SECOND, from_now, ids, spawn_app},
    medications::medication,
};

const LOGS: &str = "/api/v1/logs/medications";

async fn create_log(client: &Client, body: Value) -> Value {
    let reply = client.post(LOGS, &body).await;
    assert_eq!(reply.status, 201, "create log: {}", reply.text);
    reply.body
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn a_new_log_defaults_to_now_and_names_its_medication() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let before = Timestamp::now().to_string();
    let log = create_log(&client, json!({ "medication_id": medication_id })).await;
    let after = Timestamp::now().to_string();

    assert_eq!(log["medication_id"], json!(medication_id));
    assert_eq!(log["medication_name"], "Ibuprofen");
    let taken_at = log["taken_at"].as_str().expect("a time");
    assert!(before.as_str() <= taken_at && taken_at <= after.as_str());
    for field in [
        "dose_amount",
        "dose_unit",
        "effectiveness",
        "side_effects",
        "side_effect_severity",
        "notes",
    ] {
        assert_eq!(log[field], Value::Null, "{field}");
    }
    assert_eq!(log["created_at"], log["updated_at"]);
    let read = client.get(&format!("{LOGS}/{}", id_of(&log))).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, log);
}

#[tokio::test]
async fn every_field_is_stored_and_times_are_normalised_to_utc_milliseconds() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let log = create_log(
        &client,
        json!({"medication_id": medication_id, "taken_at": "2026-01-15T09:30:00.123456+01:00",
            "dose_amount": 400, "dose_unit": " mg ", "effectiveness": 4,
            "side_effects": "nausea\r\n\tmild", "side_effect_severity": 2,
            "notes": "after\nbreakfast"}),
    )
    .await;
    assert_eq!(log["taken_at"], "2026-01-15T08:30:00.123Z");
    assert_eq!(log["dose_amount"].as_f64(), Some(400.0));
    assert_eq!(log["dose_unit"], "mg");
    assert_eq!(log["effectiveness"], 4);
    assert_eq!(log["side_effects"], "nausea\r\n\tmild");
    assert_eq!(log["side_effect_severity"], 2);
    assert_eq!(log["notes"], "after\nbreakfast");

    let fractional = create_log(
        &client,
        json!({"medication_id": medication_id, "dose_amount": 0.25}),
    )
    .await;
    assert_eq!(fractional["dose_amount"].as_f64(), Some(0.25));
}

#[tokio::test]
async fn field_rules_are_enforced_and_a_refused_body_creates_nothing() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let with = |extra: Value| {
        let mut body = json!({ "medication_id": medication_id });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        body
    };
    let cases = [
        (json!({}), vec!["medication_id"]),
        (json!({"medication_id": null}), vec!["medication_id"]),
        (json!({"medication_id": "abc"}), vec!["medication_id"]),
        (with(json!({"dose_amount": 0})), vec!["dose_amount"]),
        (with(json!({"dose_amount": -2.5})), vec!["dose_amount"]),
        (with(json!({"dose_amount": "5"})), vec!["dose_amount"]),
        (
            with(json!({"dose_unit": "x".repeat(21)})),
            vec!["dose_unit"],
        ),
        (with(json!({"dose_unit": "m\ng"})), vec!["dose_unit"]),
        (with(json!({"effectiveness": 0})), vec!["effectiveness"]),
        (with(json!({"effectiveness": 6})), vec!["effectiveness"]),
        (with(json!({"effectiveness": 3.5})), vec!["effectiveness"]),
        (
            with(json!({"side_effect_severity": 0})),
            vec!["side_effect_severity"],
        ),
        (
            with(json!({"side_effect_severity": 11})),
            vec!["side_effect_severity"],
        ),
        (
            with(json!({"side_effects": "x".repeat(501)})),
            vec!["side_effects"],
        ),
        (with(json!({"notes": "x".repeat(1001)})), vec!["notes"]),
        (with(json!({"notes": "nul\u{0}"})), vec!["notes"]),
        (with(json!({"taken_at": "2026-01-15"})), vec!["taken_at"]),
        (with(json!({"taken_at": null})), Vec::new()),
        (
            with(
                json!({"id": Id::new().to_string(), "user_id": Id::new().to_string(),
                "medication_name": "X", "created_at": from_now(0)}),
            ),
            vec!["created_at", "id", "medication_name", "user_id"],
        ),
        (
            json!({"effectiveness": 9, "dose_amount": 0}),
            vec!["medication_id", "dose_amount", "effectiveness"],
        ),
    ];
    let mut accepted = 0;
    for (body, fields) in cases {
        let reply = client.post(LOGS, &body).await;
        if fields.is_empty() {
            assert_eq!(reply.status, 201, "{body}: {}", reply.text);
            accepted += 1;
            continue;
        }
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert_eq!(ids(&client.get(LOGS).await.body).len(), accepted);
}

#[tokio::test]
async fn limits_are_inclusive() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let log = create_log(
        &client,
        json!({"medication_id": medication_id, "dose_amount": 0.001, "dose_unit": "µ".repeat(20),
            "effectiveness": 1, "side_effect_severity": 10, "side_effects": "ä".repeat(500),
            "notes": "ß".repeat(1000)}),
    )
    .await;
    assert_eq!(log["effectiveness"], 1);
    assert_eq!(log["side_effect_severity"], 10);
    let log = create_log(
        &client,
        json!({"medication_id": medication_id, "effectiveness": 5, "side_effect_severity": 1}),
    )
    .await;
    assert_eq!(log["effectiveness"], 5);
}

#[tokio::test]
async fn taken_at_may_be_at_most_five_minutes_ahead() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let reply = client
        .post(
            LOGS,
            &json!({"medication_id": medication_id, "taken_at": from_now(5 * MINUTE + 30 * SECOND)}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["taken_at"]);
    let log = create_log(
        &client,
        json!({"medication_id": medication_id, "taken_at": from_now(4 * MINUTE)}),
    )
    .await;
    let path = format!("{LOGS}/{}", id_of(&log));
    let reply = client
        .patch(&path, &json!({"taken_at": from_now(24 * 60 * MINUTE)}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.error_fields(), ["taken_at"]);
    assert_eq!(client.get(&path).await.body, log);
    assert_eq!(ids(&client.get(LOGS).await.body).len(), 1);
}

#[tokio::test]
async fn the_medication_must_be_the_accounts_own() {
    let app = spawn_app().await;
    let client = app.user().await;
    let other = app.user().await;
    let theirs = medication(&other, "Theirs").await;
    for medication_id in [theirs, Id::new().to_string()] {
        let reply = client
            .post(LOGS, &json!({ "medication_id": medication_id }))
            .await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), ["medication_id"]);
    }
    assert!(ids(&client.get(LOGS).await.body).is_empty());
    assert!(ids(&other.get(LOGS).await.body).is_empty());
}

#[tokio::test]
async fn an_inactive_medication_takes_no_new_logs() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let path = format!("/api/v1/medications/{medication_id}");
    client.post_empty(&format!("{path}/deactivate")).await;
    let reply = client
        .post(LOGS, &json!({ "medication_id": medication_id }))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.code(), "medication_inactive");
    assert_eq!(reply.error_fields(), ["medication_id"]);
    assert!(ids(&client.get(LOGS).await.body).is_empty());

    client.post_empty(&format!("{path}/activate")).await;
    create_log(&client, json!({ "medication_id": medication_id })).await;
}

#[tokio::test]
async fn pages_walk_every_log_once_newest_first() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    // Groups of three share a time, so ties are broken by id.
    let mut logs = Vec::new();
    for i in 0..45 {
        let taken_at = from_now((-86_400 - 60 * (i / 3)) * SECOND);
        logs.push(
            create_log(
                &client,
                json!({"medication_id": medication_id, "taken_at": taken_at}),
            )
            .await,
        );
    }
    let mut expected: Vec<(String, String)> = logs
        .iter()
        .map(|log| {
            (
                log["taken_at"].as_str().expect("a time").to_owned(),
                id_of(log),
            )
        })
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{LOGS}?limit=20&cursor={cursor}"),
            None => format!("{LOGS}?limit=20"),
        };
        let reply = client.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = ids(&reply.body);
        pages.push(page.len());
        seen.extend(page);
        if pages.len() == 1 {
            // Logs written between page requests never shift the pages still to come: one
            // newer than everything, one tied with the last log shown (a later, larger id).
            let last = &reply.body["items"][19];
            create_log(&client, json!({ "medication_id": medication_id })).await;
            create_log(
                &client,
                json!({"medication_id": medication_id, "taken_at": last["taken_at"]}),
            )
            .await;
        }
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert_eq!(reply.body["next_cursor"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(pages, [20, 20, 5]);
    assert_eq!(seen, expected, "newest first, no duplicates, no gaps");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 45);
    assert_eq!(
        ids(&client.get(&format!("{LOGS}?limit=100")).await.body).len(),
        47
    );
}

#[tokio::test]
async fn the_default_page_holds_twenty_and_an_exact_page_ends_the_list() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    for _ in 0..21 {
        create_log(&client, json!({ "medication_id": medication_id })).await;
    }
    let first = client.get(LOGS).await;
    assert_eq!(ids(&first.body).len(), 20);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = client.get(&format!("{LOGS}?cursor={cursor}")).await;
    assert_eq!(ids(&second.body).len(), 1);
    assert_eq!(second.body["next_cursor"], Value::Null);

    let whole = client.get(&format!("{LOGS}?limit=21")).await;
    assert_eq!(ids(&whole.body).len(), 21);
    assert_eq!(whole.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn bad_list_parameters_are_refused() {
    let app = spawn_app().await;
    let client = app.user().await;
    let cases = [
        ("limit=0", vec!["limit"]),
        ("limit=101", vec!["limit"]),
        ("limit=abc", vec!["limit"]),
        ("limit=-1", vec!["limit"]),
        ("limit=2.5", vec!["limit"]),
        ("cursor=abc", vec!["cursor"]),
        ("cursor=djE6eDp5", vec!["cursor"]),
        ("from=yesterday", vec!["from"]),
        ("to=2026-01-01", vec!["to"]),
        ("medication_id=42", vec!["medication_id"]),
        (
            "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            vec!["to"],
        ),
    ];
    for (query, fields) in cases {
        let reply = client.get(&format!("{LOGS}?{query}")).await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), fields, "{query}");
    }
    for query in ["limit=1", "limit=100"] {
        assert_eq!(client.get(&format!("{LOGS}?{query}")).await.status, 200);
    }
}

#[tokio::test]
async fn lists_filter_by_time_range_and_medication() {
    let app = spawn_app().await;
    let client = app.user().await;
    let ibuprofen = medication(&client, "Ibuprofen").await;
    let aspirin = medication(&client, "Aspirin").await;
    let times = [
        "2026-01-01T07:59:59.999Z",
        "2026-01-01T08:00:00.000Z",
        "2026-01-01T12:00:00.000Z",
        "2026-01-01T18:00:00.000Z",
    ];
    let mut created = Vec::new();
    for (i, taken_at) in times.iter().enumerate() {
        let medication_id = if i % 2 == 0 { &ibuprofen } else { &aspirin };
        created.push(id_of(
            &create_log(
                &client,
                json!({"medication_id": medication_id, "taken_at": taken_at}),
            )
            .await,
        ));
    }
    let window = client
        .get(&format!(
            "{LOGS}?from=2026-01-01T09:00:00%2B01:00&to=2026-01-01T18:00:00Z"
        ))
        .await;
    assert_eq!(ids(&window.body), [created[2].clone(), created[1].clone()]);
    let only = client.get(&format!("{LOGS}?medication_id={aspirin}")).await;
    assert_eq!(ids(&only.body), [created[3].clone(), created[1].clone()]);
    let both = client
        .get(&format!(
            "{LOGS}?medication_id={ibuprofen}&from=2026-01-01T08:00:00Z"
        ))
        .await;
    assert_eq!(ids(&both.body), [created[2].clone()]);

    let stranger = app.user().await;
    let theirs = stranger
        .get(&format!("{LOGS}?medication_id={ibuprofen}"))
        .await;
    assert_eq!(theirs.status, 200);
    assert!(ids(&theirs.body).is_empty());
}

#[tokio::test]
async fn patch_merges_sets_clears_and_keeps() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let log = create_log(
        &client,
        json!({"medication_id": medication_id, "taken_at": "2026-01-01T08:00:00Z",
            "dose_amount": 400, "dose_unit": "mg", "effectiveness": 4, "side_effects": "nausea",
            "side_effect_severity": 3, "notes": "after breakfast"}),
    )
    .await;
    let path = format!("{LOGS}/{}", id_of(&log));
    let reply = client
        .patch(
            &path,
            &json!({"dose_amount": null, "side_effects": null, "side_effect_severity": null,
                "notes": "  ", "effectiveness": 2, "taken_at": "2026-01-01T09:00:00+01:00"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let updated = reply.body;
    assert_eq!(updated["medication_id"], json!(medication_id));
    assert_eq!(updated["taken_at"], "2026-01-01T08:00:00.000Z");
    assert_eq!(updated["dose_amount"], Value::Null);
    assert_eq!(updated["dose_unit"], "mg");
    assert_eq!(updated["effectiveness"], 2);
    assert_eq!(updated["side_effects"], Value::Null);
    assert_eq!(updated["side_effect_severity"], Value::Null);
    assert_eq!(updated["notes"], Value::Null);
    assert_eq!(updated["created_at"], log["created_at"]);
    assert_eq!(client.get(&path).await.body, updated);

    for (body, fields) in [
        (json!({"taken_at": null}), vec!["taken_at"]),
        (json!({"medication_id": null}), vec!["medication_id"]),
        (
            json!({"effectiveness": 7, "dose_unit": "mg"}),
            vec!["effectiveness"],
        ),
        (json!({"medication_name": "X"}), vec!["medication_name"]),
        (json!({"user_id": Id::new().to_string()}), vec!["user_id"]),
    ] {
        let reply = client.patch(&path, &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.error_fields(), fields, "{body}");
    }
    assert_eq!(client.get(&path).await.body, updated);
}

#[tokio::test]
async fn patch_may_move_a_log_only_to_an_own_active_medication() {
    let app = spawn_app().await;
    let client = app.user().await;
    let ibuprofen = medication(&client, "Ibuprofen").await;
    let aspirin = medication(&client, "Aspirin").await;
    let retired = medication(&client, "Retired").await;
    client
        .post_empty(&format!("/api/v1/medications/{retired}/deactivate"))
        .await;
    let theirs = medication(&app.user().await, "Theirs").await;
    let log = create_log(&client, json!({ "medication_id": ibuprofen })).await;
    let path = format!("{LOGS}/{}", id_of(&log));

    let reply = client
        .patch(&path, &json!({ "medication_id": retired }))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "medication_inactive");
    for medication_id in [theirs, Id::new().to_string()] {
        let reply = client
            .patch(&path, &json!({ "medication_id": medication_id }))
            .await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), ["medication_id"]);
    }
    assert_eq!(client.get(&path).await.body, log);

    let reply = client
        .patch(&path, &json!({ "medication_id": aspirin }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["medication_id"], json!(aspirin));
    assert_eq!(reply.body["medication_name"], "Aspirin");

    // A log keeps a medication deactivated after the fact, and can still be edited.
    client
        .post_empty(&format!("/api/v1/medications/{aspirin}/deactivate"))
        .await;
    let reply = client
        .patch(
            &path,
            &json!({"medication_id": aspirin, "notes": "still mine"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["notes"], "still mine");
}

#[tokio::test]
async fn a_renamed_medication_shows_its_new_name_in_its_logs() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let log = create_log(&client, json!({ "medication_id": medication_id })).await;
    let reply = client
        .patch(
            &format!("/api/v1/medications/{medication_id}"),
            &json!({"name": "Ibuprofen 400"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let read = client.get(&format!("{LOGS}/{}", id_of(&log))).await;
    assert_eq!(read.body["medication_name"], "Ibuprofen 400");
    assert_eq!(
        client.get(LOGS).await.body["items"][0]["medication_name"],
        "Ibuprofen 400"
    );
}

#[tokio::test]
async fn a_log_can_be_deleted() {
    let app = spawn_app().await;
    let client = app.user().await;
    let medication_id = medication(&client, "Ibuprofen").await;
    let log = create_log(&client, json!({ "medication_id": medication_id })).await;
    let path = format!("{LOGS}/{}", id_of(&log));
    let reply = client.delete(&path).await;
    assert_eq!(reply.status, 204);
    assert!(reply.text.is_empty());
    assert_eq!(client.get(&path).await.status, 404);
    assert_eq!(client.delete(&path).await.status, 404);
    assert!(ids(&client.get(LOGS).await.body).is_empty());
}

#[tokio::test]
async fn another_accounts_log_is_not_found_on_every_route() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let stranger = app.user().await;
    let medication_id = medication(&owner, "Ibuprofen").await;
    let own_medication = medication(&stranger, "Aspirin").await;
    let log = create_log(&owner, json!({ "medication_id": medication_id })).await;
    let path = format!("{LOGS}/{}", id_of(&log));
    for reply in [
        stranger.get(&path).await,
        stranger.patch(&path, &json!({"notes": "mine"})).await,
        stranger
            .patch(&path, &json!({ "medication_id": own_medication }))
            .await,
        stranger.delete(&path).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
    }
    assert!(ids(&stranger.get(LOGS).await.body).is_empty());
    assert_eq!(owner.get(&path).await.body, log);

    for path in [format!("{LOGS}/42"), format!("{LOGS}/{}", Id::new())] {
        assert_eq!(owner.get(&path).await.status, 404);
        assert_eq!(owner.delete(&path).await.status, 404);
    }
}

#[tokio::test]
async fn logs_require_a_session() {
    let app = spawn_app().await;
    let anonymous = app.client();
    for reply in [
        anonymous.get(LOGS).await,
        anonymous
            .post(LOGS, &json!({"medication_id": Id::new().to_string()}))
            .await,
        anonymous.get(&format!("{LOGS}/{}", Id::new())).await,
    ] {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.code(), "unauthenticated");
    }
}
