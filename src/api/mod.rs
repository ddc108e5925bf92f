//! The key-authenticated JSON API, in lemlist's dialect.

pub mod auth;
pub mod error;
pub mod rate_limit;
pub mod usage;

use actix_web::middleware::from_fn;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api").wrap(from_fn(auth::require_api_key)));
}
