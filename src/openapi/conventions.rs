//! The error responses of every operation, written into the document here instead of in each
//! `#[utoipa::path]`. What an operation is made of (a body, a session, a path id, query
//! parameters, a method that changes state) decides most of them, because layers and shared
//! extractors answer those (the session extractor's 401, `IdPath`'s 404, `JsonObject`'s
//! 400/415/422, the origin check's 403, ...); the codes an operation answers beyond its shape come
//! from [`errors::OWN_CODES`]. Each error response shows one example per code it can carry, built
//! from the error the server really sends, and route annotations declare only their successes.

use std::collections::BTreeMap;

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        Components, ContentBuilder, HeaderBuilder, Object, OpenApi, Ref, RefOr, Schema, Type,
        example::ExampleBuilder,
        header::Header,
        path::{Operation, ParameterIn},
        response::{Response, ResponseBuilder},
        schema::AdditionalProperties,
    },
};

use super::errors::{self, Code, EXAMPLE_REQUEST_ID, SHARED};
use crate::error::Problem;

const PROBLEM: &str = "application/problem+json";

/// Adds the error responses to every operation, and states that request bodies take no unknown
/// fields. A declared body stays required (zero bytes are 400 `malformed_json`) unless its route
/// says otherwise.
pub fn apply(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    add_components(components);
    let mut body_schemas = Vec::new();
    for item in document.paths.paths.values_mut() {
        let operations = [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ];
        for (changes_state, operation) in operations {
            if let Some(operation) = operation {
                body_schemas.extend(complete(operation, changes_state));
            }
        }
    }
    for name in body_schemas {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
}

/// What an operation is made of, as far as the errors it can give depend on it.
#[derive(Clone, Copy, Default)]
struct Shape {
    has_body: bool,
    signed_in: bool,
    changes_state: bool,
    in_path: bool,
    in_query: bool,
}

/// The codes every operation of this shape can answer, whatever its handler does.
fn shape_codes(shape: Shape) -> Vec<Code> {
    let mut codes = vec![Code::InternalError, Code::Unavailable, Code::Timeout];
    if shape.has_body {
        codes.extend([Code::MalformedJson, Code::ValidationFailed]);
    }
    if shape.signed_in {
        // Signed-in requests also draw on their account's request budget.
        codes.extend([Code::Unauthenticated, Code::RateLimited]);
    }
    if shape.changes_state {
        // Any POST, PUT, PATCH or DELETE may carry a body, whether or not its route reads one.
        codes.extend([
            Code::OriginNotAllowed,
            Code::PayloadTooLarge,
            Code::UnsupportedMediaType,
        ]);
    }
    if shape.in_path {
        codes.push(Code::NotFound);
    }
    if shape.in_query {
        codes.push(Code::ValidationFailed);
    }
    codes
}

/// Completes one operation; returns the component name of its body schema, if any.
fn complete(operation: &mut Operation, changes_state: bool) -> Option<String> {
    let mut shape = Shape {
        changes_state,
        ..Shape::default()
    };
    for parameter in operation.parameters.iter().flatten() {
        if let RefOr::T(parameter) = parameter {
            shape.in_path |= matches!(parameter.parameter_in, ParameterIn::Path);
            shape.in_query |= matches!(parameter.parameter_in, ParameterIn::Query);
        }
    }
    let body_schema = operation.request_body.as_mut().and_then(|body| match body {
        RefOr::T(body) => body.content.values().find_map(|content| match content {
            RefOr::T(content) => match &content.schema {
                Some(RefOr::Ref(schema)) => schema_name(schema),
                _ => None,
            },
            RefOr::Ref(_) => None,
        }),
        RefOr::Ref(_) => None,
    });
    shape.has_body = operation.request_body.is_some();
    shape.signed_in = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());

    let mut codes = shape_codes(shape);
    codes.extend(errors::own_codes(
        operation.operation_id.as_deref().unwrap_or_default(),
    ));
    let mut by_status: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
    for code in codes {
        by_status.entry(code.status()).or_default().push(code);
    }
    let responses = &mut operation.responses.responses;
    for (status, mut codes) in by_status {
        codes.sort();
        codes.dedup();
        let status = status.to_string();
        if responses.contains_key(&status) {
            continue;
        }
        let response = match SHARED
            .iter()
            .find(|(_, shared)| *shared == codes.as_slice())
        {
            Some((name, _)) => Ref::from_response_name(*name).into(),
            None => RefOr::T(error_response(&codes)),
        };
        responses.insert(status, response);
    }
    body_schema
}

