//! One integration-test binary (one link step); each module covers one area of the contract.

mod helpers;
mod records;

mod account;
mod auth;
mod basics;
mod conditions;
mod demo;
mod doctors;
mod feel;
mod medication_logs;
mod medications;
mod passport;
mod passport_fixtures;
mod reliability;
mod replicas;
mod symptom_logs;
mod symptom_types;
