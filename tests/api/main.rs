//! One integration-test binary (one link step); each module covers one area of the contract.

mod helpers;

mod auth;
mod basics;
mod conditions;
mod doctors;
mod feel;
mod medication_logs;
mod medications;
mod openapi;
mod passport;
mod passport_fixtures;
mod replicas;
mod symptom_logs;
mod symptom_types;
