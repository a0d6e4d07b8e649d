//! The FHIR R4 (4.0.1) resources the export uses, as serde structs holding just the elements it
//! fills. A full model crate would carry every resource of the standard for six of them (see the
//! README); these serialize to the same JSON, and CI parses the result with an independent
//! implementation of the standard (`fhir.resources`).
//!
//! Element names follow the standard's JSON (camelCase); absent elements are left out, never
//! `null` or `[]`, which FHIR forbids.

use serde::Serialize;

/// `Bundle` of type `collection`; its entries are written one at a time (see `super::export`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: BundleType,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// An `instant`: when the bundle was assembled.
    pub timestamp: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

/// The constant `resourceType` of a [`Bundle`].
#[derive(Debug, Serialize)]
pub enum BundleType {
    Bundle,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// `urn:uuid:<id>`.
    pub full_url: String,
    pub resource: Resource,
}

/// Every resource type the export holds, tagged as FHIR JSON tags them.
#[derive(Debug, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    Patient(Patient),
    Practitioner(Practitioner),
    Condition(Condition),
    CareTeam(CareTeam),
    MedicationStatement(MedicationStatement),
    Observation(Observation),
}

impl Resource {
    pub fn id(&self) -> &str {
        match self {
            Self::Patient(r) => &r.id,
            Self::Practitioner(r) => &r.id,
            Self::Condition(r) => &r.id,
            Self::CareTeam(r) => &r.id,
            Self::MedicationStatement(r) => &r.id,
            Self::Observation(r) => &r.id,
        }
    }

    /// The resource inside a bundle entry, addressed by `urn:uuid:<id>`.
    pub fn into_entry(self) -> BundleEntry {
        BundleEntry {
            full_url: format!("urn:uuid:{}", self.id()),
            resource: self,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Practitioner {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualification: Vec<Qualification>,
}

#[derive(Debug, Serialize)]
pub struct Qualification {
    pub code: CodeableConcept,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    /// A `date` (`YYYY-MM-DD`), which FHIR's `dateTime` admits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CareTeam {
    pub id: String,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub participant: Vec<CareTeamParticipant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_reference: Vec<Reference>,
}

#[derive(Debug, Serialize)]
pub struct CareTeamParticipant {
    pub member: Reference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationStatement {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub part_of: Vec<Reference>,
    /// `active`, `stopped` or `completed`.
    pub status: &'static str,
    pub medication_codeable_concept: CodeableConcept,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_source: Option<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_reference: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
}

#[derive(Debug, Serialize)]
pub struct Timing {
    pub repeat: TimingRepeat,
    /// A common abbreviation (`BID`, …) where one says the same as `repeat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingRepeat {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds_period: Option<Period>,
    /// How many times per `period`.
    pub frequency: u32,
    pub period: u32,
    /// A UCUM unit of time: `d` for days.
    pub period_unit: &'static str,
    /// `mon` … `sun`; absent for every day.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub day_of_week: Vec<&'static str>,
    /// FHIR `time` values, `HH:MM:SS`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_of_day: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    pub dose_quantity: Quantity,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    /// Always `final`: a diary entry is what the person recorded.
    pub status: &'static str,
    pub code: CodeableConcept,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    pub value_integer: i32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<ObservationComponent>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: CodeableConcept,
    pub value_integer: i32,
}

// Datatypes.

#[derive(Debug, Serialize)]
pub struct Reference {
    /// `urn:uuid:<id>` of an entry of the same bundle.
    pub reference: String,
}

#[derive(Debug, Default, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Coding {
    pub system: &'static str,
    pub code: &'static str,
}

#[derive(Debug, Serialize)]
pub struct HumanName {
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct ContactPoint {
    /// `phone` or `email`.
    pub system: &'static str,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Address {
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Annotation {
    pub text: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Quantity {
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}
