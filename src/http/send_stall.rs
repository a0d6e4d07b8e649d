//! A connection whose client takes no bytes of a response for a while is cut.
//!
//! The request timeout ends a handler that runs too long, but a streamed response is sent after the
//! handler returned: a client that requests an export and never reads would otherwise hold the
//! connection, its buffers and the export's database snapshot for as long as it stays open. Only a
//! lack of progress counts (each write the socket accepts restarts the clock), so a slow client that
//! keeps reading can still take a large export.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::Sleep,
};

/// Wraps a connection's socket: a write that cannot proceed for `limit` fails with `TimedOut`,
/// which ends the connection (and drops the response, and with it whatever produced its body).
pub struct SendStallGuard<IO> {
    inner: IO,
    limit: Duration,
    /// Armed when a write first finds the socket full; cleared by any write that proceeds.
    stalled_since: Option<Pin<Box<Sleep>>>,
}

impl<IO> SendStallGuard<IO> {
    pub fn new(inner: IO, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled_since: None,
        }
    }

    fn progress<T>(
        &mut self,
        outcome: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        if outcome.is_ready() {
            self.stalled_since = None;
            return outcome;
        }
        let limit = self.limit;
        let deadline = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        // Polling the timer registers this task to be woken when it fires, so a connection whose
        // socket never drains is still revisited.
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::info!(
                    limit_secs = limit.as_secs_f64(),
                    "cut a response its client stopped taking"
                );
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took no bytes of the response in time",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for SendStallGuard<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for SendStallGuard<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let outcome = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.progress(outcome, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let outcome = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.progress(outcome, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let outcome = Pin::new(&mut self.inner).poll_flush(cx);
        self.progress(outcome, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let outcome = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progress(outcome, cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_never_takes_fails_after_the_limit() {
        let (near, _far) = tokio::io::duplex(16);
        let mut guarded = SendStallGuard::new(near, Duration::from_secs(30));
        let started = tokio::time::Instant::now();
        let outcome = guarded.write_all(&[0; 64]).await;
        let err = outcome.expect_err("the peer never reads");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_taking_bytes_is_never_cut() {
        let (near, mut far) = tokio::io::duplex(16);
        let reader = tokio::spawn(async move {
            let mut taken = Vec::new();
            let mut chunk = [0; 16];
            // 16 bytes every 20 s: far slower in total than the limit, but never stalled for it.
            while let Ok(n) = far.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                taken.extend_from_slice(&chunk[..n]);
                tokio::time::sleep(Duration::from_secs(20)).await;
            }
            taken.len()
        });
        let mut guarded = SendStallGuard::new(near, Duration::from_secs(30));
        guarded
            .write_all(&[7; 256])
            .await
            .expect("every byte is taken");
        guarded.shutdown().await.expect("closed");
        drop(guarded);
        assert_eq!(reader.await.expect("the reader"), 256);
    }
}
