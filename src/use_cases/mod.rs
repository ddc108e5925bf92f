//! Use cases: writes that span several tables, each in one transaction, over the
//! one-table functions of `models/`.

pub mod access_requests;
pub mod account;
pub mod invitations;
pub mod key_expiry;
pub mod key_policy;
pub mod leaver_keys;
pub mod permitted;
pub mod two_factor;
pub mod webhooks;
pub mod workspace;
