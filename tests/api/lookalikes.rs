//! Names and emails that look alike are one: name keys by NFKC case folding, names that need a
//! visible character and no bidirectional control, emails with IDNA ASCII domains.

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, unique_email};

const UNIQUE_NAMES: [&str; 3] = [
    "/api/v1/medications",
    "/api/v1/symptom-types",
    "/api/v1/conditions",
];
const ALL_NAMES: [&str; 4] = [
    "/api/v1/medications",
    "/api/v1/symptom-types",
    "/api/v1/conditions",
    "/api/v1/doctors",
];

#[tokio::test]
async fn names_that_look_alike_are_one_name() {
    let app = spawn_app().await;
    let client = app.user().await;
    for path in UNIQUE_NAMES {
        for (first, second) in [
            ("aspirin", "Ａspirin"),
            ("Caf\u{e9}", "Cafe\u{301}"),
            ("ﬁx", "FIX"),
            ("Straße", "STRASSE"),
        ] {
            let created = client.post(path, &json!({"name": first})).await;
            assert_eq!(created.status, 201, "{path} {first}: {}", created.text);
            let duplicate = client.post(path, &json!({"name": second})).await;
            assert_eq!(
                duplicate.status, 409,
                "{path} {second:?}: {}",
                duplicate.text
            );
            assert_eq!(duplicate.code(), "duplicate_name");
        }
    }
}

#[tokio::test]
async fn searches_match_on_the_same_key() {
    let app = spawn_app().await;
    let client = app.user().await;
    for path in ["/api/v1/medications", "/api/v1/symptom-types"] {
        let created = client.post(path, &json!({"name": "Ａspirin ﬁx"})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        for q in ["aspirin", "ASPIRIN%20FIX", "%EF%BC%A1SPI", "fix"] {
            let found = client.get(&format!("{path}?q={q}")).await;
            assert_eq!(found.status, 200, "{}", found.text);
            let names: Vec<&str> = found.body["items"]
                .as_array()
                .or(found.body.as_array())
                .map(|items| items.iter().filter_map(|i| i["name"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(names, ["Ａspirin ﬁx"], "{path}?q={q}");
        }
    }
}

#[tokio::test]
async fn names_need_a_visible_character_and_no_bidi_control() {
    let app = spawn_app().await;
    let client = app.user().await;
    for path in ALL_NAMES {
        for name in [
            "\u{200B}",
            "\u{2800}\u{3164}",
            "Ibu\u{202E}profen",
            "\u{2067}x",
        ] {
            let reply = client.post(path, &json!({"name": name})).await;
            assert_eq!(reply.status, 422, "{path} {name:?}: {}", reply.text);
            assert_eq!(reply.error_fields(), ["name"]);
        }
        let visible = client.post(path, &json!({"name": "Ärzte\u{200D}x"})).await;
        assert_eq!(visible.status, 201, "{path}: {}", visible.text);
        let id = visible.body["id"].as_str().unwrap_or_default().to_owned();
        let renamed = client
            .patch(&format!("{path}/{id}"), &json!({"name": "\u{FFA0}"}))
            .await;
        assert_eq!(renamed.status, 422, "{path}: {}", renamed.text);
    }

    let profile = client
        .patch("/api/v1/me", &json!({"display_name": "Jan\u{202D}"}))
        .await;
    assert_eq!(profile.status, 422, "{}", profile.text);
    assert_eq!(profile.error_fields(), ["display_name"]);
    let blank = client
        .patch("/api/v1/me", &json!({"display_name": "\u{200B}\u{200C}"}))
        .await;
    assert_eq!(blank.status, 422, "{}", blank.text);
    let register = app
        .client()
        .post(
            "/auth/register",
            &json!({"email": unique_email(), "password": PASSWORD, "display_name": "\u{115F}"}),
        )
        .await;
    assert_eq!(register.status, 422, "{}", register.text);
    assert_eq!(register.error_fields(), ["display_name"]);
}

#[tokio::test]
async fn the_unicode_and_punycode_spellings_of_an_email_are_one_account() {
    let app = spawn_app().await;
    let local = format!("jan{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let unicode = format!("{local}@Bücher.example");
    let ascii = format!("{local}@xn--bcher-kva.example");
    let created = app
        .client()
        .post(
            "/auth/register",
            &json!({"email": unicode, "password": PASSWORD}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["user"]["email"], json!(ascii));

    let again = app
        .client()
        .post(
            "/auth/register",
            &json!({"email": ascii, "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.code(), "email_taken");
    let login = app
        .client()
        .post(
            "/auth/login",
            &json!({"email": ascii, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test]
async fn invisible_characters_and_the_demo_domain_are_refused_at_registration() {
    let app = spawn_app().await;
    for email in [
        "ja\u{200B}n@example.com",
        "jan@exam\u{AD}ple.com",
        "jan\u{202E}@example.com",
        "someone@demo.invalid",
        "someone@DEMO.invalid",
        "someone@sub.demo.invalid",
    ] {
        let reply = app
            .client()
            .post(
                "/auth/register",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 422, "{email:?}: {}", reply.text);
        assert_eq!(reply.error_fields(), ["email"], "{email:?}");
    }
}
