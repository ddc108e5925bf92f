//! One log line per request, with secrets redacted: the path and query are logged
//! decoded with every key-shaped token masked, and headers (Authorization among them)
//! and bodies are never logged. Each request is counted here for `/metrics` too, under
//! the route pattern it matched (`metrics::http`).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::app::AppState;

use crate::redact;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = req.method().clone();
    let target = redact_target(req.path(), req.query_string());
    let peer = req.peer_addr().map(|a| a.ip());
    let response = next.call(req).await;
    let (status, pattern) = match &response {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    let took = started.elapsed();
    if let Some(metrics) = metrics {
        metrics
            .http
            .record(&method, pattern.as_deref(), status, took);
    }
    tracing::info!(
        target: "keydesk::access",
        %method,
        %target,
        status,
        peer = %Peer(peer),
        // Milliseconds to the microsecond: "ms=1.680", not every digit of the float.
        ms = %format_args!("{:.3}", took.as_secs_f64() * 1000.0),
        "request"
    );
    response
}

/// The client's address as logged: nothing when the connection has none (a Unix socket).
struct Peer(Option<std::net::IpAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => Ok(()),
        }
    }
}

/// The path and query, percent-decoded and with every key-shaped token replaced,
/// whatever parameter carries it and however often it was encoded (see `crate::redact`);
/// the value of a parameter named like a secret is not logged even when it is not a key.
pub fn redact_target(path: &str, query: &str) -> String {
    let path = redact::for_log(path, false);
    if query.is_empty() {
        return path;
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => {
                format!("{}=[redacted]", redact::for_log(name, true))
            }
            _ => redact::for_log(pair, true),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// `access_token`, `api_key`, `password`, the setup link's `code` and the like, however
/// encoded or spaced.
fn is_secret_param(raw_name: &str) -> bool {
    let name = redact::decode_until_stable(raw_name, true)
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    ["token", "key", "secret", "password", "code"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted_in_any_parameter_and_in_the_path() {
        let key = crate::domain::api_key::PlainKey::generate();
        let key = key.expose();
        assert_eq!(
            redact_target("/api/team", &format!("limit=5&%61ccess_token={key}&x=1")),
            "/api/team?limit=5&access_token=[redacted]&x=1"
        );
        assert_eq!(
            redact_target(&format!("/api/{key}"), &format!("access_token%20={key}")),
            "/api/kd_[redacted]?access_token =[redacted]"
        );
        assert_eq!(
            redact_target("/a", &format!("x=kd%255F{}&api%5Fkey=ll_1", &key[3..])),
            "/a?x=kd_[redacted]&api_key=[redacted]"
        );
        assert_eq!(redact_target("/healthz", ""), "/healthz");
    }

    #[test]
    fn the_setup_links_code_is_redacted_however_its_name_is_written() {
        for (query, logged) in [
            ("code=K7QX-3M9A-HW4T", "code=[redacted]"),
            ("c%6Fde=K7QX-3M9A-HW4T", "code=[redacted]"),
            ("x=1&setup_code=K7QX3M9AHW4T", "x=1&setup_code=[redacted]"),
            ("CODE%2520=k7qx-3m9a-hw4t", "CODE =[redacted]"),
        ] {
            assert_eq!(
                redact_target("/setup", query),
                format!("/setup?{logged}"),
                "{query}"
            );
        }
    }
}
