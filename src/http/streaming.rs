//! Response bodies written while they are sent: a producer task serializes records into chunks and
//! hands them over a small bounded channel, so a response holds a few chunks in memory however
//! large it is, and a client that reads slowly slows the producer down instead of piling up bytes.

use axum::body::{Body, Bytes};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::mpsc;

use crate::db::DbError;

/// A chunk is sent once this many bytes are buffered.
const CHUNK_BYTES: usize = 32 * 1024;
/// Chunks waiting for the connection; with hyper's own write buffer this bounds what one response
/// holds to a few hundred KiB.
const CHANNEL_CHUNKS: usize = 4;

#[derive(Debug, Error)]
pub enum StreamError {
    /// The connection closed (the client left, or was cut for taking no bytes): nothing to do.
    #[error("the client is gone")]
    ClientGone,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot serialize a record: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<sqlx::Error> for StreamError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(err.into())
    }
}

enum Piece {
    Bytes(Bytes),
    /// The producer finished the document. A channel that closes without it (the producer failed
    /// or panicked) ends the body with an error, so the client sees a failed download rather than a
    /// truncated document that looks complete.
    End,
}

/// The producing end of a streamed body.
pub struct BodyWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Piece>,
}

/// A body and the writer that fills it.
pub fn streamed_body() -> (BodyWriter, Body) {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    let chunks = futures_util::stream::unfold(Some(receiver), |receiver| async move {
        let mut receiver = receiver?;
        match receiver.recv().await {
            Some(Piece::Bytes(bytes)) => Some((Ok(bytes), Some(receiver))),
            Some(Piece::End) => None,
            None => Some((
                Err(std::io::Error::other("the response was cut short")),
                None,
            )),
        }
    });
    let writer = BodyWriter {
        buffer: Vec::with_capacity(CHUNK_BYTES + 1024),
        sender,
    };
    (writer, Body::from_stream(chunks))
}

impl BodyWriter {
    /// Appends JSON punctuation or a key the caller spells out.
    pub fn raw(&mut self, text: &str) {
        self.buffer.extend_from_slice(text.as_bytes());
    }

    /// Appends one value as JSON, and sends a chunk when enough is buffered (waiting while the
    /// client has not taken the previous ones).
    pub async fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), StreamError> {
        serde_json::to_writer(&mut self.buffer, value)?;
        if self.buffer.len() >= CHUNK_BYTES {
            self.send_buffer().await?;
        }
        Ok(())
    }

    /// Sends what is buffered and marks the body complete.
    pub async fn finish(mut self) -> Result<(), StreamError> {
        self.send_buffer().await?;
        self.sender
            .send(Piece::End)
            .await
            .map_err(|_| StreamError::ClientGone)
    }

    async fn send_buffer(&mut self) -> Result<(), StreamError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES + 1024),
        ));
        self.sender
            .send(Piece::Bytes(chunk))
            .await
            .map_err(|_| StreamError::ClientGone)
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
}