fn schema_name(schema: &Ref) -> Option<String> {
    schema
        .ref_location
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}

/// The response for codes of one status: when each is answered, and each one's example body.
fn error_response(codes: &[Code]) -> Response {
    let meanings: Vec<String> = codes
        .iter()
        .map(|code| format!("`{}`: {}", code.name(), code.meaning()))
        .collect();
    let description = match meanings.as_slice() {
        [one] => one.clone(),
        many => format!("- {}", many.join("\n- ")),
    };
    let examples = codes.iter().map(|code| {
        let body = code.error().problem(Some(EXAMPLE_REQUEST_ID.into()));
        let example = ExampleBuilder::new()
            .summary(code.name())
            .value(serde_json::to_value(body).ok())
            .build();
        (code.name(), example)
    });
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .examples_from_iter(examples)
                .build(),
        )
        .build();
    if let Some(code) = codes.first() {
        add_headers(code.status(), &mut response);
    }
    response
}

fn add_headers(status: u16, response: &mut Response) {
    let headers: &[&str] = match status {
        401 => &["WWW-Authenticate"],
        405 => &["Allow"],
        423 | 429 | 503 => &["Retry-After"],
        _ => return,
    };
    for header in headers {
        response
            .headers
            .entry((*header).into())
            .or_insert_with(|| header_ref(header));
    }
}

fn header_ref(header: &str) -> RefOr<Header> {
    RefOr::Ref(Ref::new(format!("#/components/headers/{header}")))
}

