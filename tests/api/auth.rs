use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, unique_email};

#[tokio::test]
async fn register_then_me_then_logout() {
    let app = spawn_app().await;
    let client = app.client();
    let email = unique_email();
    let reply = client
        .post(
            "/auth/register",
            &json!({"email": email.to_uppercase(), "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["user"]["email"], json!(email));
    assert_eq!(reply.body["user"]["timezone"], json!("UTC"));
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["email"], json!(email));
    assert_eq!(client.post_empty("/auth/logout").await.status, 204);
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.code(), "unauthenticated");
    assert_eq!(me.header("www-authenticate"), Some("Session"));
}
