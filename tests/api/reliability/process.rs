//! The real `medtracker` binary as a child process, for what only a process can show: SIGKILL,
//! SIGTERM, restart on the same database, the exit code.

use std::{
    io::{BufRead, BufReader, Read},
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::oneshot;

use super::within;
use crate::helpers::Client;

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub base: String,
    logs: Arc<Mutex<Vec<String>>>,
}

/// Keeps every line the child writes (for the failure message) and reports the listen address
/// from the start-up log line.
fn drain(
    stream: impl Read + Send + 'static,
    logs: Arc<Mutex<Vec<String>>>,
    addr_tx: Option<oneshot::Sender<SocketAddr>>,
) {
    std::thread::spawn(move || {
        let mut addr_tx = addr_tx;
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(addr) = listen_addr(&line)
                && let Some(tx) = addr_tx.take()
            {
                let _ = tx.send(addr);
            }
            if let Ok(mut logs) = logs.lock() {
                logs.push(line);
            }
        }
    });
}

fn listen_addr(line: &str) -> Option<SocketAddr> {
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    event["message"]
        .as_str()?
        .starts_with("medtracker listening")
        .then(|| event["addr"].as_str()?.parse().ok())?
}

impl Server {
    /// Starts the binary on `database_url` (port 0, JSON logs, no rate limits) and waits until
    /// `/health/ready` answers 200.
    pub async fn start(database_url: &str, vars: &[(&str, &str)]) -> Self {
        // An empty working directory, so that no developer's `.env` is read.
        let dir = std::env::temp_dir()
            .join("medtracker-tests")
            .join("reliability-cwd");
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let mut command = Command::new(env!("CARGO_BIN_EXE_medtracker"));
        command
            .arg("serve")
            .current_dir(&dir)
            .env_clear()
            .envs([
                ("DATABASE_URL", database_url),
                ("BIND_ADDR", "127.0.0.1:0"),
                ("APP_ENV", "test"),
                ("LOG_FORMAT", "json"),
                ("RUST_LOG", "info,sqlx=warn"),
                ("RATE_LIMIT_ENABLED", "false"),
            ])
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the binary starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = oneshot::channel();
        if let Some(stdout) = child.stdout.take() {
            drain(stdout, logs.clone(), Some(addr_tx));
        }
        if let Some(stderr) = child.stderr.take() {
            drain(stderr, logs.clone(), None);
        }
        let addr = match tokio::time::timeout(Duration::from_secs(30), addr_rx).await {
            Ok(Ok(addr)) => addr,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not start: {:?}",
                    logs.lock().map(|l| l.clone())
                );
            }
        };
        let server = Self {
            child,
            addr,
            base: format!("http://{addr}"),
            logs,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let url = format!("{}/health/ready", self.base);
        within(30, "readiness after start", async {
            loop {
                if let Ok(reply) = http.get(&url).send().await
                    && reply.status() == 200
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown code runs, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL is delivered");
        let _ = self.child.wait();
    }

    /// SIGTERM, as an orchestrator stopping the service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "SIGTERM is delivered");
    }

    /// Waits for the process to exit by itself.
    pub async fn wait_exit(&mut self, secs: u64) -> ExitStatus {
        within(secs, "the process exits", async {
            loop {
                if let Some(status) = self.child.try_wait().expect("the child's status") {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Removes a test's SQLite file and its WAL companions when dropped.
pub struct SqliteFiles(pub Option<PathBuf>);

impl Drop for SqliteFiles {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}
