//! One log line per request, with secrets redacted: the `access_token` query
//! parameter is masked and headers (Authorization among them) are never logged.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let target = redact_target(req.path(), req.query_string());
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let response = next.call(req).await;
    let status = match &response {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    tracing::info!(
        target: "keydesk::access",
        %method,
        %target,
        status,
        peer = %peer,
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The path and query with the value of every `access_token` parameter replaced.
pub fn redact_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => format!("{name}=[redacted]"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", redacted.join("&"))
}

fn is_secret_param(name: &str) -> bool {
    let decoded = name.replace("%5F", "_").replace("%5f", "_");
    decoded.eq_ignore_ascii_case("access_token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_token_parameter_is_redacted() {
        assert_eq!(
            redact_target("/api/team", "limit=5&access_token=kd_secret&x=1"),
            "/api/team?limit=5&access_token=[redacted]&x=1"
        );
        assert_eq!(
            redact_target("/api/team", "ACCESS%5FTOKEN=kd_x"),
            "/api/team?ACCESS%5FTOKEN=[redacted]"
        );
        assert_eq!(redact_target("/healthz", ""), "/healthz");
    }
}
