//! Recomputes stored name keys and emails under the current rules (NFKC case folding of names,
//! IDNA ASCII domains), once per database, right after the SQL migrations: SQL cannot compute
//! Unicode normal forms, so this part of migration 0002 is done here, on both databases alike.
//!
//! It runs in one write transaction that first records its name in `data_migrations`, so of
//! several replicas starting at once exactly one does the work and the others find it done. When
//! two rows that must be unique would share a key, nothing is changed and start-up stops with a
//! message naming the rows, for an operator to rename or merge them.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::{
    auth::email::Email,
    db::{Db, DbError, read, run},
    input::name_key,
    types::{Id, Timestamp},
};

/// The name this recomputation is recorded under.
const NAME: &str = "0002_nfkc_name_keys_idna_emails";

/// Tables with a name key, and whether it is unique per account.
const KEYED_TABLES: [(&str, bool); 4] = [
    ("medications", true),
    ("symptom_types", true),
    ("conditions", true),
    ("doctors", false),
];

#[derive(Debug, Error)]
pub enum RekeyError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(
        "cannot recompute name keys and emails (migration 0002): {0}. Nothing was changed; \
         rename, merge or delete the rows named, then start again"
    )]
    Conflicts(String),
}

impl From<sqlx::Error> for RekeyError {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(err.into())
    }
}

/// A stored row: its id, the account it belongs to (for emails, none), and its stored text.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRow {
    pub id: Id,
    pub owner: Option<Id>,
    pub stored_key: String,
    pub source: String,
}

/// What a table needs: the rows whose key changes, with their new key.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<(Id, String)>,
}

/// Recomputes every row's key with `key_of`; rows of one owner that must be unique and would
/// share a key are reported (by `what` and id), as are sources the rules now refuse.
pub fn plan(
    what: &str,
    rows: &[StoredRow],
    unique: bool,
    key_of: impl Fn(&str) -> Result<String, String>,
    problems: &mut Vec<String>,
) -> Plan {
    let mut by_key: BTreeMap<(Option<Id>, String), Vec<Id>> = BTreeMap::new();
    let mut changes = Vec::new();
    for row in rows {
        match key_of(&row.source) {
            Ok(key) => {
                if key != row.stored_key {
                    changes.push((row.id, key.clone()));
                }
                by_key.entry((row.owner, key)).or_default().push(row.id);
            }
            Err(reason) => problems.push(format!("{what} {} {reason}", row.id)),
        }
    }
    if unique {
        for ((owner, _), ids) in by_key.into_iter().filter(|(_, ids)| ids.len() > 1) {
            let ids: Vec<String> = ids.iter().map(Id::to_string).collect();
            let account = owner.map_or(String::new(), |o| format!(" of account {o}"));
            problems.push(format!(
                "{what} {}{account} would become one",
                ids.join(" and ")
            ));
        }
    }
    Plan { changes }
}

fn email_key(stored: &str) -> Result<String, String> {
    Email::parse(stored)
        .map(|e| e.as_str().to_owned())
        .map_err(|reason| format!("has an email that now is invalid ({reason})"))
}

/// A placeholder no recomputed value can equal (names and emails hold no control characters), so
/// that rows can trade keys without meeting the unique index half-way.
fn placeholder(id: Id) -> String {
    format!("\u{1}{id}")
}

