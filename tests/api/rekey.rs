//! Migration 0002's recomputation of stored name keys and emails, done at start-up in Rust: it
//! rewrites what older rules stored, once, and stops start-up naming the rows that would collide.

use std::collections::HashMap;

use medtracker::{app::App, config::Config, db::Db};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, count_rows, spawn_app, spawn_replica};

/// Runs one statement with text binds on the test database, as an older release would have
/// written rows.
async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    match &app.state.db {
        Db::Sqlite(db) => {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(db.writer.pool()).await.expect("statement");
        }
        Db::Postgres(pool) => {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(pool).await.expect("statement");
        }
    }
}

/// What an older release stored: lower-cased keys and Unicode domains, and no record of 0002's
/// recomputation.
async fn as_stored_by_an_older_release(app: &TestApp, ids: &[(&str, &str)], email: (&str, &str)) {
    for (id, old_key) in ids {
        exec(
            app,
            "UPDATE medications SET name_key = $1 WHERE CAST(id AS TEXT) = $2",
            &[old_key, id],
        )
        .await;
    }
    exec(
        app,
        "UPDATE users SET email = $1 WHERE email = $2",
        &[email.1, email.0],
    )
    .await;
    exec(app, "DELETE FROM data_migrations", &[]).await;
}

async fn create(client: &crate::helpers::Client, name: &str) -> String {
    let reply = client
        .post("/api/v1/medications", &json!({"name": name}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn start_up_recomputes_keys_and_emails_stored_under_older_rules() {
    let app = spawn_app().await;
    let local = format!("jan{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let ascii = format!("{local}@xn--bcher-kva.example");
    let client = app.client();
    let reply = client
        .post(
            "/auth/register",
            &json!({"email": ascii, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let wide = create(&client, "Ａspirin").await;
    let ligature = create(&client, "ﬁx").await;
    let unicode = format!("{local}@bücher.example");
    as_stored_by_an_older_release(
        &app,
        &[(&wide, "ａspirin"), (&ligature, "ﬁx")],
        (&ascii, &unicode),
    )
    .await;

    let replica = spawn_replica(&app, &[]).await;

    let key =
        "SELECT COUNT(*) FROM medications WHERE CAST(id AS TEXT) = $1 AND name_key = 'aspirin'";
    assert_eq!(count_rows(&replica, key, &wide).await, 1);
    let key = "SELECT COUNT(*) FROM medications WHERE CAST(id AS TEXT) = $1 AND name_key = 'fix'";
    assert_eq!(count_rows(&replica, key, &ligature).await, 1);
    assert_eq!(
        count_rows(
            &replica,
            "SELECT COUNT(*) FROM users WHERE email = $1",
            &ascii
        )
        .await,
        1
    );
    let recorded = "SELECT COUNT(*) FROM data_migrations WHERE name <> $1";
    assert_eq!(count_rows(&replica, recorded, "").await, 1);
    // Through the replica: a refused write leaves the SQLite write lock with the process that
    // made it until its next write, which would stall the other process here.
    let login = replica.client();
    let reply = login
        .post(
            "/auth/login",
            &json!({"email": unicode, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let duplicate = login
        .post("/api/v1/medications", &json!({"name": "aspirin"}))
        .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.text);
}

#[tokio::test]
async fn rows_that_would_collide_stop_start_up_and_are_named() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let plain = create(&client, "aspirin").await;
    let wide = create(&client, "Aspirin forte").await;
    exec(
        &app,
        "UPDATE medications SET name = 'Ａspirin' WHERE CAST(id AS TEXT) = $1",
        &[&wide],
    )
    .await;
    as_stored_by_an_older_release(&app, &[(&wide, "ａspirin")], (&email, &email)).await;

    let vars: HashMap<String, String> = [
        ("DATABASE_URL", app.database_url.as_str()),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("APP_ENV", "test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_vars(&vars).expect("a valid configuration");
    let message = match App::build(config).await {
        Ok(_) => panic!("start-up must stop on a collision"),
        Err(err) => err.to_string(),
    };
    assert!(
        message.contains(&plain) && message.contains(&wide),
        "{message}"
    );
    assert!(message.contains("medications"), "{message}");

    let unchanged = "SELECT COUNT(*) FROM medications WHERE name_key = $1";
    assert_eq!(
        count_rows(&app, unchanged, "ａspirin").await,
        1,
        "nothing changed"
    );
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM data_migrations WHERE name <> $1",
            ""
        )
        .await,
        0
    );
}
