//! The `medtracker` command itself: start-up errors, `openapi`, `migrate`, and SIGTERM.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Output, Stdio},
    time::Duration,
};

/// The binary, run in an empty directory (so no `.env` is read) with only the given variables.
fn medtracker(args: &[&str], vars: &[(&str, &str)]) -> Command {
    let dir = std::env::temp_dir()
        .join("medtracker-tests")
        .join("cli-cwd");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_medtracker"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(vars.iter().copied());
    command
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .expect("the command finishes")
}

fn sqlite_url() -> (String, PathBuf) {
    let file = std::env::temp_dir()
        .join("medtracker-tests")
        .join(format!("cli-{}.db", uuid::Uuid::new_v4().simple()));
    (format!("sqlite://{}", file.display()), file)
}

fn remove_sqlite(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    for (vars, variable) in [
        (&[("APP_ENV", "production")][..], "PUBLIC_URL"),
        (&[("LOCKOUT_THRESHOLD", "lots")][..], "LOCKOUT_THRESHOLD"),
    ] {
        let output = run(medtracker(&["serve"], vars)).await;
        assert!(!output.status.success(), "{vars:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
    }
}

#[tokio::test]
async fn an_unknown_command_prints_the_usage() {
    let output = run(medtracker(&["frobnicate"], &[])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage"));
}

#[tokio::test]
async fn openapi_prints_the_served_document() {
    let output = run(medtracker(&["openapi"], &[])).await;
    assert!(output.status.success());
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("a JSON document");
    let expected = serde_json::to_value(medtracker::app::openapi_document()).expect("a document");
    assert_eq!(printed, expected);
}

#[tokio::test]
async fn migrate_creates_and_migrates_the_database() {
    let (url, file) = sqlite_url();
    let output = run(medtracker(&["migrate"], &[("DATABASE_URL", &url)])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(file.exists());
    let again = run(medtracker(&["migrate"], &[("DATABASE_URL", &url)])).await;
    assert!(again.status.success(), "migrating twice is harmless");
    remove_sqlite(&file);
}

#[tokio::test]
async fn sigterm_drains_and_exits_zero() {
    let (url, file) = sqlite_url();
    let mut command = medtracker(
        &["serve"],
        &[
            ("DATABASE_URL", &url),
            ("BIND_ADDR", "127.0.0.1:0"),
            ("LOG_FORMAT", "json"),
        ],
    );
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let addr = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let log: serde_json::Value = serde_json::from_str(&line).ok()?;
                log["addr"].as_str().map(str::to_owned)
            })
    })
    .await
    .expect("the log is read")
    .expect("the server logs its address");

    let health = reqwest::get(format!("http://{addr}/health"))
        .await
        .expect("the server answers");
    assert_eq!(health.status(), 200);

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    let status = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        None
    })
    .await
    .expect("waiting finishes");
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    remove_sqlite(&file);
}

#[tokio::test]
async fn the_development_log_writes_a_line_per_request_without_colour_codes_into_a_pipe() {
    let (url, file) = sqlite_url();
    let mut command = medtracker(
        &["serve"],
        &[("DATABASE_URL", &url), ("BIND_ADDR", "127.0.0.1:0")],
    );
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, logged) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut next_line_with = |needle: &str| {
        loop {
            let line = logged
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no log line with {needle:?} after {seen:#?}"));
            seen.push(line.clone());
            if line.contains(needle) {
                return (line, seen.clone());
            }
        }
    };
    let (listening, _) = next_line_with("listening on http://");
    let addr = listening
        .split_whitespace()
        .find_map(|field| field.strip_prefix("addr="))
        .expect("the address is a field of the line")
        .to_owned();
    let request_id = format!("cli-{}", uuid::Uuid::new_v4().simple());

    let reply = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/me"))
        .header("X-Request-Id", &request_id)
        .send()
        .await
        .expect("the server answers");

    assert_eq!(reply.status(), 401);
    let (line, all) = loop {
        let (line, all) = next_line_with(&request_id);
        if line.contains("response sent") {
            break (line, all);
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    remove_sqlite(&file);
    for field in [
        "response sent",
        "method=GET",
        "route=/api/v1/me",
        "status=401",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    assert!(line.contains(" INFO "), "{line}");
    assert!(
        all.iter().all(|l| !l.contains('\u{1b}')),
        "colour codes in a pipe: {all:#?}"
    );
}
