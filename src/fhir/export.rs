//! The FHIR export's writer: one snapshot of the account, each table read once through its
//! feature's store in the order its resources appear in the bundle, each row mapped and written
//! as it arrives, so the bundle's memory does not grow with the account.

use std::collections::BTreeMap;

use futures_util::{Stream, TryStreamExt};

use super::{
    mapping,
    resources::{Bundle, BundleType, Resource},
};
use crate::{
    auth::users::{self, User},
    db::{Db, DbError, Snapshot},
    http::streaming::{BodyWriter, StreamError},
    medications::{logs::store as medication_logs, model::Medication, store as medications},
    passport::{conditions::store as conditions, doctors::store as doctors, links::store as links},
    schedules::{model::Schedule, store as schedules},
    symptoms::logs::store as symptom_logs,
    types::{Id, Timestamp},
};

/// A bundle ready to be written: the snapshot it reads and the account it describes.
pub struct PendingBundle {
    snapshot: Snapshot,
    patient: User,
    timestamp: Timestamp,
}

impl PendingBundle {
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }
}

/// Opens the snapshot the bundle of `user_id` reads; `None` when the account no longer exists.
pub async fn open(db: &Db, user_id: Id) -> Result<Option<PendingBundle>, DbError> {
    let timestamp = Timestamp::now();
    let mut snapshot = Snapshot::open(db).await?;
    let Some(patient) = users::find_in(&mut snapshot.conn(), user_id).await? else {
        return Ok(None);
    };
    Ok(Some(PendingBundle {
        snapshot,
        patient,
        timestamp,
    }))
}

/// The bundle's opening up to its first entry: the typed [`Bundle`] without entries, with its
/// `entry` array opened.
fn bundle_head(timestamp: Timestamp) -> Result<String, serde_json::Error> {
    let mut head = serde_json::to_string(&Bundle {
        resource_type: BundleType::Bundle,
        kind: "collection",
        timestamp: timestamp.to_string(),
        entry: Vec::new(),
    })?;
    // `{...}` → `{...,"entry":[`; the entries and the closing `]}` follow.
    head.pop();
    head.push_str(",\"entry\":[");
    Ok(head)
}

/// Writes entries one by one, with the commas between them.
struct Entries {
    out: BodyWriter,
    written: u64,
}

impl Entries {
    async fn push(&mut self, resource: Resource) -> Result<(), StreamError> {
        if self.written > 0 {
            self.out.raw(",");
        }
        self.written += 1;
        self.out.value(&resource.into_entry()).await
    }

    /// One entry per item of `items`, as they arrive.
    async fn each<T>(
        &mut self,
        items: impl Stream<Item = Result<T, DbError>>,
        mut to_resource: impl FnMut(T) -> Resource,
    ) -> Result<(), StreamError> {
        let mut items = std::pin::pin!(items);
        while let Some(item) = items.try_next().await? {
            self.push(to_resource(item)).await?;
        }
        Ok(())
    }
}

/// Writes the bundle: the patient, the doctors, the conditions and their care teams, the
/// medications, then every medication and symptom log.
pub async fn write(bundle: PendingBundle, out: BodyWriter) -> Result<(), StreamError> {
    let PendingBundle {
        mut snapshot,
        patient,
        timestamp,
    } = bundle;
    let me = patient.id;
    let tx = &mut snapshot.conn();
    let mut entries = Entries { out, written: 0 };
    entries.out.raw(&bundle_head(timestamp)?);
    entries.push(mapping::patient(&patient)).await?;

    entries
        .each(doctors::stream_all(tx, me), mapping::practitioner)
        .await?;
    let to_condition = |condition| mapping::condition(condition, me);
    entries
        .each(conditions::stream_all(tx, me), to_condition)
        .await?;
    // Links are few (the quotas bound conditions and doctors): condition → its doctors, each
    // list in doctor order.
    let mut teams: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for link in links::all(tx, me).await? {
        teams
            .entry(link.condition_id)
            .or_default()
            .push(link.doctor_id);
    }
    for (condition, doctors) in &teams {
        if let Some(team) = mapping::care_team(*condition, doctors, me) {
            entries.push(team).await?;
        }
    }
    // Schedules are few too (a quota of 100 per account), and each medication's statement
    // carries its own.
    let mut plans: BTreeMap<Id, Vec<Schedule>> = BTreeMap::new();
    let mut all_schedules = schedules::stream_all(tx, me);
    while let Some(schedule) = all_schedules.try_next().await? {
        plans
            .entry(schedule.medication_id)
            .or_default()
            .push(schedule);
    }
    drop(all_schedules);
    let to_statement = |medication: Medication| {
        let plan = plans.remove(&medication.id).unwrap_or_default();
        mapping::medication(medication, &plan, me)
    };
    entries
        .each(medications::stream_all(tx, me), to_statement)
        .await?;
    let to_statement = |log| mapping::medication_log(log, me);
    entries
        .each(medication_logs::stream_all(tx, me), to_statement)
        .await?;
    let to_observation = |log| mapping::symptom_log(log, me);
    entries
        .each(symptom_logs::stream_all(tx, me), to_observation)
        .await?;
    drop(snapshot);
    let Entries { mut out, .. } = entries;
    out.raw("]}");
    out.finish().await
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;
    use crate::{
        fhir::resources::BundleEntry, http::streaming::streamed_body,
        symptoms::logs::model::SymptomLog,
    };

    fn sample(n: u128) -> Resource {
        mapping::symptom_log(
            SymptomLog {
                id: Id(uuid::Uuid::from_u128(n)),
                symptom_type_id: Id(uuid::Uuid::from_u128(2)),
                symptom_name: format!("Symptom {n}"),
                started_at: Timestamp::from_millis(1_700_000_000_000),
                ended_at: None,
                duration_minutes: None,
                severity: 5,
                severity_label: "moderate",
                impact: 3,
                impact_label: "mild",
                notes: None,
                created_at: Timestamp::from_millis(1_700_000_000_000),
                updated_at: Timestamp::from_millis(1_700_000_000_000),
            },
            Id(uuid::Uuid::from_u128(1)),
        )
    }

    #[tokio::test]
    async fn the_streamed_bundle_is_the_typed_bundle() {
        let timestamp = Timestamp::from_millis(1_764_000_000_123);
        let (out, body) = streamed_body();
        let mut entries = Entries { out, written: 0 };
        entries.out.raw(&bundle_head(timestamp).expect("a head"));
        for n in 0..3 {
            entries.push(sample(n)).await.expect("written");
        }
        let Entries { mut out, .. } = entries;
        out.raw("]}");
        out.finish().await.expect("finished");
        let streamed: serde_json::Value =
            serde_json::from_slice(&body.collect().await.expect("a body").to_bytes())
                .expect("JSON");

        let typed = Bundle {
            resource_type: BundleType::Bundle,
            kind: "collection",
            timestamp: timestamp.to_string(),
            entry: (0..3)
                .map(sample)
                .map(Resource::into_entry)
                .collect::<Vec<BundleEntry>>(),
        };
        assert_eq!(streamed, serde_json::to_value(typed).expect("JSON"));
        assert_eq!(streamed["timestamp"], "2025-11-24T16:00:00.123Z");
    }
}
