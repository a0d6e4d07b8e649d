//! The API document: the committed `openapi/openapi.json` is exactly what the server serves (so an
//! API change always shows in review), and every operation is documented the way clients need.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::spawn_app;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");
const REGENERATE: &str = "regenerate it with `cargo run -q -- openapi > openapi/openapi.json`, \
    then the TypeScript types with `scripts/generate-types.sh`, and commit both";

fn committed() -> Value {
    serde_json::from_str(COMMITTED).expect("openapi/openapi.json is JSON")
}

/// JSON pointers where two documents differ, so the failure says what changed.
fn differences(path: &str, left: &Value, right: &Value, found: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            let keys: BTreeSet<&String> = l.keys().chain(r.keys()).collect();
            for key in keys {
                let child = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (l.get(key), r.get(key)) {
                    (Some(a), Some(b)) => differences(&child, a, b, found),
                    (Some(_), None) => found.push(format!("{child}: only in the committed file")),
                    (None, Some(_)) => found.push(format!("{child}: only in the served document")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            for (i, (a, b)) in l.iter().zip(r).enumerate() {
                differences(&format!("{path}/{i}"), a, b, found);
            }
        }
        (l, r) if l != r => found.push(format!("{path}: differs")),
        _ => {}
    }
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;

    let reply = app.client().get("/openapi.json").await;

    assert_eq!(reply.status, 200);
    let mut changed = Vec::new();
    differences("", &committed(), &reply.body, &mut changed);
    changed.truncate(30);
    assert!(
        changed.is_empty(),
        "openapi/openapi.json is not what the server serves; {REGENERATE}.\n{}",
        changed.join("\n")
    );
}

#[test]
fn the_committed_file_is_byte_for_byte_what_the_binary_prints() {
    let printed = medtracker::openapi::document_json(&medtracker::app::openapi_document());

    assert!(
        printed == COMMITTED,
        "openapi/openapi.json is not the output of `medtracker openapi`; {REGENERATE}"
    );
}

fn operations(document: &Value) -> Vec<(String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if ["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                found.push((format!("{} {path}", method.to_uppercase()), operation));
            }
        }
    }
    found
}

#[test]
fn every_operation_is_tagged_summarised_and_uniquely_named() {
    let document = medtracker::app::openapi_document();
    let document = serde_json::to_value(&document).expect("the document serialises");
    let tags: BTreeSet<&str> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut ids = BTreeSet::new();

    for (name, operation) in operations(&document) {
        let op_tags = operation["tags"].as_array().cloned().unwrap_or_default();
        assert!(!op_tags.is_empty(), "{name} has no tag");
        for tag in op_tags {
            let tag = tag.as_str().unwrap_or_default();
            assert!(
                tags.contains(tag),
                "{name}: tag `{tag}` is not declared in src/openapi.rs"
            );
        }
        assert!(
            operation["summary"].is_string(),
            "{name} has no doc comment (summary)"
        );
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(
            ids.insert(id.to_owned()),
            "{name}: operationId `{id}` is used twice"
        );
    }
}

#[test]
fn every_api_operation_needs_the_session_cookie() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");

    for (name, operation) in operations(&document) {
        if name.contains(" /api/v1/") {
            assert_eq!(
                operation["security"],
                serde_json::json!([{"session": []}]),
                "{name}: declare security((\"session\" = []))"
            );
        }
    }
}

/// Resolves a `$ref` to a component response.
fn response<'a>(document: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(target) => document
            .pointer(target.trim_start_matches('#'))
            .expect("a $ref that resolves"),
        None => response,
    }
}

#[test]
fn every_error_is_problem_json_and_every_success_is_json_or_its_own_media_type_or_empty() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");

    for (name, operation) in operations(&document) {
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{name} documents no success"
        );
        for (status, declared) in responses {
            let declared = response(&document, declared);
            let content = declared["content"].as_object().cloned().unwrap_or_default();
            let types: Vec<&str> = content.keys().map(String::as_str).collect();
            if status.starts_with('2') {
                let expected: &[&str] = if status == "204" {
                    &[]
                } else if name == "GET /api/v1/report" {
                    // The printable report is the one page meant for a browser.
                    &["text/html"]
                } else if name == "GET /api/v1/me/export/fhir" {
                    // The FHIR bundle has its own media type, which doctors' systems look for.
                    &["application/fhir+json"]
                } else {
                    &["application/json"]
                };
                assert_eq!(types, expected, "{name} {status}: content types");
            } else {
                assert_eq!(types, ["application/problem+json"], "{name} {status}");
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} {status}: declare `body = Problem`"
                );
            }
        }
    }
}

