//! Integration tests: each runs the real server over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod api_auth;
mod api_endpoints;
mod api_usage;
mod browser;
mod csrf_and_headers;
mod keys;
mod login;
mod outage;
mod process;
mod scale_out;
mod sessions;
mod setup;
mod team;
