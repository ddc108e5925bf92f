//! Integration tests: each runs the real server over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod access_requests;
mod api_auth;
mod api_campaigns;
mod api_leads;
mod api_refusals;
mod api_usage;
mod browser;
mod connection_loss;
mod csrf_and_headers;
mod invisible_characters;
mod keys_check;
mod keys_create;
mod keys_disable;
mod keys_list;
mod keys_manage;
mod keys_paging;
mod keys_regenerate;
mod log_redaction;
mod login;
mod login_device;
mod login_throttle;
mod outage;
mod process;
mod races;
mod readiness;
mod scale_out;
mod security_doc;
mod session_writes;
mod sessions;
mod setup;
mod setup_code;
mod team;
mod team_access;
mod team_leavers;
