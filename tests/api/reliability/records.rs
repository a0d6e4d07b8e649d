//! The write the durability and concurrency tests make and look for, in one place so that it can
//! be swapped. Until the diary's log routes exist, a record is an account: `POST /auth/register`
//! writes a `users` row and a `sessions` row and answers 201 only after both are committed.
//!
//! To switch to logs: `create_record` posts a log with the client's session and keeps its id,
//! `record_exists` GETs it by id with the same client, `count_records` counts the log table.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Client, PASSWORD, TestApp, count_rows, unique_email};

/// What identifies a record once it is acknowledged.
#[derive(Clone, Debug)]
pub struct Record {
    key: String,
}

/// Creates one record; `Ok` only when the server acknowledged it with a 2xx. A transport error
/// (the server was killed mid-request) or any other status is `Err` with a description.
pub async fn create_record(client: &Client) -> Result<Record, String> {
    let email = unique_email();
    let reply = client
        .try_request(
            Method::POST,
            "/auth/register",
            Some(&json!({"email": email, "password": PASSWORD})),
            &[],
        )
        .await
        .map_err(|err| format!("no answer: {err}"))?;
    if (200..300).contains(&reply.status) {
        Ok(Record { key: email })
    } else {
        Err(format!("{}: {}", reply.status, reply.text))
    }
}

/// Whether the server finds `record` (asked through `client`).
pub async fn record_exists(client: &Client, record: &Record) -> Result<bool, String> {
    let reply = client
        .try_request(
            Method::POST,
            "/auth/login",
            Some(&json!({"email": record.key, "password": PASSWORD})),
            &[],
        )
        .await
        .map_err(|err| format!("no answer: {err}"))?;
    match reply.status {
        200 => Ok(true),
        401 => Ok(false),
        other => Err(format!("{other}: {}", reply.text)),
    }
}

/// How many records the app's database holds (each test starts from an empty database).
pub async fn count_records(app: &TestApp) -> i64 {
    count_rows(app, "SELECT COUNT(*) FROM users WHERE email <> $1", "").await
}
