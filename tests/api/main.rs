//! One integration-test binary (one link step); each module covers one area of the contract.

mod helpers;

mod auth;
mod basics;
mod medication_logs;
mod medications;
mod openapi;
mod replicas;
