//! One integration-test binary (one link step); each module covers one area of the contract.

mod helpers;

mod account;
mod audit;
mod auth;
mod basics;
mod cli;
mod concurrent_patches;
mod conditions;
mod demo;
mod docs;
mod doctors;
mod doses;
mod empty_bodies;
mod feel;
mod fhir;
mod lockout;
mod medication_logs;
mod medications;
mod openapi;
mod passport;
mod passport_fixtures;
mod protocol;
mod records;
mod reliability;
mod replicas;
mod report;
mod request_log;
mod schedules;
mod security;
mod sessions;
mod symptom_logs;
mod symptom_types;
mod trends;
