//! `GET /metrics`: Prometheus text for whoever holds `KEYDESK_METRICS_TOKEN`. Registered
//! only when a token is configured, so without one the path is as unknown as any other
//! (404, or the setup redirect before the first admin exists); with one, a request
//! without the right `Authorization: Bearer` gets 401 and nothing else.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::AppState;
use crate::metrics::scrape::{CONTENT_TYPE, Scrape};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics_page));
}

async fn metrics_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    let admitted = state
        .config
        .metrics_token
        .as_ref()
        .is_some_and(|token| token.admits(authorization));
    if !admitted {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"Keydesk metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("Send the metrics token as \"Authorization: Bearer TOKEN\".\n");
    }
    let scrape = Scrape {
        metrics: state.metrics.clone(),
        pool: state.pool.clone(),
        rate_limit_backend: state.rate_limit_backend.clone(),
    };
    match scrape.render() {
        Ok(text) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(text),
        Err(e) => {
            tracing::error!(error = ?e, "the metrics could not be encoded");
            HttpResponse::InternalServerError().finish()
        }
    }
}
