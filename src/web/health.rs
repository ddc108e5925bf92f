//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db::readiness;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The database can serve this build: see `db::readiness`. The answer names the kind of
/// problem; the log (here and every few seconds from the background check) the details.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match readiness::check(&state.pool, state.db_file.as_ref()).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(reason = %crate::error::chain(&e), "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .content_type("text/plain")
                .body(format!("not ready: {}", e.reason()))
        }
    }
}
