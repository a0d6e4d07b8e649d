//! One integration-test binary (one link step); each module covers one area of the contract.

mod helpers;

mod account;
mod audit;
mod auth;
mod basics;
mod cli;
mod conditions;
mod deletion_race;
mod demo;
mod docs;
mod doctors;
mod feel;
mod lockout;
mod lookalikes;
mod medication_logs;
mod medications;
mod metrics;
mod openapi;
mod ordering;
mod passport;
mod passport_fixtures;
mod password_budget;
mod protocol;
mod records;
mod rekey;
mod reliability;
mod replicas;
mod security;
mod sessions;
mod symptom_logs;
mod symptom_types;
