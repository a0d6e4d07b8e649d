//! Audit events: a tracing event with target `audit`, and a row in `audit_events`.
//! Emails are masked and no password or session id is ever part of an event.

use std::net::IpAddr;

use crate::{
    auth::email::mask,
    db::{Db, DbError, run},
    http::request_id,
    types::{Id, Timestamp},
};

#[derive(Clone, Copy, Debug, Default)]
pub struct AuditEvent<'a> {
    pub event: &'static str,
    pub user_id: Option<Id>,
    /// The full, normalised email: only its masked form is logged or stored.
    pub email: Option<&'a str>,
    pub ip: Option<IpAddr>,
    pub reason: Option<&'static str>,
    /// Which document an export wrote (`json` or `fhir`).
    pub format: Option<&'static str>,
}

impl<'a> AuditEvent<'a> {
    pub fn new(event: &'static str) -> Self {
        Self {
            event,
            ..Self::default()
        }
    }

    pub fn user(mut self, id: Id) -> Self {
        self.user_id = Some(id);
        self
    }

    pub fn email(mut self, email: &'a str) -> Self {
        self.email = Some(email);
        self
    }

    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    pub fn reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn format(mut self, format: &'static str) -> Self {
        self.format = Some(format);
        self
    }
}

/// Logs the event and stores it. A failure to store is logged, not propagated: the action the
/// event describes has already happened, and the log line still carries the event.
pub async fn record(db: &Db, event: AuditEvent<'_>) {
    let masked = event.email.map(mask);
    let request_id = request_id::current();
    let user_id = event.user_id.map(|id| id.to_string());
    let ip = event.ip.map(|ip| ip.to_string());
    tracing::info!(
        target: "audit",
        event = event.event,
        user_id = user_id.as_deref(),
        email = masked.as_deref(),
        ip = ip.as_deref(),
        request_id = request_id.as_deref(),
        reason = event.reason,
        format = event.format,
    );
    const SQL: &str = "INSERT INTO audit_events (id, occurred_at, event, user_id, email_masked, ip, request_id, reason, format) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    let stored = db
        .transaction(async |tx| -> Result<(), DbError> {
            run!(tx, |conn| sqlx::query(SQL)
                .bind(Id::new())
                .bind(Timestamp::now())
                .bind(event.event)
                .bind(event.user_id)
                .bind(masked.as_deref())
                .bind(ip.as_deref())
                .bind(request_id.as_deref())
                .bind(event.reason)
                .bind(event.format)
                .execute(conn)
                .await?
                .rows_affected());
            Ok(())
        })
        .await;
    if let Err(err) = stored {
        tracing::error!(error = %err, event = event.event, "could not store an audit event");
    }
}
