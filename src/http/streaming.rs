//! Large response bodies (the exports): a producer task serializes records into a spool file while
//! the body sends that file as the client takes it. Memory stays at a chunk or two however large
//! the document, and the producer's database snapshot closes as soon as it has read everything.

use std::{fs::File, os::unix::fs::FileExt, sync::Arc};

use axum::body::{Body, Bytes};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::watch;

use crate::db::DbError;

/// A chunk is written to the spool once this many bytes are buffered, and read back at most this
/// many at a time.
const CHUNK_BYTES: usize = 32 * 1024;

#[derive(Debug, Error)]
pub enum StreamError {
    /// The connection closed (the client left, or was cut for taking no bytes): nothing to do.
    #[error("the client is gone")]
    ClientGone,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot serialize a record: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot spool the response: {0}")]
    Spool(#[from] std::io::Error),
}

impl From<sqlx::Error> for StreamError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(err.into())
    }
}

/// How far the producer has got, as the sending side sees it.
#[derive(Clone, Default)]
struct Progress {
    /// The spool file, once the producer has created it.
    spool: Option<Arc<File>>,
    /// Bytes of the document in the spool so far.
    written: u64,
    /// The producer finished the document. A producer that goes away without finishing (it failed
    /// or panicked) ends the body with an error, so the client sees a failed download rather than a
    /// truncated document that looks complete.
    finished: bool,
}

/// The producing end of a spooled body.
pub struct BodyWriter {
    buffer: Vec<u8>,
    progress: watch::Sender<Progress>,
}

/// A body and the writer that fills it.
///
/// The producer writes the document into an unnamed temporary file as fast as the database
/// yields it, and the body sends the file from its start as the client takes it. So the
/// producer's database snapshot is open only as long as reading takes, never as long as a slow
/// client takes (an open snapshot holds SQLite's write-ahead log back), and the response holds a
/// chunk or two in memory however large it is.
pub fn streamed_body() -> (BodyWriter, Body) {
    let (progress, watcher) = watch::channel(Progress::default());
    let chunks = futures_util::stream::unfold(Some((watcher, 0_u64)), |state| async move {
        let (mut watcher, sent) = state?;
        match next_chunk(&mut watcher, sent).await {
            Ok(Some(chunk)) => {
                let sent = sent + chunk.len() as u64;
                Some((Ok(chunk), Some((watcher, sent))))
            }
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    });
    let writer = BodyWriter {
        buffer: Vec::with_capacity(CHUNK_BYTES + 1024),
        progress,
    };
    (writer, Body::from_stream(chunks))
}

/// The spooled bytes from `sent` on (waiting for the producer when it has not written them yet);
/// `None` once the whole document is sent.
async fn next_chunk(
    watcher: &mut watch::Receiver<Progress>,
    sent: u64,
) -> Result<Option<Bytes>, std::io::Error> {
    loop {
        let progress = watcher.borrow_and_update().clone();
        if let Some(spool) = progress.spool.filter(|_| progress.written > sent) {
            let len = usize::try_from(progress.written - sent)
                .map_or(CHUNK_BYTES, |n| n.min(CHUNK_BYTES));
            // Allocated here rather than on the blocking thread, whose allocator arena would
            // otherwise keep the memory of every chunk it ever read.
            let mut chunk = vec![0; len];
            let chunk = tokio::task::spawn_blocking(move || {
                spool.read_exact_at(&mut chunk, sent).map(|()| chunk)
            })
            .await
            .map_err(std::io::Error::other)??;
            return Ok(Some(Bytes::from(chunk)));
        }
        if progress.finished {
            return Ok(None);
        }
        if watcher.changed().await.is_err() {
            return Err(std::io::Error::other("the response was cut short"));
        }
    }
}

impl BodyWriter {
    /// Appends JSON punctuation or a key the caller spells out.
    pub fn raw(&mut self, text: &str) {
        self.buffer.extend_from_slice(text.as_bytes());
    }

    /// Appends one value as JSON, and spools a chunk when enough is buffered.
    pub async fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), StreamError> {
        serde_json::to_writer(&mut self.buffer, value)?;
        if self.buffer.len() >= CHUNK_BYTES {
            self.spool_buffer().await?;
        }
        Ok(())
    }

    /// Spools what is buffered and marks the body complete.
    pub async fn finish(mut self) -> Result<(), StreamError> {
        self.spool_buffer().await?;
        self.progress
            .send_modify(|progress| progress.finished = true);
        Ok(())
    }

    async fn spool_buffer(&mut self) -> Result<(), StreamError> {
        // Nobody will read the rest: stop reading the database for it.
        if self.progress.is_closed() {
            return Err(StreamError::ClientGone);
        }
        if self.buffer.is_empty() {
            return Ok(());
        }
        let (spool, offset) = {
            let progress = self.progress.borrow();
            (progress.spool.clone(), progress.written)
        };
        let spool = match spool {
            Some(spool) => spool,
            None => Arc::new(
                tokio::task::spawn_blocking(tempfile::tempfile)
                    .await
                    .map_err(std::io::Error::other)??,
            ),
        };
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES + 1024));
        let len = chunk.len() as u64;
        let file = spool.clone();
        tokio::task::spawn_blocking(move || file.write_all_at(&chunk, offset))
            .await
            .map_err(std::io::Error::other)??;
        self.progress.send_modify(|progress| {
            progress.spool = Some(spool);
            progress.written = offset + len;
        });
        Ok(())
    }
}

