//! medtracker: a medical diary JSON REST API.

pub mod account;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod feel;
pub mod fhir;
pub mod health;
pub mod http;
pub mod input;
pub mod limits;
pub mod medications;
pub mod openapi;
pub mod pagination;
pub mod passport;
pub mod rekey;
pub mod report;
pub mod schedules;
pub mod state;
pub mod symptoms;
pub mod telemetry;
pub mod trends;
pub mod types;
