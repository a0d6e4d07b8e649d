//! The API document and the documentation pages, served from the binary.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

fn assert_docs_csp(csp: Option<&str>) {
    let csp = csp.expect("a Content-Security-Policy");
    assert!(!csp.contains('*'), "{csp}");
    assert!(!csp.contains("http"), "another host in {csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

/// Every `src=` and `href=` of a page points at this server.
fn assert_local_references(html: &str) {
    for attribute in ["src=\"", "href=\"", "src='", "href='"] {
        for reference in html.split(attribute).skip(1) {
            let target = reference.split(['"', '\'']).next().unwrap_or_default();
            assert!(
                !target.contains("//"),
                "the page loads {target} from elsewhere"
            );
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let client = app.client();
    let redirect = client.get("/docs").await;
    assert!((300..400).contains(&redirect.status), "{}", redirect.status);
    assert_eq!(redirect.header("location"), Some("/docs/"));
    let page = client.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert_docs_csp(page.header("content-security-policy"));
    assert_local_references(&page.text);
    let initializer = client.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, 200);
    assert!(initializer.text.contains("/openapi.json"));
    assert!(!initializer.text.contains("petstore"));
    assert_docs_csp(initializer.header("content-security-policy"));
}

#[tokio::test]
async fn redoc_is_served_from_the_binary() {
    let app = spawn_app().await;
    let client = app.client();
    let page = client.get("/redoc").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert_docs_csp(page.header("content-security-policy"));
    assert_local_references(&page.text);
    assert!(!page.text.contains("<script>"), "no inline script");
    for script in ["/redoc/redoc.standalone.js", "/redoc/init.js"] {
        let reply = client.get(script).await;
        assert_eq!(reply.status, 200, "{script}");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|c| c.contains("javascript")),
            "{script}"
        );
    }
}

#[tokio::test]
async fn the_root_redirects_to_the_docs() {
    let app = spawn_app().await;
    let reply = app.client().get("/").await;
    assert!((300..400).contains(&reply.status), "{}", reply.status);
    assert!(
        reply
            .header("location")
            .is_some_and(|l| l.starts_with("/docs"))
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_foundation_routes() {
    let app = spawn_app().await;
    let reply = app.client().get("/openapi.json").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let version = reply.body["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "{version}");
    for path in [
        "/auth/register",
        "/auth/login",
        "/auth/logout",
        "/auth/session",
        "/auth/demo",
        "/api/v1/me",
        "/health",
        "/health/ready",
    ] {
        assert_ne!(reply.body["paths"][path], Value::Null, "{path} is missing");
    }
    assert_ne!(
        reply.body["components"]["securitySchemes"]["session"],
        Value::Null
    );
    assert_eq!(
        reply.body,
        serde_json::to_value(medtracker::app::openapi_document()).expect("a document"),
        "the served document is the one `medtracker openapi` prints"
    );
}

#[tokio::test]
async fn changing_foundation_routes_document_the_cross_cutting_errors() {
    let document = serde_json::to_value(medtracker::app::openapi_document()).expect("a document");
    let paths = document["paths"].as_object().expect("paths");
    for (path, operations) in paths
        .iter()
        .filter(|(p, _)| p.starts_with("/auth") || *p == "/api/v1/me")
    {
        for method in ["post", "put", "patch", "delete"] {
            let Some(operation) = operations.get(method) else {
                continue;
            };
            for status in ["403", "413", "415"] {
                let mut response = &operation["responses"][status];
                // Shared responses are components the operation refers to.
                if let Some(target) = response["$ref"].as_str() {
                    response = document
                        .pointer(target.trim_start_matches('#'))
                        .expect("a $ref that resolves");
                }
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn production_hides_the_pages_but_not_the_document() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("PUBLIC_URL", "https://diary.example.org"),
    ])
    .await;
    let client = app.client();
    for path in [
        "/docs",
        "/docs/",
        "/redoc",
        "/redoc/redoc.standalone.js",
        "/",
    ] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.code(), "not_found");
    }
    assert_eq!(client.get("/openapi.json").await.status, 200);
}

#[tokio::test]
async fn production_can_enable_the_pages() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("PUBLIC_URL", "https://diary.example.org"),
        ("DOCS_ENABLED", "true"),
    ])
    .await;
    let client = app.client();
    assert_eq!(client.get("/docs/").await.status, 200);
    assert_eq!(client.get("/redoc").await.status, 200);
}
