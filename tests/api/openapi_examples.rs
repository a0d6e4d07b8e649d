//! Every request example in the API document works when sent as is: the body Swagger UI's "Try it
//! out" pre-fills (the media type's example, else the schema's, else one built from each field's
//! example, as Swagger UI builds it) and every query parameter that has an example, with the ids
//! of a fresh account put in place of the example ids. Any answer but 2xx fails.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{Client, TestApp, spawn_app, unique_email};

fn document() -> Value {
    serde_json::to_value(medtracker::app::openapi_document()).expect("the document serialises")
}

/// Follows a local `$ref`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(target) => document
            .pointer(target.trim_start_matches('#'))
            .expect("a $ref that resolves"),
        None => schema,
    }
}

/// The example value Swagger UI shows for `schema`: its own example, or for an object one built
/// from every property's example (the first alternative of a `oneOf`).
fn sample(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["examples"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema["oneOf"].as_array().and_then(|e| e.first()) {
        return sample(document, first);
    }
    if let Some(properties) = schema["properties"].as_object() {
        let fields: Map<String, Value> = properties
            .iter()
            .map(|(name, property)| (name.clone(), sample(document, property)))
            .collect();
        return Value::Object(fields);
    }
    if schema["enum"].is_array() {
        return schema["enum"][0].clone();
    }
    let types = match &schema["type"] {
        Value::Array(types) => types.clone(),
        one => vec![one.clone()],
    };
    if types.contains(&json!("boolean")) {
        json!(true)
    } else {
        panic!("a schema without an example: {schema}")
    }
}

/// The body an operation's "Try it out" starts from, if it takes one.
fn request_example(document: &Value, operation: &Value) -> Option<Value> {
    let content = operation.pointer("/requestBody/content/application~1json")?;
    if let Some(example) = content.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = content["examples"]
        .as_object()
        .and_then(|e| e.values().next())
    {
        return Some(first["value"].clone());
    }
    Some(sample(document, &content["schema"]))
}

/// The records of a fresh account whose ids replace the example ids: each target is free to be
/// changed or deleted by the one operation sent to it.
struct Fixture {
    client: Client,
    /// Ids by the name of the field or parameter that takes them.
    ids: HashMap<&'static str, String>,
    /// Path `{id}`s by the collection they belong to.
    targets: Vec<(&'static str, String)>,
}

async fn created(client: &Client, path: &str, body: Value) -> String {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "fixture {path}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_owned()
}

/// A fresh account holding one record of each kind, signed in with `password`.
async fn fixture(app: &TestApp, password: &str) -> Fixture {
    let client = app.client();
    let credentials = json!({"email": unique_email(), "password": password});
    let reply = client.post("/auth/register", &credentials).await;
    assert_eq!(reply.status, 201, "register: {}", reply.text);

    let doctor = created(
        &client,
        "/api/v1/doctors",
        json!({"name": "Fixture doctor"}),
    )
    .await;
    let linked_doctor = created(&client, "/api/v1/doctors", json!({"name": "Linked doctor"})).await;
    let condition = created(
        &client,
        "/api/v1/conditions",
        json!({"name": "Fixture condition"}),
    )
    .await;
    let link = format!("/api/v1/doctors/{linked_doctor}/conditions/{condition}");
    assert_eq!(client.put(&link).await.status, 204);
    // One medication without logs (so it can be deleted), one with the log.
    let medication = created(
        &client,
        "/api/v1/medications",
        json!({"name": "Fixture medication"}),
    )
    .await;
    let logged_medication = created(
        &client,
        "/api/v1/medications",
        json!({"name": "Logged medication"}),
    )
    .await;
    let medication_log = created(
        &client,
        "/api/v1/logs/medications",
        json!({"medication_id": logged_medication}),
    )
    .await;
    let symptom_type = created(
        &client,
        "/api/v1/symptom-types",
        json!({"name": "Fixture symptom"}),
    )
    .await;
    let symptom_log = created(
        &client,
        "/api/v1/logs/symptoms",
        json!({"symptom_type_id": symptom_type}),
    )
    .await;
    // On the logged medication, so that the example schedule of the other one overlaps nothing.
    let schedule = created(
        &client,
        &format!("/api/v1/medications/{logged_medication}/schedules"),
        json!({"times": ["09:00"]}),
    )
    .await;

    let ids = HashMap::from([
        ("medication_id", medication.clone()),
        ("symptom_type_id", symptom_type.clone()),
        ("prescribing_doctor_id", doctor.clone()),
        ("condition_id", condition.clone()),
        ("doctor_id", linked_doctor),
    ]);
    let targets = vec![
        ("/api/v1/medications/", medication),
        ("/api/v1/logs/medications/", medication_log),
        ("/api/v1/logs/symptoms/", symptom_log),
        ("/api/v1/symptom-types/", symptom_type),
        ("/api/v1/conditions/", condition),
        ("/api/v1/doctors/", doctor),
        ("/api/v1/schedules/", schedule),
    ];
    Fixture {
        client,
        ids,
        targets,
    }
}

impl Fixture {
    /// The real id for a field or parameter `name` of `path`, when it takes one.
    fn id(&self, path: &str, name: &str) -> Option<String> {
        if name == "id" {
            let (_, id) = self
                .targets
                .iter()
                .find(|(collection, _)| path.starts_with(collection))
                .unwrap_or_else(|| panic!("{path}: no fixture record for its {{id}}"));
            return Some(id.clone());
        }
        self.ids.get(name).cloned()
    }

    /// `example` with every id field replaced by the fixture's.
    fn substitute(&self, path: &str, example: Value) -> Value {
        match example {
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(name, value)| {
                        let value = match self.id(path, &name) {
                            Some(id) if value.is_string() => Value::String(id),
                            _ => value,
                        };
                        (name, value)
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The path with its parameters filled in and the query string of every parameter that has an
/// example.
fn target(document: &Value, fixture: &Fixture, path: &str, operation: &Value) -> String {
    let mut filled = path.to_owned();
    let mut query = Vec::new();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let name = parameter["name"].as_str().expect("a parameter name");
        let example = parameter.get("example").cloned().or_else(|| {
            let schema = resolve(document, &parameter["schema"]);
            schema["examples"]
                .as_array()
                .and_then(|e| e.first())
                .cloned()
        });
        let value = match (fixture.id(path, name), example) {
            (Some(id), _) => id,
            (None, Some(Value::String(text))) => text,
            (None, Some(other)) => other.to_string(),
            (None, None) => continue,
        };
        match parameter["in"].as_str() {
            Some("path") => filled = filled.replace(&format!("{{{name}}}"), &value),
            Some("query") => query.push(format!("{name}={}", encode(&value))),
            other => panic!("{path}: a parameter in {other:?}"),
        }
    }
    if query.is_empty() {
        filled
    } else {
        format!("{filled}?{}", query.join("&"))
    }
}

/// Percent-encodes what a query value cannot hold as is (`+` in time offsets, mostly).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_request_example_is_accepted_as_sent() {
    let document = document();
    let app = spawn_app().await;
    let register = &document["paths"]["/auth/register"]["post"];
    let registration = request_example(&document, register).expect("a register example");
    let password = registration["password"].as_str().expect("a password");

    // The register example first, so that the login example names an account that exists.
    let visitor = app.client();
    let reply = visitor.post("/auth/register", &registration).await;
    assert_eq!(reply.status, 201, "POST /auth/register: {}", reply.text);
    let mut failures = Vec::new();
    let mut sent = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("an item") {
            let is_operation = ["get", "put", "post", "patch", "delete"].contains(&method.as_str());
            if !is_operation || path == "/auth/register" {
                continue;
            }
            let fixture = fixture(&app, password).await;
            let url = target(&document, &fixture, path, operation);
            let body = request_example(&document, operation)
                .map(|example| fixture.substitute(path, example));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let reply = fixture
                .client
                .request(method.clone(), &url, body.as_ref(), &[])
                .await;
            sent += 1;
            if !(200..300).contains(&reply.status) {
                failures.push(format!(
                    "{method} {url} with {} answered {}: {}",
                    body.map(|b| b.to_string()).unwrap_or_default(),
                    reply.status,
                    reply.text
                ));
            }
        }
    }

    let operations = document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, item)| item.as_object().map_or(0, |methods| methods.len()))
        .sum::<usize>();
    assert_eq!(
        sent + 1,
        operations,
        "every operation but register was sent"
    );
    assert!(
        failures.is_empty(),
        "request examples that the server refuses:\n{}",
        failures.join("\n")
    );
}