/// Runs `produce` in a task of its own and logs how it ended; the body it writes ends with an error
/// when it fails.
pub fn spawn_producer<F>(what: &'static str, produce: F)
where
    F: Future<Output = Result<(), StreamError>> + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::spawn(tracing::Instrument::instrument(
        async move {
            match produce.await {
                Ok(()) => {}
                Err(StreamError::ClientGone) => {
                    tracing::info!(what, "the client left before the whole response was sent");
                }
                Err(err) => tracing::error!(what, error = %err, "a streamed response failed"),
            }
        },
        span,
    ));
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn a_finished_body_holds_every_value_in_order() {
        let (mut writer, body) = streamed_body();
        let producer = tokio::spawn(async move {
            writer.raw("[");
            for n in 0..20_000 {
                if n > 0 {
                    writer.raw(",");
                }
                writer.value(&n).await?;
            }
            writer.raw("]");
            writer.finish().await
        });
        let bytes = body.collect().await.expect("a complete body").to_bytes();
        producer.await.expect("the producer").expect("finished");
        let numbers: Vec<u32> = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(numbers, (0..20_000).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_producer_that_stops_without_finishing_fails_the_body() {
        let (mut writer, body) = streamed_body();
        writer.raw("[1,2");
        writer.value(&3).await.expect("buffered");
        drop(writer);
        assert!(
            body.collect().await.is_err(),
            "a cut-short body is an error"
        );
    }

    #[tokio::test]
    async fn a_producer_learns_that_the_client_left() {
        let (mut writer, body) = streamed_body();
        drop(body);
        let long = "x".repeat(CHUNK_BYTES);
        assert!(matches!(
            writer.value(&long).await,
            Err(StreamError::ClientGone)
        ));
    }

    #[tokio::test]
    async fn the_producer_finishes_before_a_client_that_has_not_read_anything() {
        let (mut writer, body) = streamed_body();
        let producer = tokio::spawn(async move {
            for n in 0..200_000 {
                writer.value(&n).await?;
                writer.raw(" ");
            }
            writer.finish().await
        });
        // Several MiB, far more than any socket or channel would take without a reader.
        tokio::time::timeout(std::time::Duration::from_secs(30), producer)
            .await
            .expect("the producer does not wait for the client")
            .expect("the producer")
            .expect("finished");
        let bytes = body.collect().await.expect("a complete body").to_bytes();
        let text = std::str::from_utf8(&bytes).expect("text");
        assert_eq!(text.split_whitespace().count(), 200_000);
        assert!(text.starts_with("0 1 2 ") && text.ends_with("199999 "));
    }
}
