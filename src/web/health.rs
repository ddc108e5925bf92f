//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::app::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The database answers.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state
        .db(|conn| {
            Ok(conn
                .batch_execute("SELECT 1")
                .map_err(anyhow::Error::from)?)
        })
        .await
    {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
