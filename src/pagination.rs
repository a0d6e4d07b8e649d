//! Keyset pagination for the log lists: newest first by the log's own time, ties broken by id
//! descending. The cursor is the (time, id) of the last item of a page, so a page costs the same
//! however deep it is, and inserts between requests never shift a page (no OFFSET).

use std::borrow::Cow;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use sqlx::{Database, Encode, Type, query::QueryAs};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema},
};

use crate::types::{Id, Timestamp};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// The longest `cursor` the server reads; ours are about 70 characters.
const MAX_CURSOR_LEN: usize = 128;
/// The alphabet of a cursor: unpadded base64url.
const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]+$";

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
        if raw.len() > MAX_CURSOR_LEN {
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

/// A cursor as clients see it: the document declares its form, so that a request that fits the
/// schema is never refused for its form (one that fits but was not made by this server still is).
impl PartialSchema for Cursor {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some(
                "Opaque; pass a page's `next_cursor` unchanged. A string of this form that no page \
                 gave out is refused (422).",
            ))
            .min_length(Some(1))
            .max_length(Some(MAX_CURSOR_LEN))
            .pattern(Some(CURSOR_PATTERN))
            .examples(["djE6MTc2NDIzMjIwMDAwMDowMTlhNmIyZS03YzFkLTdmM2EtOWI4ZS0yZDRjNmY4YTBiMWM"])
            .into()
    }
}

impl ToSchema for Cursor {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Cursor")
    }
}

/// A page of a log list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next (older) page; `null` on the last page.
    #[schema(value_type = Option<Cursor>)]
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

/// A bind value of a page query.
#[derive(Clone, Copy, Debug)]
enum Arg {
    Id(Id),
    At(Timestamp),
    Count(i64),
}

/// The query of one page of a log list: `select` (whose log table is `l`) narrowed to the account
/// and to the filters in use, after the cursor, newest first by `time` (a column of `l`) then id.
/// Only the conditions in use are in the SQL, so that each variant walks the
/// `(user_id, time DESC, id DESC)` index straight to the page.
#[derive(Debug)]
pub struct PageQuery {
    sql: String,
    args: Vec<Arg>,
    time: &'static str,
}

impl PageQuery {
    pub fn new(select: &str, time: &'static str, user_id: Id) -> Self {
        let mut query = Self {
            sql: select.to_owned(),
            args: Vec::new(),
            time,
        };
        let user = query.arg(Arg::Id(user_id));
        query.push(&format!("WHERE l.user_id = {user}"));
        query
    }

    /// Only logs at or after `from`, when given.
    pub fn from(mut self, from: Option<Timestamp>) -> Self {
        if let Some(from) = from {
            let from = self.arg(Arg::At(from));
            self.push(&format!("AND l.{} >= {from}", self.time));
        }
        self
    }

    /// Only logs before `to`, when given.
    pub fn to(mut self, to: Option<Timestamp>) -> Self {
        if let Some(to) = to {
            let to = self.arg(Arg::At(to));
            self.push(&format!("AND l.{} < {to}", self.time));
        }
        self
    }

    /// Only logs whose `column` (of `l`) is `id`, when given.
    pub fn matching(mut self, column: &str, id: Option<Id>) -> Self {
        if let Some(id) = id {
            let id = self.arg(Arg::Id(id));
            self.push(&format!("AND l.{column} = {id}"));
        }
        self
    }

