//! Use cases: writes that span several tables, each in one transaction, over the
//! one-table functions of `models/`.

pub mod key_expiry;
pub mod key_policy;
pub mod workspace;
