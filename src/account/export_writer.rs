//! Writes the export: one snapshot of the account, each table read once through its feature's
//! store and written to the response row by row as it arrives, so that the document is
//! consistent even while the account writes (a log never names a medication the document lacks)
//! and the export's memory does not grow with the account.

use futures_util::{Stream, TryStreamExt};
use serde::Serialize;

use super::export::LinkIndex;
use crate::{
    auth::users::{self, User},
    db::{Db, DbError, Snapshot},
    http::streaming::{BodyWriter, StreamError},
    medications::{logs::store as medication_logs, store as medications},
    passport::{conditions::store as conditions, doctors::store as doctors, links::store as links},
    schedules::store as schedules,
    symptoms::{logs::store as symptom_logs, types::store as symptom_types},
    types::{Id, Timestamp},
};

/// An export ready to be written: the snapshot it reads and the account it belongs to.
pub struct PendingExport {
    snapshot: Snapshot,
    profile: User,
    exported_at: Timestamp,
}

impl PendingExport {
    pub fn exported_at(&self) -> Timestamp {
        self.exported_at
    }
}

/// Opens the snapshot the export of `user_id` reads; `None` when the account no longer exists.
pub async fn open(db: &Db, user_id: Id) -> Result<Option<PendingExport>, DbError> {
    let exported_at = Timestamp::now();
    let mut snapshot = Snapshot::open(db).await?;
    let Some(profile) = users::find_in(&mut snapshot.conn(), user_id).await? else {
        return Ok(None);
    };
    Ok(Some(PendingExport {
        snapshot,
        profile,
        exported_at,
    }))
}

/// Writes the document: the fields of [`super::export::AccountExport`], in its order.
pub async fn write(export: PendingExport, mut out: BodyWriter) -> Result<(), StreamError> {
    let PendingExport {
        mut snapshot,
        profile,
        exported_at,
    } = export;
    let me = profile.id;
    let tx = &mut snapshot.conn();
    // Conditions and doctors carry their links, so the links (few: the quotas bound both ends)
    // are read first.
    let all_links = links::all(tx, me).await?;
    let mut index = LinkIndex::new(&all_links);

    out.raw("{\"exported_at\":");
    out.value(&exported_at).await?;
    out.raw(",\"profile\":");
    out.value(&profile).await?;
    array(&mut out, "medications", medications::stream_all(tx, me)).await?;
    let logs = medication_logs::stream_all(tx, me);
    array(&mut out, "medication_logs", logs).await?;
    array(&mut out, "schedules", schedules::stream_all(tx, me)).await?;
    array(&mut out, "symptom_types", symptom_types::stream_all(tx, me)).await?;
    array(&mut out, "symptom_logs", symptom_logs::stream_all(tx, me)).await?;
    let with_doctors = conditions::stream_all(tx, me).map_ok(|mut condition| {
        condition.doctor_ids = index.doctors_of(condition.id);
        condition
    });
    array(&mut out, "conditions", with_doctors).await?;
    let with_conditions = doctors::stream_all(tx, me).map_ok(|mut doctor| {
        doctor.condition_ids = index.conditions_of(doctor.id);
        doctor
    });
    array(&mut out, "doctors", with_conditions).await?;
    out.raw(",\"doctor_conditions\":");
    out.value(&all_links).await?;
    out.raw("}");
    out.finish().await
}

/// Writes `,"key":[...]` with one element per item of `items`, as they arrive.
async fn array<T: Serialize>(
    out: &mut BodyWriter,
    key: &str,
    items: impl Stream<Item = Result<T, DbError>>,
) -> Result<(), StreamError> {
    out.raw(",\"");
    out.raw(key);
    out.raw("\":[");
    let mut items = std::pin::pin!(items);
    let mut first = true;
    while let Some(item) = items.try_next().await? {
        if !first {
            out.raw(",");
        }
        first = false;
        out.value(&item).await?;
    }
    out.raw("]");
    Ok(())
}
