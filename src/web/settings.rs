//! `/settings` leads to its default tab, Integrations.

use actix_web::web;

use crate::templates::see_other;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/settings",
        web::get().to(|| async { see_other("/settings/integrations") }),
    );
}
