//! CSRF protection: every state-changing form carries the session's token in a
//! `csrf_token` field, checked here before any handler runs.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, http::Method, web::Bytes};
use futures_util::StreamExt;

use super::session::stored_csrf_token;
use crate::error::AppError;

/// Field name of the token in every form.
pub const FIELD: &str = "csrf_token";
/// Forms are small; anything larger is refused before parsing.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn require_csrf_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await;
    }
    let expected = stored_csrf_token(&req.get_session());
    let body = read_body(&mut req).await?;
    let sent = form_field(&body, FIELD);
    let valid = match (expected, sent) {
        (Some(expected), Some(sent)) => constant_time_eq(expected.as_bytes(), sent.as_bytes()),
        _ => false,
    };
    if !valid {
        return Err(AppError::Csrf.into());
    }
    req.set_payload(Payload::from(body));
    next.call(req).await
}

pub(crate) async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(AppError::PayloadTooLarge.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_a_urlencoded_form() {
        assert_eq!(
            form_field(b"name=Ada&csrf_token=abc%2B1", FIELD).as_deref(),
            Some("abc+1")
        );
        assert_eq!(form_field(b"name=Ada", FIELD), None);
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
