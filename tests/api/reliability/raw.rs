//! HTTP/1.1 over a bare TCP stream, for what a well-behaved client library cannot do: stall a
//! body, trickle headers, send bytes that are not UTF-8.

use std::{net::SocketAddr, time::Duration};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A response read off the wire.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub head: String,
    pub body: Value,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    pub fn is_problem(&self) -> bool {
        self.header("content-type") == Some("application/problem+json")
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

pub async fn connect(addr: SocketAddr) -> TcpStream {
    super::within(5, "connect", TcpStream::connect(addr))
        .await
        .expect("the server accepts a connection")
}

/// A request head (with `Connection: close`) for `method path`, plus extra header lines.
pub fn head(method: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Reads one response (head, then `Content-Length` bytes of body), failing after `secs`.
pub async fn read_reply(stream: &mut TcpStream, secs: u64) -> RawReply {
    super::within(secs, "reading a response", async {
        let mut buffer = Vec::new();
        let mut chunk = [0_u8; 8192];
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut chunk).await.expect("a readable stream");
            assert!(n > 0, "the connection closed before a response head");
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            let n = stream.read(&mut chunk).await.expect("a readable stream");
            assert!(n > 0, "the connection closed inside a response body");
            buffer.extend_from_slice(&chunk[..n]);
        }
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let body =
            serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
        RawReply { status, head, body }
    })
    .await
}

/// Sends `bytes` as one request and reads the response.
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> RawReply {
    let mut stream = connect(addr).await;
    super::within(10, "sending a request", stream.write_all(bytes))
        .await
        .expect("the request is sent");
    read_reply(&mut stream, 10).await
}

/// Waits until the server closes the connection (EOF or reset), draining anything it sends.
/// Returns how long that took, or `None` when the connection was still open after `limit`.
pub async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = tokio::time::Instant::now();
    let mut chunk = [0_u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}