#[test]
fn every_error_response_shows_an_example_of_each_code_with_its_own_status() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");
    assert!(
        document["components"]["schemas"]["Problem"].is_object(),
        "the Problem schema every error refers to is in the document"
    );

    for (name, operation) in operations(&document) {
        let responses = operation["responses"].as_object().expect("responses");
        for (status, declared) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
            let declared = response(&document, declared);
            let examples = declared["content"]["application/problem+json"]["examples"]
                .as_object()
                .filter(|examples| !examples.is_empty())
                .unwrap_or_else(|| {
                    panic!(
                        "{name} {status} shows no example per code: list the operation's own \
                         codes in src/openapi/errors.rs instead of declaring the response inline"
                    )
                });
            let description = declared["description"].as_str().unwrap_or_default();
            for (code, example) in examples {
                let value = &example["value"];
                assert_eq!(value["code"], code.as_str(), "{name} {status}");
                assert_eq!(
                    value["status"].to_string(),
                    *status,
                    "{name} {status} {code}"
                );
                assert!(
                    description.contains(&format!("`{code}`")),
                    "{name} {status}: the description does not say when `{code}` is answered"
                );
            }
        }
    }
}

/// The codes the examples of `operation`'s `status` response show.
fn example_codes(document: &Value, operation: &Value, status: &str) -> Vec<String> {
    let declared = response(document, &operation["responses"][status]);
    let mut codes: Vec<String> = declared["content"]["application/problem+json"]["examples"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(code, _)| code.clone())
        .collect();
    codes.sort();
    codes
}

fn operation_by_id<'a>(document: &'a Value, id: &str) -> &'a Value {
    operations(document)
        .into_iter()
        .map(|(_, operation)| operation)
        .find(|operation| operation["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation `{id}`"))
}

#[test]
fn every_operation_shows_the_codes_its_table_entry_lists() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");

    for (id, codes) in medtracker::openapi::errors::OWN_CODES {
        let operation = operation_by_id(&document, id);
        for code in *codes {
            let status = code.status().to_string();
            assert!(
                example_codes(&document, operation, &status).contains(&code.name().to_owned()),
                "{id} {status} shows no `{}` example",
                code.name()
            );
        }
    }
}

#[test]
fn operations_document_the_codes_they_answer() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");

    let cases: &[(&str, &str, &[&str])] = &[
        ("register", "409", &["email_taken"]),
        ("login", "401", &["invalid_credentials"]),
        ("login", "423", &["account_locked"]),
        ("login", "429", &["rate_limited"]),
        ("create_medication", "409", &["duplicate_name"]),
        (
            "create_medication",
            "422",
            &["quota_exceeded", "validation_failed"],
        ),
        ("update_medication", "422", &["validation_failed"]),
        ("delete_medication", "409", &["medication_in_use"]),
        ("delete_doctor", "409", &["doctor_in_use"]),
        (
            "create_doctor",
            "422",
            &["quota_exceeded", "validation_failed"],
        ),
        (
            "create_medication_log",
            "422",
            &[
                "daily_limit_reached",
                "medication_inactive",
                "quota_exceeded",
                "validation_failed",
            ],
        ),
        (
            "update_symptom_log",
            "422",
            &[
                "daily_limit_reached",
                "symptom_type_inactive",
                "validation_failed",
            ],
        ),
        ("create_schedule", "409", &["schedule_overlap"]),
        (
            "create_schedule",
            "422",
            &["medication_inactive", "quota_exceeded", "validation_failed"],
        ),
        ("update_schedule", "409", &["schedule_overlap"]),
        ("delete_account", "423", &["account_locked"]),
        ("list_medications", "503", &["timeout", "unavailable"]),
        ("list_medications", "429", &["rate_limited"]),
        ("get_medication", "404", &["not_found"]),
        ("trends", "422", &["validation_failed"]),
        ("export_fhir", "401", &["unauthenticated"]),
        ("live", "500", &["internal_error"]),
    ];
    for (id, status, expected) in cases {
        let operation = operation_by_id(&document, id);
        assert_eq!(
            example_codes(&document, operation, status),
            *expected,
            "{id} {status}"
        );
    }
    // Operations without a body, a session or a path id answer none of those.
    let live = operation_by_id(&document, "live");
    let statuses: Vec<&String> = live["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .collect();
    assert_eq!(statuses, ["200", "500", "503"]);
}

