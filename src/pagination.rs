//! Keyset pagination for the log lists: newest first by the log's own time, ties broken by id
//! descending. The cursor is the (time, id) of the last item of a page, so a page costs the same
//! however deep it is, and inserts between requests never shift a page (no OFFSET).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use utoipa::ToSchema;

use crate::types::{Id, Timestamp};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: Timestamp,
    pub id: Id,
}

impl Cursor {
    /// Opaque to clients: `base64url("v1:<millis>:<uuid>")`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", self.at.as_millis(), self.id))
    }

    pub fn decode(raw: &str) -> Option<Self> {
        if raw.len() > 128 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, ':');
        if parts.next()? != "v1" {
            return None;
        }
        let millis = parts.next()?.parse::<i64>().ok()?;
        let id = Id::parse(parts.next()?)?;
        Some(Self {
            at: Timestamp::from_millis(millis),
            id,
        })
    }
}

/// A page of a log list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next (older) page; `null` on the last page.
    #[schema(example = "djE6MTc2NDIzMjIwMDAwMDowMTlhNmIyZS03YzFkLTdmM2EtOWI4ZS0yZDRjNmY4YTBiMWM")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first: the extra row only tells
    /// that another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> Cursor) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| key(last).encode())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// A plain list: `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            at: Timestamp::from_millis(1_764_232_200_123),
            id: Id::new(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn malformed_cursors_are_refused() {
        for raw in [
            "",
            "abc",
            "!!!",
            &URL_SAFE_NO_PAD.encode("v2:1:x"),
            &URL_SAFE_NO_PAD.encode("v1:x:y"),
        ] {
            assert_eq!(Cursor::decode(raw), None, "{raw}");
        }
    }

    #[test]
    fn an_extra_row_means_another_page() {
        let key = |n: &i64| Cursor {
            at: Timestamp::from_millis(*n),
            id: Id(uuid::Uuid::nil()),
        };
        let page = Page::from_rows(vec![5, 4, 3], 2, key);
        assert_eq!(page.items, vec![5, 4]);
        assert_eq!(
            page.next_cursor
                .as_deref()
                .and_then(Cursor::decode)
                .map(|c| c.at.as_millis()),
            Some(4)
        );
        let last = Page::from_rows(vec![2, 1], 2, key);
        assert_eq!(last.next_cursor, None);
    }
}
