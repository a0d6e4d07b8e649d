//! Medication schedules, the doses they plan, which logs took them, and adherence.

pub mod doses;
pub mod matching;
pub mod model;
pub mod plan;
pub mod store;