/// Runs the recomputation unless this database has it recorded.
pub async fn run(db: &Db) -> Result<(), RekeyError> {
    let done: i64 = read!(db, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_migrations WHERE name = $1"
    )
    .bind(NAME)
    .fetch_one(conn)
    .await)
    .map_err(DbError::from)?;
    if done > 0 {
        return Ok(());
    }
    let changed = db
        .transaction(async |tx| -> Result<usize, RekeyError> {
            let claimed = run!(tx, |conn| sqlx::query(
                "INSERT INTO data_migrations (name, applied_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(NAME)
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected());
            if claimed == 0 {
                return Ok(0);
            }
            let mut problems = Vec::new();
            let mut plans = Vec::new();
            for (table, unique) in KEYED_TABLES {
                let sql = format!("SELECT id, user_id, name_key, name FROM {table}");
                let rows: Vec<(Id, Id, String, String)> =
                    run!(tx, |conn| sqlx::query_as(&sql).fetch_all(conn).await?);
                let rows: Vec<StoredRow> = rows
                    .into_iter()
                    .map(|(id, owner, stored_key, source)| StoredRow {
                        id,
                        owner: Some(owner),
                        stored_key,
                        source,
                    })
                    .collect();
                let key = |name: &str| Ok(name_key(name));
                plans.push((
                    table,
                    "name_key",
                    plan(table, &rows, unique, key, &mut problems),
                ));
            }
            let users: Vec<(Id, String)> =
                run!(tx, |conn| sqlx::query_as("SELECT id, email FROM users")
                    .fetch_all(conn)
                    .await?);
            let users: Vec<StoredRow> = users
                .into_iter()
                .map(|(id, email)| StoredRow {
                    id,
                    owner: None,
                    stored_key: email.clone(),
                    source: email,
                })
                .collect();
            plans.push((
                "users",
                "email",
                plan("account", &users, true, email_key, &mut problems),
            ));
            if !problems.is_empty() {
                // An error rolls the transaction back: the claim goes with everything else.
                return Err(RekeyError::Conflicts(problems.join("; ")));
            }
            for pass in [true, false] {
                for (table, column, plan) in &plans {
                    let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
                    for (id, key) in &plan.changes {
                        let value = if pass { placeholder(*id) } else { key.clone() };
                        run!(tx, |conn| sqlx::query(&sql)
                            .bind(&value)
                            .bind(*id)
                            .execute(conn)
                            .await?
                            .rows_affected());
                    }
                }
            }
            Ok(plans.iter().map(|(_, _, p)| p.changes.len()).sum())
        })
        .await?;
    if changed > 0 {
        tracing::info!(
            rows = changed,
            "recomputed name keys and emails under the current rules"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u128, owner: u128, stored_key: &str, source: &str) -> StoredRow {
        StoredRow {
            id: Id(uuid::Uuid::from_u128(id)),
            owner: Some(Id(uuid::Uuid::from_u128(owner))),
            stored_key: stored_key.into(),
            source: source.into(),
        }
    }

    fn names(rows: &[StoredRow], unique: bool) -> (Plan, Vec<String>) {
        let mut problems = Vec::new();
        let plan = plan(
            "medications",
            rows,
            unique,
            |n| Ok(name_key(n)),
            &mut problems,
        );
        (plan, problems)
    }

    #[test]
    fn only_keys_that_change_are_rewritten() {
        let rows = [
            row(1, 9, "ａspirin", "Ａspirin"),
            row(2, 9, "ibuprofen", "Ibuprofen"),
        ];
        let (plan, problems) = names(&rows, true);
        assert!(problems.is_empty());
        assert_eq!(plan.changes, [(rows[0].id, "aspirin".to_owned())]);
    }

    #[test]
    fn rows_that_would_share_a_unique_key_are_named() {
        let rows = [
            row(1, 9, "ａspirin", "Ａspirin"),
            row(2, 9, "aspirin", "aspirin"),
            row(3, 8, "aspirin", "aspirin"),
        ];
        let (_, problems) = names(&rows, true);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(&rows[0].id.to_string()));
        assert!(problems[0].contains(&rows[1].id.to_string()));
        assert!(!problems[0].contains(&rows[2].id.to_string()));
        let (_, problems) = names(&rows, false);
        assert!(problems.is_empty(), "doctors' keys need not be unique");
    }

    #[test]
    fn emails_take_the_ascii_domain_and_invalid_ones_are_named() {
        assert_eq!(
            email_key("jan@bücher.example").as_deref(),
            Ok("jan@xn--bcher-kva.example")
        );
        assert!(email_key("ja\u{200B}n@example.com").is_err());
        assert!(placeholder(Id::new()).starts_with('\u{1}'));
    }
}
