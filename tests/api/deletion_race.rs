//! Writes racing the deletion of their own account answer as if the account's records were gone
//! (401, 404 or 422), never 5xx, on both databases.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Client, PASSWORD, spawn_app};

/// One kind of write the account's owner may have in flight.
async fn write(client: &Client, kind: usize, ids: &(String, String), n: usize) -> u16 {
    let (medication, symptom_type) = ids;
    let reply = match kind % 5 {
        0 => {
            client
                .post("/api/v1/medications", &json!({"name": format!("m{n}")}))
                .await
        }
        1 => {
            client
                .post(
                    "/api/v1/logs/medications",
                    &json!({"medication_id": medication}),
                )
                .await
        }
        2 => {
            client
                .post(
                    "/api/v1/logs/symptoms",
                    &json!({"symptom_type_id": symptom_type}),
                )
                .await
        }
        3 => {
            client
                .patch(
                    &format!("/api/v1/medications/{medication}"),
                    &json!({"notes": format!("n{n}")}),
                )
                .await
        }
        _ => {
            client
                .post("/api/v1/conditions", &json!({"name": format!("c{n}")}))
                .await
        }
    };
    reply.status
}

fn id_of(reply: &crate::helpers::Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn writes_racing_the_deletion_of_their_account_never_answer_5xx() {
    let app = spawn_app().await;
    let mut statuses: Vec<u16> = Vec::new();
    for trial in 0..5 {
        let (client, _) = app.signed_in().await;
        let medication = id_of(
            &client
                .post("/api/v1/medications", &json!({"name": "Ibuprofen"}))
                .await,
        );
        let symptom_type = id_of(
            &client
                .post("/api/v1/symptom-types", &json!({"name": "Headache"}))
                .await,
        );
        let ids = (medication, symptom_type);
        let mut writers = Vec::new();
        for kind in 0..5 {
            let (client, ids) = (client.clone(), ids.clone());
            writers.push(tokio::spawn(async move {
                let mut seen = Vec::new();
                for n in 0..40 {
                    let status = write(&client, kind, &ids, n).await;
                    seen.push(status);
                    if status == 401 {
                        break;
                    }
                }
                seen
            }));
        }
        tokio::time::sleep(Duration::from_millis(20 + 10 * trial)).await;
        let deleted = client
            .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
            .await;
        assert_eq!(deleted.status, 204, "{}", deleted.text);
        for writer in writers {
            statuses.extend(writer.await.expect("the writer finishes"));
        }
    }
    let unexpected: Vec<u16> = statuses
        .iter()
        .copied()
        .filter(|s| !matches!(s, 200 | 201 | 401 | 404 | 422))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{unexpected:?} among {} answers",
        statuses.len()
    );
    assert!(statuses.contains(&401), "the writes outlived the account");
}

#[tokio::test]
async fn a_sign_in_racing_the_deletion_leaves_no_session_behind() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let mut logins = Vec::new();
    // Fewer than the lockout threshold, so that the checks in flight leave room for the deletion.
    for _ in 0..3 {
        let (client, email) = (app.client(), email.clone());
        logins.push(tokio::spawn(async move {
            client
                .post(
                    "/auth/login",
                    &json!({"email": email, "password": PASSWORD}),
                )
                .await
                .status
        }));
    }
    let deleted = client
        .post("/api/v1/me/delete", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    for login in logins {
        let status = login.await.expect("the login finishes");
        assert!(matches!(status, 200 | 401 | 404 | 422), "{status}");
    }
    let sessions = "SELECT COUNT(*) FROM sessions WHERE $1 = $1";
    assert_eq!(crate::helpers::count_rows(&app, sessions, "").await, 0);
}
