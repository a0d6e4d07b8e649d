//! Register and login: the body rules and the answers a client sees.

use serde_json::{Value, json};

use crate::helpers::{Client, PASSWORD, Reply, credentials, spawn_app, unique_email};

async fn register(client: &Client, body: Value) -> Reply {
    client.post("/auth/register", &body).await
}

fn without_request_id(mut body: Value) -> Value {
    body.as_object_mut().map(|o| o.remove("request_id"));
    body
}

#[tokio::test]
async fn register_then_me_then_logout() {
    let app = spawn_app().await;
    let client = app.client();
    let email = unique_email();
    let reply = register(
        &client,
        json!({"email": email.to_uppercase(), "password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["user"]["email"], json!(email));
    assert_eq!(reply.body["user"]["timezone"], json!("UTC"));
    assert_eq!(reply.body["user"]["display_name"], Value::Null);
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"], reply.body["user"]);
    assert_eq!(client.post_empty("/auth/logout").await.status, 204);
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.code(), "unauthenticated");
    assert_eq!(me.header("www-authenticate"), Some("Session"));
}

#[tokio::test]
async fn register_returns_the_whole_user() {
    let app = spawn_app().await;
    let email = unique_email();
    let reply = register(
        &app.client(),
        json!({"email": email, "password": PASSWORD, "display_name": "  Jan  ", "timezone": "Europe/Berlin"}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let user = &reply.body["user"];
    assert_eq!(user["display_name"], json!("Jan"));
    assert_eq!(user["timezone"], json!("Europe/Berlin"));
    let id = user["id"].as_str().expect("an id");
    assert_eq!(
        uuid::Uuid::parse_str(id).map(|u| u.get_version_num()),
        Ok(7)
    );
    let created = user["created_at"].as_str().expect("created_at");
    assert_eq!(created.len(), "2026-11-27T08:30:00.123Z".len(), "{created}");
    assert!(created.ends_with('Z'));
}

#[tokio::test]
async fn weak_short_and_long_passwords_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    for password in [
        "password1234",
        "aaaaaaaaaaaaaaaa",
        "qwertyuiop123",
        "Sh0rt!x",
        &"violet harbour engine ".repeat(6),
    ] {
        let reply = register(
            &client,
            json!({"email": unique_email(), "password": password}),
        )
        .await;
        assert_eq!(reply.status, 422, "{password}: {}", reply.text);
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.error_fields(), ["password"], "{password}");
    }
}

#[tokio::test]
async fn a_password_may_not_contain_the_email_local_part() {
    let app = spawn_app().await;
    let reply = register(
        &app.client(),
        json!({"email": "Marta.Kowalska@example.com", "password": "orbit MARTA.KOWALSKA tundra 47"}),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.error_fields(), ["password"]);
}

#[tokio::test]
async fn a_password_of_exactly_twelve_and_128_characters_is_accepted() {
    let app = spawn_app().await;
    let client = app.client();
    for password in [
        "Vq7#mZ2!rK9w",
        &format!("{PASSWORD} {}", "x9Q".repeat(35))[..128],
    ] {
        let reply = register(
            &client,
            json!({"email": unique_email(), "password": password}),
        )
        .await;
        assert_eq!(reply.status, 201, "{password}: {}", reply.text);
    }
}

#[tokio::test]
async fn an_email_is_one_account_whatever_its_case() {
    let app = spawn_app().await;
    let email = unique_email();
    assert_eq!(
        register(&app.client(), credentials(&email)).await.status,
        201
    );
    let reply = register(
        &app.client(),
        credentials(&format!(" {} ", email.to_uppercase())),
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.code(), "email_taken");
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn invalid_emails_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let too_long = format!("{}@example.com", "a".repeat(250));
    for email in [
        json!("not-an-email"),
        json!("jan@"),
        json!("jan@localhost"),
        json!("Jan <jan@example.com>"),
        json!(""),
        json!(too_long),
        json!(42),
    ] {
        let reply = register(&client, json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(reply.status, 422, "{email}: {}", reply.text);
        assert_eq!(reply.error_fields(), ["email"], "{email}");
    }
}

#[tokio::test]
async fn the_demo_domain_cannot_be_registered() {
    let app = spawn_app().await;
    let reply = register(&app.client(), credentials("someone@Demo.Invalid")).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(reply.error_fields(), ["email"]);
}

#[tokio::test]
async fn unknown_and_server_owned_fields_are_refused() {
    let app = spawn_app().await;
    let email = unique_email();
    let reply = register(
        &app.client(),
        json!({"email": email, "password": PASSWORD, "id": "x", "created_at": "2020-01-01T00:00:00Z", "is_admin": true}),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["created_at", "id", "is_admin"]);
    // Nothing was created: the same email registers afterwards.
    assert_eq!(
        register(&app.client(), credentials(&email)).await.status,
        201
    );
}

#[tokio::test]
async fn an_empty_object_lists_every_missing_field() {
    let app = spawn_app().await;
    for path in ["/auth/register", "/auth/login"] {
        let reply = app.client().post(path, &json!({})).await;
        assert_eq!(reply.status, 422, "{path}: {}", reply.text);
        assert_eq!(reply.error_fields(), ["email", "password"], "{path}");
        assert_eq!(reply.body["detail"], json!("2 fields are invalid"));
    }
}

#[tokio::test]
async fn every_bad_field_is_listed_in_one_answer() {
    let app = spawn_app().await;
    let reply = register(
        &app.client(),
        json!({"email": "nope", "password": 12, "display_name": "", "timezone": "Mars/Olympus", "role": "admin"}),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "password", "role", "timezone"]);
}

#[tokio::test]
async fn time_zones_must_be_iana_names() {
    let app = spawn_app().await;
    let client = app.client();
    for timezone in [json!("Mars/Olympus"), json!(""), json!("+02:00"), json!(1)] {
        let reply = register(
            &client,
            json!({"email": unique_email(), "password": PASSWORD, "timezone": timezone}),
        )
        .await;
        assert_eq!(reply.status, 422, "{timezone}: {}", reply.text);
        assert_eq!(reply.error_fields(), ["timezone"], "{timezone}");
    }
    let reply = register(
        &client,
        json!({"email": unique_email(), "password": PASSWORD, "timezone": null}),
    )
    .await;
    assert_eq!(
        reply.body["user"]["timezone"],
        json!("UTC"),
        "{}",
        reply.text
    );
    let reply = register(
        &client,
        json!({"email": unique_email(), "password": PASSWORD, "timezone": " America/New_York "}),
    )
    .await;
    assert_eq!(
        reply.body["user"]["timezone"],
        json!("America/New_York"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn display_names_are_trimmed_and_at_most_80_characters() {
    let app = spawn_app().await;
    let client = app.client();
    let cases = [
        (json!("ä".repeat(80)), Some(json!("ä".repeat(80)))),
        (json!("   "), Some(Value::Null)),
        (json!(null), Some(Value::Null)),
        (json!("x".repeat(81)), None),
        (json!("line\nbreak"), None),
        (json!(7), None),
    ];
    for (display_name, stored) in cases {
        let reply = register(
            &client,
            json!({"email": unique_email(), "password": PASSWORD, "display_name": display_name}),
        )
        .await;
        match stored {
            Some(stored) => {
                assert_eq!(reply.status, 201, "{display_name}: {}", reply.text);
                assert_eq!(reply.body["user"]["display_name"], stored);
            }
            None => {
                assert_eq!(reply.status, 422, "{display_name}: {}", reply.text);
                assert_eq!(reply.error_fields(), ["display_name"]);
            }
        }
    }
}

#[tokio::test]
async fn login_answers_the_same_for_an_unknown_email_and_a_wrong_password() {
    let app = spawn_app().await;
    let (_, email) = app.signed_in().await;
    let client = app.client();
    let wrong_password = client
        .post(
            "/auth/login",
            &json!({"email": email, "password": "not the right one 99"}),
        )
        .await;
    let unknown_email = client
        .post(
            "/auth/login",
            &json!({"email": unique_email(), "password": "not the right one 99"}),
        )
        .await;
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.code(), "invalid_credentials");
        assert_eq!(reply.header("www-authenticate"), Some("Session"));
        assert!(reply.session_set_cookie().is_none());
    }
    assert_eq!(
        without_request_id(wrong_password.body),
        without_request_id(unknown_email.body)
    );
}

#[tokio::test]
async fn login_normalises_the_email_and_returns_the_user() {
    let app = spawn_app().await;
    let (_, email) = app.signed_in().await;
    let client = app.client();
    let reply = client
        .post(
            "/auth/login",
            &json!({"email": format!("  {}  ", email.to_uppercase()), "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["user"]["email"], json!(email));
    assert_eq!(client.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn passwords_are_taken_exactly_as_sent() {
    let app = spawn_app().await;
    let (_, email) = app.signed_in().await;
    let reply = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": format!(" {PASSWORD} ")}),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
}

#[tokio::test]
async fn a_demo_account_cannot_sign_in_with_a_password() {
    let app = spawn_app().await;
    let demo = app.client().post_empty("/auth/demo").await;
    let email = demo.body["user"]["email"].as_str().expect("an email");
    let reply = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
}

#[tokio::test]
async fn login_refuses_unknown_fields_and_bad_types() {
    let app = spawn_app().await;
    let reply = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": ["x"], "password": null, "remember": true}),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["email", "password", "remember"]);
}

#[tokio::test]
async fn concurrent_registrations_of_one_email_make_one_account() {
    let app = spawn_app().await;
    let email = unique_email();
    let attempts = (0..4).map(|i| {
        let client = app.client();
        let body = credentials(&if i % 2 == 0 {
            email.clone()
        } else {
            email.to_uppercase()
        });
        async move { client.post("/auth/register", &body).await.status }
    });
    let mut statuses = run_concurrently(attempts).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409]);
}

/// Runs futures concurrently on the test's runtime and collects their outputs in order.
async fn run_concurrently<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("the task finishes"));
    }
    outputs
}
