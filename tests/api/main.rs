//! Integration tests: each runs the real server over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod api_auth;
mod api_campaigns;
mod api_leads;
mod api_refusals;
mod api_usage;
mod browser;
mod csrf_and_headers;
mod invisible_characters;
mod keys_check;
mod keys_create;
mod keys_list;
mod keys_manage;
mod keys_regenerate;
mod log_redaction;
mod login;
mod outage;
mod process;
mod scale_out;
mod sessions;
mod setup;
mod team;
mod team_access;
