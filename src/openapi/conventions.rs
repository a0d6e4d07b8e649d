//! The responses that every route gives by construction, written into the document once instead
//! of in each `#[utoipa::path]`. Layers and shared extractors answer them (the session extractor's
//! 401, `IdPath`'s 404, `JsonObject`'s 400/415/422, the origin check's 403, ...), so a route that
//! lands is documented for them the moment it is registered. A route's own declaration wins.

use utoipa::openapi::{
    Components, ContentBuilder, HeaderBuilder, Object, OpenApi, Ref, RefOr, Schema, Type,
    header::Header,
    path::{Operation, ParameterIn},
    response::{Response, ResponseBuilder},
    schema::AdditionalProperties,
};

use crate::error::ApiError;

const PROBLEM: &str = "application/problem+json";
const EXAMPLE_REQUEST_ID: &str = "0193b0a4-7d2c-7a51-8c3e-5f1e2d3c4b5a";

/// Every shared response: component name, the error it documents, description.
fn shared() -> [(&'static str, ApiError, &'static str); 9] {
    [
        (
            "MalformedJson",
            ApiError::MalformedJson("expected value at line 1 column 1".into()),
            "`malformed_json`: the body is not valid JSON",
        ),
        (
            "Unauthenticated",
            ApiError::Unauthenticated,
            "`unauthenticated`: no session, or it expired or was ended",
        ),
        (
            "OriginNotAllowed",
            ApiError::OriginNotAllowed,
            "`origin_not_allowed`: the `Origin` header names another site; nothing changed",
        ),
        (
            "NotFound",
            ApiError::NotFound,
            "`not_found`: no such record in this account (also for a path id that is not a UUID)",
        ),
        (
            "PayloadTooLarge",
            ApiError::PayloadTooLarge,
            "`payload_too_large`: the body is over 64 KiB",
        ),
        (
            "UnsupportedMediaType",
            ApiError::UnsupportedMediaType,
            "`unsupported_media_type`: a body was sent without `Content-Type: application/json`",
        ),
        (
            "ValidationFailed",
            ApiError::field("severity", "must be between 1 and 10"),
            "`validation_failed`: `errors` names every bad field (an unknown body field or query \
             parameter is one)",
        ),
        (
            "InternalError",
            ApiError::internal("example"),
            "`internal_error`: logged with the `request_id` the body carries",
        ),
        (
            "Unavailable",
            ApiError::Unavailable,
            "`unavailable` (no database connection in time) or `timeout` (the request ran too long)",
        ),
    ]
}

/// Adds the shared responses to every operation that can give them, and states that request bodies
/// take no unknown fields. A declared body stays required (zero bytes are 400 `malformed_json`)
/// unless its route says otherwise.
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

/// Completes one operation; returns the component name of its body schema, if any.
fn complete(operation: &mut Operation, changes_state: bool) -> Option<String> {
    let parameters = operation.parameters.iter().flatten();
    let (mut in_path, mut in_query) = (false, false);
    for parameter in parameters {
        if let RefOr::T(parameter) = parameter {
            in_path |= matches!(parameter.parameter_in, ParameterIn::Path);
            in_query |= matches!(parameter.parameter_in, ParameterIn::Query);
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
    let has_body = operation.request_body.is_some();
    let signed_in = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());

    let wanted = [
        ("400", has_body),
        ("401", signed_in),
        ("403", changes_state),
        ("404", in_path),
        ("413", changes_state),
        ("415", has_body),
        ("422", has_body || in_query),
        ("500", true),
        ("503", true),
    ];
    let shared = shared();
    let responses = &mut operation.responses.responses;
    for (status, needed) in wanted {
        if needed
            && !responses.contains_key(status)
            && let Some((name, ..)) = shared
                .iter()
                .find(|(_, e, _)| e.status().as_str() == status)
        {
            responses.insert(status.into(), Ref::from_response_name(*name).into());
        }
    }
    // Routes declare their own 401/423/429 inline; their headers are the same everywhere.
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response {
            add_headers(status, response);
        }
    }
    body_schema
}

fn schema_name(schema: &Ref) -> Option<String> {
    schema
        .ref_location
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}

fn add_headers(status: &str, response: &mut Response) {
    let header = match status {
        "401" => "WWW-Authenticate",
        "423" | "429" => "Retry-After",
        _ => return,
    };
    response
        .headers
        .entry(header.into())
        .or_insert_with(|| header_ref(header));
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
        .description(Some("Seconds to wait before trying again"))
        .example(Some(60.into()))
        .build();
    components
        .headers
        .insert("WWW-Authenticate".into(), www_authenticate.into());
    components
        .headers
        .insert("Retry-After".into(), retry_after.into());

    for (name, error, description) in shared() {
        let example = serde_json::to_value(error.problem(Some(EXAMPLE_REQUEST_ID.into())))
            .unwrap_or_default();
        let mut response = ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build();
        add_headers(error.status().as_str(), &mut response);
        components.responses.insert(name.into(), RefOr::T(response));
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
                    "200", "400", "401", "403", "404", "413", "415", "422", "500", "503",
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

        let header = &document["components"]["responses"]["Unauthenticated"]["headers"];
        assert_eq!(
            header["WWW-Authenticate"]["$ref"],
            "#/components/headers/WWW-Authenticate"
        );
        let example = &document["components"]["responses"]["Unauthenticated"]["content"]["application/problem+json"]
            ["example"];
        assert_eq!(example["code"], "unauthenticated");
        assert_eq!(example["status"], 401);
    }
}