/// The machine codes the server's source builds errors with: every `code: "..."` (a rule or a
/// conflict) anywhere under `src/`, and the codes `ApiError::code` maps its variants to.
fn codes_in_source() -> BTreeSet<String> {
    fn literals_after(text: &str, marker: &str, found: &mut BTreeSet<String>) {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let Some(end) = rest.find('"') else { continue };
            let literal = &rest[..end];
            if !literal.is_empty() && literal.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                found.insert(literal.to_owned());
            }
        }
    }
    fn walk(dir: &std::path::Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                if !path.ends_with("openapi") {
                    walk(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                literals_after(&text, "code: \"", found);
                if path.ends_with("error.rs") {
                    literals_after(&text, "=> \"", found);
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    found
}

#[test]
fn every_code_the_server_answers_is_in_the_catalogue() {
    let found = codes_in_source();
    assert!(
        found.contains("medication_in_use") && found.contains("validation_failed"),
        "the scan finds codes: {found:?}"
    );
    for code in found {
        assert!(
            medtracker::openapi::errors::by_name(&code).is_some(),
            "`{code}` is answered but not in src/openapi/errors.rs: add it to the catalogue and \
             to the operations that answer it"
        );
    }
}

#[test]
fn every_request_body_field_has_an_example() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("JSON");

    for (name, operation) in operations(&document) {
        let Some(schema) = operation
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let schema = document
            .pointer(schema.trim_start_matches('#'))
            .expect("the body schema exists");
        assert_eq!(
            schema["additionalProperties"], false,
            "{name}: unknown fields are refused"
        );
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            assert!(
                has_example(property),
                "{name}: body field `{field}` has no example"
            );
        }
    }
}

/// Swagger UI's "try it out" and the generated client's docs show these; a `$ref` (ids, times)
/// brings its own, and a boolean or an enum needs none.
fn has_example(property: &Value) -> bool {
    let nullable_ref = property["oneOf"]
        .as_array()
        .is_some_and(|alternatives| alternatives.iter().any(|a| a.get("$ref").is_some()));
    property.get("example").is_some()
        || property.get("examples").is_some()
        || property.get("enum").is_some()
        || property.get("$ref").is_some()
        || nullable_ref
        || property["type"] == "boolean"
        || property["type"] == serde_json::json!(["boolean", "null"])
}

/// Whether `value` fits the document's `Cursor` schema (its length and alphabet).
fn fits_cursor_schema(document: &Value, value: &str) -> bool {
    let schema = &document["components"]["schemas"]["Cursor"];
    assert_eq!(
        schema["pattern"], "^[A-Za-z0-9_-]+$",
        "the declared alphabet"
    );
    let length = value.chars().count() as u64;
    let alphabet = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    schema["minLength"]
        .as_u64()
        .is_some_and(|min| length >= min)
        && schema["maxLength"]
            .as_u64()
            .is_some_and(|max| length <= max)
        && value.chars().all(alphabet)
}

#[test]
fn both_log_lists_take_and_give_the_shared_cursor() {
    let document = committed();
    let cursor = serde_json::json!({"$ref": "#/components/schemas/Cursor"});
    for id in ["list_medication_logs", "list_symptom_logs"] {
        let operation = operation_by_id(&document, id);
        let parameter = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "cursor")
            .unwrap_or_else(|| panic!("{id} has a cursor parameter"));
        assert_eq!(parameter["schema"], cursor, "{id}");
    }
    let pages: Vec<&String> = document["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .filter(|name| name.starts_with("Page"))
        .collect();
    assert!(!pages.is_empty());
    for page in pages {
        let next = &document["components"]["schemas"][page]["properties"]["next_cursor"];
        assert!(
            next["oneOf"]
                .as_array()
                .is_some_and(|alternatives| alternatives
                    .iter()
                    .any(|a| a["$ref"] == cursor["$ref"])),
            "{page}.next_cursor: {next}"
        );
    }
}

#[test]
fn date_parameters_are_dates() {
    let document = committed();
    let date = serde_json::json!({"$ref": "#/components/schemas/Date"});
    for (name, operation) in operations(&document) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if ["from", "to", "date"].contains(&parameter["name"].as_str().unwrap_or_default())
                && !name.contains("/logs/")
            {
                assert_eq!(parameter["schema"], date, "{name} {}", parameter["name"]);
            }
        }
    }
}

#[tokio::test]
async fn cursors_fit_their_schema_and_only_ours_are_accepted() {
    let document = committed();
    let app = spawn_app().await;
    let client = app.user().await;
    let medication = client
        .post(
            "/api/v1/medications",
            &serde_json::json!({"name": "Ibuprofen"}),
        )
        .await;
    let medication_id = medication.body["id"].as_str().expect("an id");
    for minutes in 1..=3 {
        let taken_at = format!("2026-11-20T08:{minutes:02}:00Z");
        let log = serde_json::json!({"medication_id": medication_id, "taken_at": taken_at});
        assert_eq!(
            client.post("/api/v1/logs/medications", &log).await.status,
            201
        );
    }

    let first = client.get("/api/v1/logs/medications?limit=1").await;
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    assert!(fits_cursor_schema(&document, cursor), "{cursor}");
    let second = client
        .get(&format!("/api/v1/logs/medications?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(1));

    // The right form, but no page gave it out: refused, naming the parameter.
    for foreign in ["A", "AAAA", &"x".repeat(128)] {
        assert!(fits_cursor_schema(&document, foreign));
        let reply = client
            .get(&format!("/api/v1/logs/medications?cursor={foreign}"))
            .await;
        assert_eq!(reply.status, 422, "{foreign}");
        assert_eq!(reply.error_fields(), ["cursor"], "{foreign}");
    }
    // Outside the declared form: also refused, as the schema says it would be.
    for outside in ["A".repeat(129), "a+b".to_owned(), "abc=".to_owned()] {
        assert!(!fits_cursor_schema(&document, &outside));
        let reply = client
            .get(&format!(
                "/api/v1/logs/symptoms?cursor={}",
                outside.replace('+', "%2B").replace('=', "%3D")
            ))
            .await;
        assert_eq!(reply.status, 422, "{outside}");
    }
}
