//! HTML pages, one module per area, and the route table that ties them together.

pub mod access_log;
pub mod account;
pub mod account_sessions;
pub mod audit;
pub mod confirm_access;
pub mod docs;
pub mod form;
pub mod health;
pub mod invitations;
pub mod keys;
pub mod leaver_keys;
pub mod login;
pub mod login_code;
pub mod login_throttle;
pub mod metrics;
pub mod one_time_links;
pub mod settings;
pub mod setup;
pub mod static_files;
pub mod team;
pub mod team_members;
pub mod team_requests;
pub mod two_factor;
pub mod webhooks;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::templates::see_other;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async { see_other("/settings/integrations") }),
    )
    .configure(setup::routes)
    .configure(login::routes)
    .configure(confirm_access::routes)
    .configure(two_factor::routes)
    .configure(account::routes)
    .configure(settings::routes)
    .configure(keys::routes)
    .configure(webhooks::routes)
    .configure(team::routes)
    .configure(invitations::routes)
    .configure(audit::routes)
    .configure(docs::routes);
}

/// The styled 404 for any unknown path.
pub async fn not_found() -> HttpResponse {
    crate::error::error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing here. Check the address, or go back to your settings.",
    )
}