    /// The page of `limit` logs after `cursor`. One row more than the page is fetched: it only
    /// tells [`Page::from_rows`] whether another page exists.
    pub fn page(mut self, cursor: Option<Cursor>, limit: i64) -> Self {
        let time = self.time;
        if let Some(cursor) = cursor {
            let at = self.arg(Arg::At(cursor.at));
            let id = self.arg(Arg::Id(cursor.id));
            // The first condition alone bounds the index range, so the walk starts at the
            // cursor (an OR of the two would be a filter over everything before it); the second
            // settles ties.
            self.push(&format!(
                "AND l.{time} <= {at} AND (l.{time} < {at} OR l.id < {id})"
            ));
        }
        let limit = self.arg(Arg::Count(limit.saturating_add(1)));
        self.push(&format!("ORDER BY l.{time} DESC, l.id DESC LIMIT {limit}"));
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Each placeholder's PostgreSQL type and value as an SQL literal, in order: what a plan test
    /// needs to `PREPARE` the query and `EXPLAIN EXECUTE` it as a prepared statement is run.
    pub fn parameters(&self) -> Vec<(&'static str, String)> {
        self.args
            .iter()
            .map(|arg| match *arg {
                Arg::Id(id) => ("uuid", format!("'{id}'")),
                Arg::At(at) => ("timestamptz", format!("'{at}'")),
                Arg::Count(n) => ("bigint", n.to_string()),
            })
            .collect()
    }

    /// Binds the values, in placeholder order, to `query` (made from [`Self::sql`]).
    pub fn bind<'q, DB, O>(
        &self,
        mut query: QueryAs<'q, DB, O, <DB as Database>::Arguments<'q>>,
    ) -> QueryAs<'q, DB, O, <DB as Database>::Arguments<'q>>
    where
        DB: Database,
        Id: Encode<'q, DB> + Type<DB>,
        Timestamp: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
    {
        for arg in &self.args {
            query = match *arg {
                Arg::Id(id) => query.bind(id),
                Arg::At(at) => query.bind(at),
                Arg::Count(n) => query.bind(n),
            };
        }
        query
    }

    /// Adds a bind and returns its placeholder.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn push(&mut self, sql: &str) {
        self.sql.push(' ');
        self.sql.push_str(sql);
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
    fn the_declared_form_holds_every_cursor_the_server_gives_out() {
        let alphabet = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        for (millis, id) in [
            (i64::MIN, uuid::Uuid::nil()),
            (-1, uuid::Uuid::max()),
            (0, uuid::Uuid::now_v7()),
            (i64::MAX, uuid::Uuid::max()),
        ] {
            let raw = Cursor {
                at: Timestamp::from_millis(millis),
                id: Id(id),
            }
            .encode();
            assert!(!raw.is_empty() && raw.len() <= MAX_CURSOR_LEN, "{raw}");
            assert!(raw.chars().all(alphabet), "{raw}");
        }
        assert_eq!(CURSOR_PATTERN, "^[A-Za-z0-9_-]+$");
    }

    #[test]
    fn the_documented_example_is_a_cursor() {
        let schema = serde_json::to_value(Cursor::schema()).expect("JSON");
        let example = schema["examples"][0].as_str().expect("an example");
        assert!(Cursor::decode(example).is_some());
        assert_eq!(schema["minLength"], 1);
        assert_eq!(schema["maxLength"], MAX_CURSOR_LEN);
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

    fn page_query(filter: (Option<i64>, Option<i64>, bool), cursor: bool) -> PageQuery {
        let at = |millis| Timestamp::from_millis(millis);
        let cursor = cursor.then(|| Cursor {
            at: at(5),
            id: Id::new(),
        });
        PageQuery::new("SELECT * FROM logs l", "taken_at", Id::new())
            .from(filter.0.map(at))
            .to(filter.1.map(at))
            .matching("medication_id", filter.2.then(Id::new))
            .page(cursor, 20)
    }

    #[test]
    fn page_queries_hold_only_the_conditions_in_use() {
        let cases = [
            (
                page_query((None, None, false), false),
                "WHERE l.user_id = $1 ORDER BY l.taken_at DESC, l.id DESC LIMIT $2",
                2,
            ),
            (
                page_query((Some(1), Some(9), false), false),
                "WHERE l.user_id = $1 AND l.taken_at >= $2 AND l.taken_at < $3 ORDER BY l.taken_at DESC, l.id DESC LIMIT $4",
                4,
            ),
            (
                page_query((None, None, true), true),
                "WHERE l.user_id = $1 AND l.medication_id = $2 AND l.taken_at <= $3 AND (l.taken_at < $3 OR l.id < $4) ORDER BY l.taken_at DESC, l.id DESC LIMIT $5",
                5,
            ),
            (
                page_query((None, None, false), true),
                "WHERE l.user_id = $1 AND l.taken_at <= $2 AND (l.taken_at < $2 OR l.id < $3) ORDER BY l.taken_at DESC, l.id DESC LIMIT $4",
                4,
            ),
        ];
        for (query, tail, binds) in cases {
            assert!(query.sql().ends_with(tail), "{}", query.sql());
            assert_eq!(query.args.len(), binds);
        }
    }

    #[test]
    fn page_queries_fetch_one_row_more_than_the_page() {
        let query = page_query((None, None, false), false);
        assert!(matches!(query.args.last(), Some(Arg::Count(21))));
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
