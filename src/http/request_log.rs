//! The request log: one line per request, written inside the request's span when its response
//! has been handed to the connection in full, with the id, method, route template, path (never
//! the query string, which may hold search terms), status, latency and (when signed in) the
//! account. Probes and scrapes log at `debug` so that they do
//! not flood the log, a 5xx at `error`. A request whose client went away first, before the answer
//! or in the middle of its body, is logged with status 499 (nginx's "client closed request").

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{Method, StatusCode, Uri},
    response::Response,
};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tracing::{Level, Span, field::display};

use super::request_id::RequestContext;

/// The status logged for a request whose client left before its answer was sent in full.
pub const CLIENT_CLOSED_REQUEST: u16 = 499;

/// Routes polled by machines: their lines are `debug`, unless they fail.
const QUIET_ROUTES: [&str; 3] = ["/health", "/health/ready", "/metrics"];

/// How a request ended, as far as its client is concerned.
enum Outcome {
    Sent(StatusCode),
    /// The client went away before the response was ready.
    Abandoned,
    /// The client stopped taking the response's body (it closed the connection, or was cut off).
    Cut,
    /// The response's body failed after its status was sent.
    BodyFailed(StatusCode, String),
}

/// The log line of a request in flight; written once, when the request ends one way or another.
pub struct PendingLine {
    span: Span,
    context: Arc<RequestContext>,
    method: Method,
    /// The request's URI, kept for its path: cloning it shares its bytes rather than copying.
    uri: Uri,
    started: Instant,
    written: bool,
}

impl PendingLine {
    pub fn new(span: Span, context: Arc<RequestContext>, request: &Request) -> Self {
        Self {
            span,
            context,
            method: request.method().clone(),
            uri: request.uri().clone(),
            started: Instant::now(),
            written: false,
        }
    }

    /// Arranges for the line to be written when `response` has been sent: at once for a response
    /// without a body, else when its body ends (or is dropped unfinished).
    pub fn written_when_sent(mut self, response: Response) -> Response {
        let status = response.status();
        if response.body().is_end_stream() {
            self.write(Outcome::Sent(status));
            return response;
        }
        response.map(|inner| {
            Body::new(LoggedBody {
                inner,
                status,
                line: Some(self),
            })
        })
    }

    fn write(&mut self, outcome: Outcome) {
        self.written = true;
        let template = self.context.route().unwrap_or("unmatched");
        let quiet = QUIET_ROUTES.contains(&template);
        let route = display(template);
        let latency_ms = self.started.elapsed().as_micros() as f64 / 1000.0;
        let user_id = self.context.user().map(display);
        let request_id = display(&self.context.id);
        let method = display(&self.method);
        let path = display(self.uri.path());
        let _entered = self.span.enter();
        // `tracing` fixes an event's level where it is written, hence one macro call per level.
        macro_rules! line {
            ($level:expr, $status:expr, $message:literal $(, $extra:ident = $value:expr)?) => {
                tracing::event!(
                    $level,
                    request_id,
                    method,
                    route,
                    path,
                    status = $status,
                    latency_ms,
                    user_id,
                    $($extra = $value,)?
                    $message
                )
            };
        }
        match outcome {
            Outcome::Sent(status) if status.is_server_error() => {
                line!(Level::ERROR, status.as_u16(), "response sent");
            }
            Outcome::BodyFailed(status, error) => {
                line!(
                    Level::ERROR,
                    status.as_u16(),
                    "response body failed",
                    error = display(&error)
                );
            }
            Outcome::Sent(status) if quiet => line!(Level::DEBUG, status.as_u16(), "response sent"),
            Outcome::Sent(status) => line!(Level::INFO, status.as_u16(), "response sent"),
            Outcome::Abandoned if quiet => {
                line!(
                    Level::DEBUG,
                    CLIENT_CLOSED_REQUEST,
                    "client went away before the response"
                );
            }
            Outcome::Abandoned => {
                line!(
                    Level::INFO,
                    CLIENT_CLOSED_REQUEST,
                    "client went away before the response"
                );
            }
            Outcome::Cut if quiet => {
                line!(
                    Level::DEBUG,
                    CLIENT_CLOSED_REQUEST,
                    "client stopped reading the response"
                );
            }
            Outcome::Cut => {
                line!(
                    Level::INFO,
                    CLIENT_CLOSED_REQUEST,
                    "client stopped reading the response"
                );
            }
        }
    }
}

impl Drop for PendingLine {
    fn drop(&mut self) {
        // Only a request whose future was dropped before it answered gets here unwritten.
        if !self.written {
            self.write(Outcome::Abandoned);
        }
    }
}

/// A response body that writes its request's line when the connection has taken all of it, or
/// when it is dropped before that.
struct LoggedBody {
    inner: Body,
    status: StatusCode,
    line: Option<PendingLine>,
}

impl LoggedBody {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(mut line) = self.line.take() {
            line.write(outcome);
        }
    }
}

impl HttpBody for LoggedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => {
                let status = self.status;
                self.finish(Outcome::Sent(status));
            }
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => {
                let status = self.status;
                self.finish(Outcome::Sent(status));
            }
            Poll::Ready(Some(Err(error))) => {
                let outcome = Outcome::BodyFailed(self.status, error.to_string());
                self.finish(outcome);
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        // The connection drops a body it has taken in full without polling past its end.
        let outcome = if self.inner.is_end_stream() {
            Outcome::Sent(self.status)
        } else {
            Outcome::Cut
        };
        self.finish(outcome);
    }
}
