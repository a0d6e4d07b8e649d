//! The FHIR export's reads and its writer: one snapshot of the account, each table read once in
//! the order its resources appear in the bundle, each row mapped and written as it arrives, so the
//! bundle's memory does not grow with the account.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;

use super::{
    mapping,
    records::{CareLink, ConditionRecord, MedicationLogRecord, MedicationRecord, SymptomLogRecord},
    resources::{Bundle, BundleType, Resource},
};
use crate::{
    auth::users::User,
    db::{Db, DbError, Snapshot, SnapshotRow},
    http::streaming::{BodyWriter, StreamError},
    types::{Id, Timestamp},
};

const PROFILE: &str =
    "SELECT id, email, display_name, timezone, created_at FROM users WHERE id = $1";
const DOCTORS: &str = "SELECT id, name, specialty, phone, email, address \
     FROM doctors WHERE user_id = $1 ORDER BY name_key, id";
const CONDITIONS: &str = "SELECT id, name, status, diagnosed_on, notes \
     FROM conditions WHERE user_id = $1 ORDER BY name_key, id";
const CARE_LINKS: &str = "SELECT condition_id, doctor_id FROM doctor_conditions \
     WHERE user_id = $1 ORDER BY condition_id, doctor_id";
const MEDICATIONS: &str = "SELECT id, name, dosage, frequency, purpose, condition_id, notes, active \
     FROM medications WHERE user_id = $1 ORDER BY name_key, id";
const MEDICATION_LOGS: &str = "SELECT l.id, l.medication_id, m.name AS medication_name, l.taken_at, l.dose_amount, l.dose_unit, \
     l.side_effects, l.side_effect_severity, l.notes \
     FROM medication_logs l JOIN medications m ON m.id = l.medication_id AND m.user_id = l.user_id \
     WHERE l.user_id = $1 ORDER BY l.taken_at DESC, l.id DESC";
const SYMPTOM_LOGS: &str = "SELECT l.id, t.name AS symptom_name, l.started_at, l.ended_at, l.severity, l.impact, l.notes \
     FROM symptom_logs l JOIN symptom_types t ON t.id = l.symptom_type_id AND t.user_id = l.user_id \
     WHERE l.user_id = $1 ORDER BY l.started_at DESC, l.id DESC";

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
    let Some(patient) = snapshot.optional::<User>(PROFILE, user_id).await? else {
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

    /// One entry per row of `sql`, as the rows arrive.
    async fn rows<T: SnapshotRow>(
        &mut self,
        snapshot: &mut Snapshot,
        sql: &'static str,
        user_id: Id,
        mut to_resource: impl FnMut(T) -> Resource,
    ) -> Result<(), StreamError> {
        let mut rows = snapshot.rows::<T>(sql, user_id);
        while let Some(row) = rows.try_next().await? {
            self.push(to_resource(row)).await?;
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
    let mut entries = Entries { out, written: 0 };
    entries.out.raw(&bundle_head(timestamp)?);
    entries.push(mapping::patient(&patient)).await?;

    let db = &mut snapshot;
    entries.rows(db, DOCTORS, me, mapping::practitioner).await?;
    entries
        .rows(db, CONDITIONS, me, |row: ConditionRecord| {
            mapping::condition(row, me)
        })
        .await?;
    // Links are few (the quotas bound conditions and doctors); ordered by condition, then doctor.
    let links: Vec<CareLink> = db.all(CARE_LINKS, me).await?;
    let mut teams: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for link in links {
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
    entries
        .rows(db, MEDICATIONS, me, |row: MedicationRecord| {
            mapping::medication(row, me)
        })
        .await?;
    entries
        .rows(db, MEDICATION_LOGS, me, |row: MedicationLogRecord| {
            mapping::medication_log(row, me)
        })
        .await?;
    entries
        .rows(db, SYMPTOM_LOGS, me, |row: SymptomLogRecord| {
            mapping::symptom_log(row, me)
        })
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
    use crate::{fhir::resources::BundleEntry, http::streaming::streamed_body};

    fn sample(n: u128) -> Resource {
        mapping::symptom_log(
            SymptomLogRecord {
                id: Id(uuid::Uuid::from_u128(n)),
                symptom_name: format!("Symptom {n}"),
                started_at: Timestamp::from_millis(1_700_000_000_000),
                ended_at: None,
                severity: 5,
                impact: 3,
                notes: None,
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
