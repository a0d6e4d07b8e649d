//! A bounded fuzz of the real request path: arbitrary JSON bodies through the register, login and
//! profile field readers, arbitrary bytes as bodies, arbitrary query values. Whatever arrives, the
//! answer is a success or a 4xx problem+json, never a 5xx. The number of cases follows
//! `PROPTEST_CASES` (256 by default; `.ci/run` runs a longer, time-bounded round).

use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use reqwest::Method;
use serde_json::Value;

use super::strategies::{any_input, date_like, json, object_with, timezone_like};
use crate::helpers::{Client, Reply, spawn_app};

const ANSWERS: &[u16] = &[200, 201, 400, 401, 409, 413, 415, 422, 423];

fn check(route: &str, sent: &str, reply: &Reply) -> Result<(), TestCaseError> {
    prop_assert!(
        ANSWERS.contains(&reply.status),
        "{} answered {} to {}: {}",
        route,
        reply.status,
        sent,
        reply.text
    );
    if reply.status >= 400 {
        prop_assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        prop_assert!(!reply.code().is_empty());
        prop_assert!(reply.body["request_id"].is_string());
    }
    if reply.status == 422 {
        let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
        prop_assert!(!errors.is_empty(), "{}", reply.text);
        for error in errors {
            prop_assert!(error["field"].is_string() && error["message"].is_string());
        }
    }
    Ok(())
}

/// Clients of one server: one anonymous, one signed in; `block_on` runs a request to its end.
struct Clients {
    runtime: tokio::runtime::Runtime,
    anonymous: Client,
    signed_in: Client,
}

impl Clients {
    fn block_on<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }
}

/// Sends one request per generated case (`PROPTEST_CASES`) to one server; `send` returns the
/// route, a description of what it sent, and the reply.
fn fuzz<S: Strategy>(strategy: S, send: impl Fn(&Clients, S::Value) -> (String, String, Reply)) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (app, signed_in) = runtime.block_on(async {
        let app = spawn_app().await;
        let signed_in = app.user().await;
        (app, signed_in)
    });
    let clients = Clients {
        anonymous: app.client(),
        signed_in,
        runtime,
    };
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |input| {
        let (route, sent, reply) = send(&clients, input);
        check(&route, &sent, &reply)
    });
    drop(app);
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn arbitrary_json_bodies_get_a_success_or_a_4xx_problem() {
    let register = object_with(&["email", "password", "display_name", "timezone"]);
    let login = object_with(&["email", "password"]);
    let profile = object_with(&["display_name", "timezone"]);
    let body = prop_oneof![
        register.prop_map(|m| ("/auth/register", Value::Object(m))),
        login.prop_map(|m| ("/auth/login", Value::Object(m))),
        profile.prop_map(|m| ("/api/v1/me", Value::Object(m))),
        json().prop_map(|v| ("/auth/register", v)),
        json().prop_map(|v| ("/api/v1/me", v)),
    ];
    fuzz(body, |c, (path, body)| {
        let reply = if path == "/api/v1/me" {
            c.block_on(c.signed_in.request(Method::PATCH, path, Some(&body), &[]))
        } else {
            c.block_on(c.anonymous.request(Method::POST, path, Some(&body), &[]))
        };
        (path.to_owned(), body.to_string(), reply)
    });
}

#[test]
fn arbitrary_bytes_as_a_body_get_a_4xx_problem() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        any_input().prop_map(String::into_bytes),
        json().prop_map(|v| {
            let mut bytes = v.to_string().into_bytes();
            bytes.truncate(bytes.len() / 2);
            bytes
        }),
    ];
    let content_type = prop::sample::select(vec![
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
    ]);
    fuzz((bytes, content_type), |c, (bytes, content_type)| {
        let sent = format!("{content_type}: {:?}", String::from_utf8_lossy(&bytes));
        let patch = c
            .signed_in
            .send_raw(Method::PATCH, "/api/v1/me", content_type, bytes.clone());
        let reply = c.block_on(patch);
        if reply.status >= 500 {
            return ("/api/v1/me".into(), sent, reply);
        }
        let login = c
            .anonymous
            .send_raw(Method::POST, "/auth/login", content_type, bytes);
        let reply = c.block_on(login);
        ("/auth/login".into(), sent, reply)
    });
}

#[test]
fn arbitrary_query_values_get_a_success_or_a_4xx_problem() {
    let query = (date_like(), timezone_like(), any_input());
    fuzz(query, |c, (date, tz, junk)| {
        let query = percent_encoded(&[("date", &date), ("tz", &tz), ("junk", &junk)]);
        let path = format!("/api/v1/feel-vs-yesterday?{query}");
        let reply = c.block_on(c.signed_in.get(&path));
        (path.clone(), path, reply)
    });
}

/// Percent-encodes every byte outside the unreserved set.
fn percent_encoded(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
