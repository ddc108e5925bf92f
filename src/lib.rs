//! Keydesk: self-hosted API-key management with a lemlist-compatible API.

pub mod api;
pub mod app;
pub mod auth;
pub mod background;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod format;
pub mod metering;
pub mod metrics;
pub mod models;
pub mod redact;
pub mod startup;
pub mod telemetry;
pub mod templates;
pub mod use_cases;
pub mod web;
pub mod webhooks;

/// This build's version and the commit it was built from ("unknown" outside git), as
/// `keydesk --version` prints it and a refusal to start on a newer schema names it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KEYDESK_COMMIT"),
    ")"
);