fn add_components(components: &mut Components) {
    let www_authenticate = HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::String)))
        .description(Some(
            "`Session` (sign in with `POST /auth/login`) or `Bearer` on `/metrics`",
        ))
        .example(Some("Session".into()))
        .build();
    let retry_after = HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::Integer)))
        .description(Some(
            "Seconds to wait before trying again (on a 503, only with `unavailable`)",
        ))
        .example(Some(60.into()))
        .build();
    let allow = HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::String)))
        .description(Some("The methods the path has"))
        .example(Some("GET,HEAD".into()))
        .build();
    for (name, header) in [
        ("WWW-Authenticate", www_authenticate),
        ("Retry-After", retry_after),
        ("Allow", allow),
    ] {
        components.headers.insert(name.into(), header.into());
    }

    // Every error body is a `Problem`; no route names it any more, so it is added here.
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }

    for (name, codes) in SHARED {
        components
            .responses
            .insert((*name).into(), RefOr::T(error_response(codes)));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn applied(document: Value) -> Value {
        let mut document: OpenApi = serde_json::from_value(document).expect("a document");
        apply(&mut document);
        serde_json::to_value(document).expect("JSON")
    }

    fn statuses(operation: &Value) -> Vec<&str> {
        let responses = operation["responses"].as_object().expect("responses");
        responses.keys().map(String::as_str).collect()
    }

    fn sample() -> Value {
        let body = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingPatch"}}}, "required": true});
        let ok = json!({"200": {"description": "ok"}});
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things": {"get": {"responses": ok,
                    "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}}]}},
                "/things/{id}": {"patch": {"responses": ok, "requestBody": body, "security": [{"session": []}],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]}},
                "/health": {"get": {"responses": ok}},
            },
            "components": {"schemas": {"ThingPatch": {"type": "object", "properties": {"name": {"type": "string"}}}}},
        })
    }

    #[test]
    fn each_operation_gets_the_responses_its_shape_can_give() {
        let document = applied(sample());

        let cases = [
            ("/health", "get", vec!["200", "500", "503"]),
            ("/things", "get", vec!["200", "422", "500", "503"]),
            (
                "/things/{id}",
                "patch",
                vec![
                    "200", "400", "401", "403", "404", "413", "415", "422", "429", "500", "503",
                ],
            ),
        ];
        for (path, method, expected) in cases {
            assert_eq!(
                statuses(&document["paths"][path][method]),
                expected,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn a_route_keeps_its_own_declaration() {
        let mut sample = sample();
        sample["paths"]["/things/{id}"]["patch"]["responses"]["404"] =
            json!({"description": "no such thing"});

        let document = applied(sample);

        let not_found = &document["paths"]["/things/{id}"]["patch"]["responses"]["404"];
        assert_eq!(not_found["description"], "no such thing");
    }

    #[test]
    fn bodies_refuse_unknown_fields_and_stay_required_when_every_field_is_optional() {
        let document = applied(sample());

        assert_eq!(
            document["components"]["schemas"]["ThingPatch"]["additionalProperties"],
            false
        );
        // An empty PATCH body is 400, so a body whose fields are all optional is still required.
        let body = &document["paths"]["/things/{id}"]["patch"]["requestBody"];
        assert_eq!(body["required"], true);
    }

    #[test]
    fn unauthenticated_answers_name_the_scheme_to_use() {
        let document = applied(sample());

        let unauthenticated = &document["components"]["responses"]["Unauthenticated"];
        assert_eq!(
            unauthenticated["headers"]["WWW-Authenticate"]["$ref"],
            "#/components/headers/WWW-Authenticate"
        );
        let example =
            &unauthenticated["content"]["application/problem+json"]["examples"]["unauthenticated"];
        assert_eq!(example["value"]["code"], "unauthenticated");
        assert_eq!(example["value"]["status"], 401);
    }

    #[test]
    fn an_operations_own_code_joins_the_shared_ones_of_its_status() {
        let mut sample = sample();
        sample["paths"]["/things/{id}"]["patch"]["operationId"] = json!("update_medication_log");

        let document = applied(sample);

        let responses = &document["paths"]["/things/{id}"]["patch"]["responses"];
        let examples = responses["422"]["content"]["application/problem+json"]["examples"]
            .as_object()
            .expect("examples");
        let mut codes: Vec<&str> = examples.keys().map(String::as_str).collect();
        codes.sort_unstable();
        assert_eq!(
            codes,
            [
                "daily_limit_reached",
                "medication_inactive",
                "validation_failed"
            ]
        );
        for (code, example) in examples {
            assert_eq!(example["value"]["code"], code.as_str());
            assert_eq!(example["value"]["status"], 422);
        }
        let description = responses["422"]["description"]
            .as_str()
            .expect("a description");
        assert!(
            description.contains("`daily_limit_reached`: "),
            "{description}"
        );
        // Statuses the operation adds nothing to stay references to the shared responses.
        assert_eq!(responses["404"]["$ref"], "#/components/responses/NotFound");
    }

    #[test]
    fn every_shared_response_shows_each_of_its_codes_with_its_own_status() {
        let document = applied(sample());

        for (name, codes) in SHARED {
            let response = &document["components"]["responses"][*name];
            let examples = &response["content"]["application/problem+json"]["examples"];
            for code in *codes {
                let value = &examples[code.name()]["value"];
                assert_eq!(value["code"], code.name(), "{name}");
                assert_eq!(value["status"], code.status(), "{name}");
                assert_eq!(value["request_id"], EXAMPLE_REQUEST_ID, "{name}");
            }
        }
        assert_eq!(
            document["components"]["responses"]["Unavailable"]["headers"]["Retry-After"]["$ref"],
            "#/components/headers/Retry-After"
        );
        assert!(document["components"]["schemas"]["Problem"].is_object());
    }
}
